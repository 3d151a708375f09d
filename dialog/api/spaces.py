"""Spaces API: list the spaces you may read, admins create spaces and manage memberships."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors, members, roles
from dialog.pagination import PageArgs, list_page, page_schema
from services.fields import UtcTimestamp, localized_text
from services.identity import ADMIN
from services.spaces import (
    KINDS,
    REFUSAL_CODES,
    VISIBILITIES,
    Space,
    add_membership,
    create_space,
    get_space,
    remove_membership,
    require_read,
    space_members,
    space_permissions,
    update_space,
    visible_spaces,
)

blp = Blueprint("spaces", __name__, url_prefix="/api/v1/spaces", description="Spaces and memberships")


class SpaceIn(Schema):
    """A new space."""

    slug = fields.String(required=True, validate=validate.Length(min=1, max=60))
    name = localized_text(required=True, max_length=200)
    description = localized_text(load_default=None, max_length=2000)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


class SpacePatch(Schema):
    """What an admin may change on a space; a visibility change re-checks every open subscription."""

    name = localized_text(max_length=200)
    description = localized_text(max_length=2000)
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))


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


class PermissionsOut(Schema):
    """What you (the caller) may do here; the API refuses the rest. Clients show forms by it."""

    can_post = fields.Boolean(metadata={"description": "may open threads (in a space) or reply (in a thread)"})
    can_react = fields.Boolean(metadata={"description": "may react to posts"})
    reason = fields.String(
        allow_none=True,
        metadata={
            "description": "why you may not post, null if you may: `login_required` (sign in first), `no_access`, "
            "`partners_invited_only` (partner contacts write only in spaces they were invited to), "
            "`thread_locked` (moderators only)",
            "enum": [*REFUSAL_CODES, None],
        },
    )


class SpaceDetail(SpaceOut):
    """A space with what you may do in it."""

    permissions = fields.Nested(PermissionsOut)


class MemberRef(Schema):
    """A member as others see them."""

    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    country = fields.String(allow_none=True)


@blp.route("")
class Spaces(MethodView):
    """The spaces."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(SpaceOut))
    @anyone()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The spaces you may read."""
        with db.read() as session:
            return list_page(visible_spaces(session, current_caller()), args)

    @blp.arguments(SpaceIn)
    @blp.response(201, SpaceOut)
    @roles(ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any]) -> Space:
        """Create a space (admins)."""
        with db.write() as session:
            return create_space(session, current_caller(), **body)


@blp.route("/<slug>")
class OneSpace(MethodView):
    """One space."""

    @blp.response(200, SpaceDetail)
    @anyone()
    @errors(403)
    def get(self, slug: str) -> Space:
        """A space you may read, with `permissions`: whether you may open threads in it, and if not, why."""
        caller = current_caller()
        with db.read() as session:
            space = get_space(session, slug)
            require_read(session, caller, space)
            # A plain attribute for the response schema only (not mapped, never stored).
            setattr(space, "permissions", space_permissions(session, caller, space))  # noqa: B010
            return space

    @blp.arguments(SpacePatch)
    @blp.response(200, SpaceOut)
    @roles(ADMIN)
    def patch(self, changes: dict[str, Any], slug: str) -> Space:
        """Change a space's name, description or visibility (admins)."""
        with db.write() as session:
            return update_space(session, current_caller(), get_space(session, slug), **changes)


@blp.route("/<slug>/members")
class SpaceMembers(MethodView):
    """The explicit members of a space."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(MemberRef, "SpaceMemberPage"))
    @members(403)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """Who was made a member of the space (signed-in readers of the space, as the directory)."""
        with db.read() as session:
            return list_page(space_members(session, current_caller(), get_space(session, slug)), args)


@blp.route("/<slug>/members/<int:member_id>")
class SpaceMembership(MethodView):
    """One membership."""

    @blp.response(204)
    @roles(ADMIN)
    def put(self, slug: str, member_id: int) -> None:
        """Make a member a member of the space (admins; idempotent)."""
        with db.write() as session:
            add_membership(session, current_caller(), get_space(session, slug), member_id)

    @blp.response(204)
    @roles(ADMIN)
    def delete(self, slug: str, member_id: int) -> None:
        """End a membership (admins)."""
        with db.write() as session:
            remove_membership(session, current_caller(), get_space(session, slug), member_id)
