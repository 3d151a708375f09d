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


def require_admin(caller: Caller) -> int:
    """The caller's member id if they are an admin; 401 or 403 otherwise."""
    member_id = require_login(caller)
    if caller.role != ADMIN:
        raise PermissionDenied("admins only")
    return member_id
