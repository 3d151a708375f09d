"""Event types of spaces: who was added to or removed from a space, and its visibility (the access
changes open connections must follow at once; an addition takes nothing away, so it is not one)."""

from __future__ import annotations

from typing import Annotated

from events import Constraints, EventData, described, event_type
from services.spaces.models import VISIBILITIES

Visibility = Annotated[str, Constraints(enum=list(VISIBILITIES))]


def space_topic(slug: str) -> str:
    """The topic of a space."""
    return f"space.{slug}"


@event_type("space.member_added", topics=("space.<slug>", "user.<id>"))
class SpaceMemberAdded(EventData):
    """A member was made a member of a space: open pages of the space and the member read what they may do now."""

    space_id: int
    space: str = described("slug of the space")
    member_id: int


@event_type("space.member_removed", topics=("space.<slug>", "user.<id>"), access_change=True)
class SpaceMemberRemoved(EventData):
    """A member was removed from a space; the member's subscriptions are re-checked."""

    space_id: int
    space: str = described("slug of the space")
    member_id: int


@event_type("space.visibility_changed", topics=("space.<slug>",), access_change=True)
class SpaceVisibilityChanged(EventData):
    """A space's visibility changed (who may read it); every follower is re-checked."""

    space_id: int
    space: str = described("slug of the space")
    visibility: Visibility
    previous_visibility: Visibility
