"""Who prepares funding calls and reads drafts (editors and admins), and who opens one at once (admins)."""

from __future__ import annotations

from events import Caller
from services.identity import ADMIN, EDITOR, require_role

WRITING_ROLES = (EDITOR, ADMIN)
BROADCASTING_ROLES = (ADMIN,)


def writes_calls(caller: Caller) -> bool:
    """True if `caller` may prepare, announce and change calls and read drafts."""
    return caller.has_role(*WRITING_ROLES)


def require_call_writer(caller: Caller) -> None:
    """Raise unless `caller` prepares calls (401 anonymous, 403 otherwise)."""
    require_role(caller, WRITING_ROLES, "only editors and admins prepare funding calls")


def require_broadcaster(caller: Caller) -> None:
    """Raise unless `caller` may open a call at once and broadcast it (admins)."""
    require_role(caller, BROADCASTING_ROLES, "only admins broadcast a call's opening")
