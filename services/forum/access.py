"""Who moderates the forum: moderators and admins, in the spaces they may read."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events.topics import Caller, policy
from services.errors import AuthenticationFailed, PermissionDenied
from services.identity import ADMIN, MODERATOR
from services.spaces import Space, require_read

MODERATING_ROLES = (MODERATOR, ADMIN)


def moderates(caller: Caller) -> bool:
    """True if `caller` may hide posts, lock and pin threads, and read flags."""
    return caller.has_role(*MODERATING_ROLES)


def moderation_refusal(caller: Caller) -> str | None:
    """None if `caller` moderates, else why not."""
    if caller.anonymous:
        return "login required"
    if not moderates(caller):
        return "moderators and admins only"
    return None


def require_moderator(session: Session, caller: Caller, space: Space | None = None) -> None:
    """Raise unless `caller` moderates (and may read `space`, if one is given)."""
    if space is not None:
        require_read(session, caller, space)
    reason = moderation_refusal(caller)
    if reason is None:
        return
    if caller.anonymous:
        raise AuthenticationFailed(reason, code="login_required")
    raise PermissionDenied(reason)


def _moderation_topic(caller: Caller, _arg: str) -> str | None:
    return moderation_refusal(caller)


policy.topic("moderation", _moderation_topic)
