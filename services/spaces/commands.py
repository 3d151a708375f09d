"""Spaces commands: create spaces, add and remove memberships."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import utcnow
from services.errors import Conflict, InvalidInput, NotFound
from services.spaces.models import KINDS, NETWORK, VISIBILITIES, Space, SpaceMembership

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def create_space(
    session: Session,
    *,
    slug: str,
    name: dict[str, str],
    description: dict[str, str] | None = None,
    kind: str,
    visibility: str,
) -> Space:
    """Create a space; the slug names its topic `space.<slug>` and must be unused."""
    if not SLUG.match(slug) or len(slug) > 60:
        raise InvalidInput("slug", "lower-case letters, digits and single dashes, at most 60 characters")
    if kind not in KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(KINDS)}")
    if visibility not in VISIBILITIES:
        raise InvalidInput("visibility", f"must be one of {', '.join(VISIBILITIES)}")
    if session.scalar(select(Space.id).where(Space.slug == slug)) is not None:
        raise Conflict(f"a space {slug} exists", details={"slug": ["already taken"]})
    space = Space(
        slug=slug, name=name, description=description or {}, kind=kind, visibility=visibility, created_at=utcnow()
    )
    session.add(space)
    session.flush()
    return space


def add_membership(session: Session, space: Space, member_id: int) -> bool:
    """Make `member_id` a member of `space`; False if they already were."""
    if session.get(SpaceMembership, (space.id, member_id)) is not None:
        return False
    session.add(SpaceMembership(space_id=space.id, member_id=member_id, created_at=utcnow()))
    session.flush()
    return True


def remove_membership(session: Session, space: Space, member_id: int) -> None:
    """End a membership."""
    membership = session.get(SpaceMembership, (space.id, member_id))
    if membership is None:
        raise NotFound(f"member {member_id} is not a member of {space.slug}")
    session.delete(membership)


def join_network_spaces(session: Session, member_id: int) -> list[Space]:
    """Give `member_id` membership of every space of the international network."""
    spaces = list(session.scalars(select(Space).where(Space.kind == NETWORK).order_by(Space.id)))
    for space in spaces:
        add_membership(session, space, member_id)
    return spaces
