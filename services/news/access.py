"""Who writes news and reads what is not published yet: editors and admins."""

from __future__ import annotations

from events import Caller
from services.errors import AuthenticationFailed, PermissionDenied
from services.identity import ADMIN, EDITOR

WRITING_ROLES = (EDITOR, ADMIN)


def writes_news(caller: Caller) -> bool:
    """True if `caller` may write, publish and retract news and read drafts."""
    return caller.has_role(*WRITING_ROLES)


def require_news_writer(caller: Caller) -> None:
    """Raise unless `caller` writes news (401 anonymous, 403 otherwise)."""
    if caller.anonymous:
        raise AuthenticationFailed("log in first: this needs a bearer token", code="login_required")
    if not writes_news(caller):
        raise PermissionDenied("only editors and admins write news")
