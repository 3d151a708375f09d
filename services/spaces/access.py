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

from sqlalchemy import select
from sqlalchemy.orm import Session

from events.topics import Principal
from services.errors import AuthenticationFailed, NotFound, PermissionDenied
from services.spaces.models import INVITED, MEMBERS, PUBLIC, Space, SpaceMembership

MODERATING_ROLES = ("moderator", "admin")


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


def read_refusal(session: Session, principal: Principal, space: Space) -> str | None:
    """None if `principal` may read `space`, else why not."""
    if space.visibility == PUBLIC or principal.role == "admin":
        return None
    if principal.anonymous:
        return "login required"
    if is_member_of(session, space, principal.member_id):
        return None
    if space.visibility == MEMBERS and principal.role != "partner":
        return None
    if space.visibility == MEMBERS:
        return "this space is for members of the national platform"
    assert space.visibility == INVITED
    return "this space is for its invited members only"


def write_refusal(session: Session, principal: Principal, space: Space) -> str | None:
    """None if `principal` may post in `space`, else why not."""
    reason = read_refusal(session, principal, space)
    if reason is not None:
        return reason
    if principal.anonymous:
        return "login required"
    if principal.role == "partner" and not is_member_of(session, space, principal.member_id):
        return "partners write only in spaces they were invited to"
    return None


def can_read(session: Session, principal: Principal, space: Space) -> bool:
    """True if `principal` may read `space`."""
    return read_refusal(session, principal, space) is None


def require_read(session: Session, principal: Principal, space: Space) -> None:
    """Raise unless `principal` may read `space` (401 anonymous, 404 invited, 403 otherwise)."""
    reason = read_refusal(session, principal, space)
    if reason is None:
        return
    if principal.anonymous:
        raise AuthenticationFailed(f"space {space.slug}: {reason}", code="login_required")
    if space.visibility == INVITED:
        # Like a private repository: who is not invited is not told the space exists.
        raise NotFound(f"no space {space.slug}")
    raise PermissionDenied(f"space {space.slug}: {reason}")


def require_write(session: Session, principal: Principal, space: Space) -> None:
    """Raise unless `principal` may post in `space`."""
    require_read(session, principal, space)
    reason = write_refusal(session, principal, space)
    if reason is not None:
        if principal.anonymous:
            raise AuthenticationFailed(f"space {space.slug}: {reason}", code="login_required")
        raise PermissionDenied(f"space {space.slug}: {reason}")


def require_moderator(session: Session, principal: Principal, space: Space) -> None:
    """Raise unless `principal` moderates and may read `space`."""
    require_read(session, principal, space)
    if principal.role not in MODERATING_ROLES:
        raise PermissionDenied("moderators and admins only")


def member_can_read(session: Session, member_id: int, role: str, space: Space) -> bool:
    """`can_read` for a member known by id and role (notification recipients)."""
    return can_read(session, Principal(member_id, role), space)
