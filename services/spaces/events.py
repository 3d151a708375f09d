"""Event types of spaces: access changes that open connections must follow at once."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from events.registry import registry
from services.spaces.models import VISIBILITIES


def space_topic(slug: str) -> str:
    """The topic of a space."""
    return f"space.{slug}"


class SpaceMemberRemovedData(Schema):
    """`space.member_removed`: a membership ended; the member's subscriptions are re-checked."""

    space_id = fields.Integer(required=True, strict=True)
    space = fields.String(required=True, metadata={"description": "slug of the space"})
    member_id = fields.Integer(required=True, strict=True)


class SpaceVisibilityChangedData(Schema):
    """`space.visibility_changed`: who may read the space changed; every follower is re-checked."""

    space_id = fields.Integer(required=True, strict=True)
    space = fields.String(required=True, metadata={"description": "slug of the space"})
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))
    previous_visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


registry.event_type(
    "space.member_removed", SpaceMemberRemovedData, "a member was removed from a space", access_change=True
)
registry.event_type(
    "space.visibility_changed", SpaceVisibilityChangedData, "a space's visibility changed", access_change=True
)
