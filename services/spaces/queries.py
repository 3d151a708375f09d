"""Spaces reads."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from events.topics import Caller
from services.errors import NotFound
from services.identity import Member, require_login
from services.spaces.access import can_read, require_read
from services.spaces.models import Space, SpaceMembership


def get_space(session: Session, slug: str) -> Space:
    """The space named `slug` (permission checks are the caller's: see `access`)."""
    space = session.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        raise NotFound(f"no space {slug}")
    return space


def get_space_by_id(session: Session, space_id: int) -> Space:
    """The space with id `space_id`."""
    space = session.get(Space, space_id)
    if space is None:
        raise NotFound(f"no space {space_id}")
    return space


def visible_spaces(session: Session, caller: Caller) -> list[Space]:
    """Every space `caller` may read, by id."""
    return [s for s in session.scalars(select(Space).order_by(Space.id)) if can_read(session, caller, s)]


def space_member_ids(session: Session, space: Space) -> list[int]:
    """Ids of the explicit members of `space`."""
    return list(
        session.scalars(
            select(SpaceMembership.member_id)
            .where(SpaceMembership.space_id == space.id)
            .order_by(SpaceMembership.member_id)
        )
    )


def space_members(session: Session, caller: Caller, space: Space) -> list[Member]:
    """The explicit members of `space`, by id, for signed-in callers who may read it."""
    # Who belongs where is people data: like the directory, not for anonymous callers, public space or not.
    require_login(caller)
    require_read(session, caller, space)
    ids = space_member_ids(session, space)
    return list(session.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.id))) if ids else []
