"""Who moderates the forum: moderators and admins, in the spaces they may read."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events.topics import Caller, policy
from services.identity import ADMIN, MODERATOR, require_role
from services.spaces import Space, require_read

MODERATING_ROLES = (MODERATOR, ADMIN)
MODERATORS_ONLY = "moderators and admins only"


def moderates(caller: Caller) -> bool:
    """True if `caller` may hide posts, lock and pin threads, and read flags."""
    return caller.has_role(*MODERATING_ROLES)


def moderation_refusal(caller: Caller) -> str | None:
    """None if `caller` moderates, else why not (the reason a `moderation` subscription is denied)."""
    if caller.anonymous:
        return "login required"
    if not moderates(caller):
        return MODERATORS_ONLY
    return None


def require_moderator(session: Session, caller: Caller, space: Space | None = None) -> None:
    """Raise unless `caller` moderates (and may read `space`, if one is given): 401 anonymous, 403 others."""
    if space is not None:
        require_read(session, caller, space)
    require_role(caller, MODERATING_ROLES, MODERATORS_ONLY)


def _moderation_topic(caller: Caller, _arg: str) -> str | None:
    return moderation_refusal(caller)


policy.topic("moderation", _moderation_topic)
