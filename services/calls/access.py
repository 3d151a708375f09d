"""Who prepares funding calls and reads drafts (editors and admins), and who opens one at once (admins)."""

from __future__ import annotations

from events import Caller
from services.errors import AuthenticationFailed, PermissionDenied
from services.identity import ADMIN, EDITOR

WRITING_ROLES = (EDITOR, ADMIN)
BROADCASTING_ROLES = (ADMIN,)


def writes_calls(caller: Caller) -> bool:
    """True if `caller` may prepare, announce and change calls and read drafts."""
    return caller.has_role(*WRITING_ROLES)


def _require(caller: Caller, roles: tuple[str, ...], message: str) -> None:
    if caller.anonymous:
        raise AuthenticationFailed("log in first: this needs a bearer token", code="login_required")
    if not caller.has_role(*roles):
        raise PermissionDenied(message)


def require_call_writer(caller: Caller) -> None:
    """Raise unless `caller` prepares calls (401 anonymous, 403 otherwise)."""
    _require(caller, WRITING_ROLES, "only editors and admins prepare funding calls")


def require_broadcaster(caller: Caller) -> None:
    """Raise unless `caller` may open a call at once and broadcast it (admins)."""
    _require(caller, BROADCASTING_ROLES, "only admins broadcast a call's opening")
