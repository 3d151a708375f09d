"""Who writes news and reads what is not published yet: editors and admins."""

from __future__ import annotations

from events import Caller
from services.identity import ADMIN, EDITOR, require_role

WRITING_ROLES = (EDITOR, ADMIN)


def writes_news(caller: Caller) -> bool:
    """True if `caller` may write, publish and retract news and read drafts."""
    return caller.has_role(*WRITING_ROLES)


def require_news_writer(caller: Caller) -> None:
    """Raise unless `caller` writes news (401 anonymous, 403 otherwise)."""
    require_role(caller, WRITING_ROLES, "only editors and admins write news")
