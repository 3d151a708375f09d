"""Who may manage accounts: admins. Members manage their own tokens."""

from __future__ import annotations

from events import Caller
from services.errors import AuthenticationFailed, PermissionDenied
from services.identity.roles import ADMIN


def require_login(caller: Caller) -> int:
    """The caller's member id; 401 for anonymous callers."""
    if caller.id is None:
        raise AuthenticationFailed("log in first: this needs a bearer token", code="login_required")
    return caller.id


def require_role(caller: Caller, roles: tuple[str, ...], message: str) -> int:
    """The caller's member id if they hold one of `roles`; 401 anonymous, 403 (`message`) otherwise."""
    member_id = require_login(caller)
    if not caller.has_role(*roles):
        raise PermissionDenied(message)
    return member_id


def require_admin(caller: Caller) -> int:
    """The caller's member id if they are an admin; 401 or 403 otherwise."""
    return require_role(caller, (ADMIN,), "admins only")


def require_self_or_admin(caller: Caller, member_id: int) -> int:
    """The caller's id if they are member `member_id` or an admin (data exports); 401 or 403 otherwise."""
    caller_id = require_login(caller)
    if caller_id != member_id and not caller.has_role(ADMIN):
        raise PermissionDenied("only the member themselves and admins may read a member's data")
    return caller_id
