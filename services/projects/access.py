"""Who maintains the model projects directory: editors and admins."""

from __future__ import annotations

from events import Caller
from services.errors import AuthenticationFailed, PermissionDenied
from services.identity import ADMIN, EDITOR

EDITING_ROLES = (EDITOR, ADMIN)


def require_project_editor(caller: Caller) -> None:
    """Raise unless `caller` may add and change projects (401 anonymous, 403 otherwise)."""
    if caller.anonymous:
        raise AuthenticationFailed("log in first: this needs a bearer token", code="login_required")
    if not caller.has_role(*EDITING_ROLES):
        raise PermissionDenied("only editors and admins maintain the projects directory")
