"""Who moderates the forum: moderators and admins, in the spaces they may read."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events.topics import Caller, policy
from services.forum.models import Thread
from services.identity import ADMIN, MODERATOR, require_role
from services.spaces import THREAD_LOCKED, Permissions, Space, require_read

MODERATING_ROLES = (MODERATOR, ADMIN)
MODERATORS_ONLY = "moderators and admins only"


def moderates(caller: Caller) -> bool:
    """True if `caller` may hide posts, lock and pin threads, and read flags."""
    return caller.has_role(*MODERATING_ROLES)


def locked_for(caller: Caller, thread: Thread) -> bool:
    """True if `thread` is locked to `caller`: a lock stops everyone's writing but the moderators'."""
    return thread.locked and not moderates(caller)


def thread_permissions(caller: Caller, thread: Thread, allowed: Permissions) -> Permissions:
    """What `caller` may do in `thread`, given what they may do in its space: a lock stops replies, not reactions."""
    if allowed.can_post and locked_for(caller, thread):
        return Permissions(can_post=False, can_react=True, reason=THREAD_LOCKED)
    return allowed


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
