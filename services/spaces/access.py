"""Who may read and write in a space: one rule used by REST reads, writes, follows and topics.

| visibility | read                                                         | write                       |
| ---------- | ------------------------------------------------------------ | --------------------------- |
| public     | everyone, anonymous included                                 | members; partners if member |
| members    | logged-in members except partners; any explicit member       | same as read                |
| invited    | explicit members of the space only                           | same as read                |

Admins read and write everywhere. Partner contacts see public spaces and the spaces they
were invited to (the international network), never member-only national spaces.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from events.topics import Caller
from services.errors import AuthenticationFailed, NotFound, PermissionDenied
from services.identity import ADMIN, PARTNER
from services.spaces.models import INVITED, MEMBERS, PUBLIC, Space, SpaceMembership

# Why a caller may not post, as a code a client explains in its own words (`Permissions.reason`).
LOGIN_REQUIRED = "login_required"
NO_ACCESS = "no_access"
PARTNERS_INVITED_ONLY = "partners_invited_only"
THREAD_LOCKED = "thread_locked"
REFUSAL_CODES = (LOGIN_REQUIRED, NO_ACCESS, PARTNERS_INVITED_ONLY, THREAD_LOCKED)
UNKNOWN_TOPIC = "unknown topic"  # what a topic rule says of a topic that names nothing


@dataclass(frozen=True)
class Permissions:
    """What a caller may do in a space or thread: post (open threads, reply), react; if not, why."""

    can_post: bool
    can_react: bool
    reason: str | None = None


def is_member_of(session: Session, space: Space, member_id: int | None) -> bool:
    """True if `member_id` holds an explicit membership of `space`."""
    if member_id is None:
        return False
    found = session.scalar(
        select(SpaceMembership.member_id).where(
            SpaceMembership.space_id == space.id, SpaceMembership.member_id == member_id
        )
    )
    return found is not None


def read_refusal(session: Session, caller: Caller, space: Space) -> str | None:
    """None if `caller` may read `space`, else why not."""
    if space.visibility == PUBLIC or caller.role == ADMIN:
        return None
    if caller.anonymous:
        return "login required"
    if is_member_of(session, space, caller.id):
        return None
    if space.visibility == MEMBERS and caller.role != PARTNER:
        return None
    if space.visibility == MEMBERS:
        return "this space is for members of the national platform"
    assert space.visibility == INVITED
    return "this space is for its invited members only"


def topic_refusal(session: Session, caller: Caller, space: Space) -> str | None:
    """`read_refusal` as a topic rule words it: an invited space is an unknown topic to a member outside it.

    REST answers such a member 404 (`require_read`): a topic's refusal must not tell them either
    that the space, or a thread in it, exists. Anonymous callers are told to log in, as in REST.
    """
    reason = read_refusal(session, caller, space)
    if reason is not None and space.visibility == INVITED and not caller.anonymous:
        return UNKNOWN_TOPIC
    return reason


def _write_block(session: Session, caller: Caller, space: Space) -> tuple[str, str] | None:
    """None if `caller` may post in `space`, else (code, why not)."""
    reason = read_refusal(session, caller, space)
    if reason is not None:
        return (LOGIN_REQUIRED if caller.anonymous else NO_ACCESS), reason
    if caller.anonymous:
        return LOGIN_REQUIRED, "login required"
    if caller.role == PARTNER and not is_member_of(session, space, caller.id):
        return PARTNERS_INVITED_ONLY, "partners write only in spaces they were invited to"
    return None


def write_refusal(session: Session, caller: Caller, space: Space) -> str | None:
    """None if `caller` may post in `space`, else why not."""
    block = _write_block(session, caller, space)
    return None if block is None else block[1]


def space_permissions(session: Session, caller: Caller, space: Space) -> Permissions:
    """What `caller` may do in `space` (the rule `require_write` enforces), for clients to show or hide forms."""
    block = _write_block(session, caller, space)
    if block is None:
        return Permissions(can_post=True, can_react=True)
    return Permissions(can_post=False, can_react=False, reason=block[0])


def can_read(session: Session, caller: Caller, space: Space) -> bool:
    """True if `caller` may read `space`."""
    return read_refusal(session, caller, space) is None


def require_read(session: Session, caller: Caller, space: Space) -> None:
    """Raise unless `caller` may read `space` (401 anonymous, 404 invited, 403 otherwise)."""
    reason = read_refusal(session, caller, space)
    if reason is None:
        return
    if caller.anonymous:
        raise AuthenticationFailed(f"space {space.slug}: {reason}", code="login_required")
    if space.visibility == INVITED:
        # Like a private repository: who is not invited is not told the space exists.
        raise NotFound(f"no space {space.slug}")
    raise PermissionDenied(f"space {space.slug}: {reason}")


def require_write(session: Session, caller: Caller, space: Space) -> None:
    """Raise unless `caller` may post in `space`."""
    require_read(session, caller, space)
    reason = write_refusal(session, caller, space)
    if reason is not None:
        if caller.anonymous:
            raise AuthenticationFailed(f"space {space.slug}: {reason}", code="login_required")
        raise PermissionDenied(f"space {space.slug}: {reason}")


def member_can_read(session: Session, member_id: int, role: str, space: Space) -> bool:
    """`can_read` for a member known by id and role (notification recipients)."""
    return can_read(session, Caller(id=member_id, role=role), space)
