"""Who maintains the model projects directory: editors and admins."""

from __future__ import annotations

from events import Caller
from services.identity import ADMIN, EDITOR, require_role

EDITING_ROLES = (EDITOR, ADMIN)


def require_project_editor(caller: Caller) -> None:
    """Raise unless `caller` may add and change projects (401 anonymous, 403 otherwise)."""
    require_role(caller, EDITING_ROLES, "only editors and admins maintain the projects directory")
