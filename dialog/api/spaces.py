"""Spaces API: list the spaces you may read, admins create spaces and manage memberships."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dialog.auth import current_caller, require_role
from dialog.extensions import db
from services.errors import NotFound
from services.fields import UtcTimestamp, localized_text
from services.identity import Member
from services.spaces import (
    Space,
    add_membership,
    create_space,
    get_space,
    remove_membership,
    require_read,
    space_member_ids,
    visible_spaces,
)
from services.spaces.models import KINDS, VISIBILITIES

blp = Blueprint("spaces", __name__, url_prefix="/api/v1/spaces", description="Spaces and memberships")


class SpaceIn(Schema):
    """A new space."""

    slug = fields.String(required=True, validate=validate.Length(min=1, max=60))
    name = localized_text(required=True, max_length=200)
    description = localized_text(load_default=None, max_length=2000)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


class SpaceOut(Schema):
    """A space."""

    id = fields.Integer()
    slug = fields.String()
    topic = fields.Function(lambda s: f"space.{s.slug}")
    name = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.Dict(keys=fields.String(), values=fields.String())
    kind = fields.String()
    visibility = fields.String()
    created_at = UtcTimestamp()


class MemberRef(Schema):
    """A member as others see them."""

    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    country = fields.String(allow_none=True)


@blp.route("")
class Spaces(MethodView):
    """The spaces."""

    @blp.response(200, SpaceOut(many=True))
    def get(self) -> list[Space]:
        """The spaces you may read."""
        principal = current_caller().principal
        with db.read() as session:
            return visible_spaces(session, principal)

    @blp.arguments(SpaceIn)
    @blp.response(201, SpaceOut)
    def post(self, body: dict[str, Any]) -> Space:
        """Create a space (admins)."""
        require_role("admin")
        with db.write() as session:
            return create_space(session, **body)


@blp.route("/<slug>")
class OneSpace(MethodView):
    """One space."""

    @blp.response(200, SpaceOut)
    def get(self, slug: str) -> Space:
        """A space you may read."""
        principal = current_caller().principal
        with db.read() as session:
            space = get_space(session, slug)
            require_read(session, principal, space)
            return space


@blp.route("/<slug>/members")
class SpaceMembers(MethodView):
    """The explicit members of a space."""

    @blp.response(200, MemberRef(many=True))
    def get(self, slug: str) -> list[Member]:
        """Who was made a member of the space (readers of the space)."""
        principal = current_caller().principal
        with db.read() as session:
            space = get_space(session, slug)
            require_read(session, principal, space)
            ids = space_member_ids(session, space)
            return [m for m in (session.get(Member, i) for i in ids) if m is not None]


@blp.route("/<slug>/members/<int:member_id>")
class SpaceMembership(MethodView):
    """One membership."""

    @blp.response(204)
    def put(self, slug: str, member_id: int) -> None:
        """Make a member a member of the space (admins; idempotent)."""
        require_role("admin")
        with db.write() as session:
            space = get_space(session, slug)
            if session.get(Member, member_id) is None:
                raise NotFound(f"no member {member_id}")
            add_membership(session, space, member_id)

    @blp.response(204)
    def delete(self, slug: str, member_id: int) -> None:
        """End a membership (admins)."""
        require_role("admin")
        with db.write() as session:
            remove_membership(session, get_space(session, slug), member_id)
