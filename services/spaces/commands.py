"""Spaces commands: create spaces, change them, add and remove memberships (admins)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Caller, publish, utcnow
from services.errors import Conflict, InvalidInput, NotFound
from services.identity import get_member, require_admin, user_topic
from services.spaces.events import SpaceMemberAdded, SpaceMemberRemoved, SpaceVisibilityChanged, space_topic
from services.spaces.models import KINDS, NETWORK, VISIBILITIES, Space, SpaceMembership

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise InvalidInput("visibility", f"must be one of {', '.join(VISIBILITIES)}")


def create_space(
    session: Session,
    caller: Caller,
    *,
    slug: str,
    name: dict[str, str],
    description: dict[str, str] | None = None,
    kind: str,
    visibility: str,
) -> Space:
    """Create a space (admins); the slug names its topic `space.<slug>` and must be unused."""
    require_admin(caller)
    if not SLUG.match(slug) or len(slug) > 60:
        raise InvalidInput("slug", "lower-case letters, digits and single dashes, at most 60 characters")
    if kind not in KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(KINDS)}")
    _check_visibility(visibility)
    if session.scalar(select(Space.id).where(Space.slug == slug)) is not None:
        raise Conflict(f"a space {slug} exists", details={"slug": ["already taken"]})
    space = Space(
        slug=slug, name=name, description=description or {}, kind=kind, visibility=visibility, created_at=utcnow()
    )
    session.add(space)
    session.flush()
    return space


def update_space(
    session: Session,
    caller: Caller,
    space: Space,
    *,
    name: dict[str, str] | None = None,
    description: dict[str, str] | None = None,
    visibility: str | None = None,
) -> Space:
    """Change a space (admins); a visibility change re-checks every open subscription to it."""
    require_admin(caller)
    if name is not None:
        space.name = name
    if description is not None:
        space.description = description
    if visibility is not None and visibility != space.visibility:
        _check_visibility(visibility)
        previous, space.visibility = space.visibility, visibility
        publish(
            session,
            SpaceVisibilityChanged(
                space_id=space.id, space=space.slug, visibility=visibility, previous_visibility=previous
            ),
            topic=space_topic(space.slug),
            actor=caller,
        )
    session.flush()
    return space


def _add(session: Session, space: Space, member_id: int) -> bool:
    if session.get(SpaceMembership, (space.id, member_id)) is not None:
        return False
    session.add(SpaceMembership(space_id=space.id, member_id=member_id, created_at=utcnow()))
    session.flush()
    return True


def add_membership(session: Session, caller: Caller, space: Space, member_id: int) -> bool:
    """Make `member_id` a member of `space` (admins); False if they already were.

    The event tells the member's open pages (their own topic) and the space's that they may write now.
    """
    require_admin(caller)
    get_member(session, member_id)
    if not _add(session, space, member_id):
        return False
    publish(
        session,
        SpaceMemberAdded(space_id=space.id, space=space.slug, member_id=member_id),
        topic=space_topic(space.slug),
        extra_topics=(user_topic(member_id),),
        actor=caller,
    )
    return True


def remove_membership(session: Session, caller: Caller, space: Space, member_id: int) -> None:
    """End a membership (admins); the member's open subscriptions to the space end with it."""
    require_admin(caller)
    membership = session.get(SpaceMembership, (space.id, member_id))
    if membership is None:
        raise NotFound(f"member {member_id} is not a member of {space.slug}")
    session.delete(membership)
    publish(
        session,
        SpaceMemberRemoved(space_id=space.id, space=space.slug, member_id=member_id),
        topic=space_topic(space.slug),
        extra_topics=(user_topic(member_id),),
        actor=caller,
    )


def join_network_spaces(session: Session, member_id: int) -> list[Space]:
    """Give `member_id` membership of every space of the international network (an accepted invitation)."""
    spaces = list(session.scalars(select(Space).where(Space.kind == NETWORK).order_by(Space.id)))
    for space in spaces:
        _add(session, space, member_id)
    return spaces
