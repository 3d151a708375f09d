"""Moderation API: the flag queue grouped by post, resolving a post's flags, a member's moderation history."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.api.audit import AuditEntryOut
from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, errors, roles
from dialog.pagination import PageArgs, list_page, offset_page, page_args, page_schema, with_offset
from services.fields import UtcTimestamp
from services.forum import FLAG_OUTCOMES, FLAG_STATUSES, flag_queue, member_history, resolve_flags
from services.identity import ADMIN, MODERATOR

blp = Blueprint(
    "moderation", __name__, url_prefix="/api/v1/moderation", description="The moderators' flag queue and histories"
)


class PersonRef(Schema):
    """A member as `{id, name}`."""

    id = fields.Integer()
    name = fields.String()


class FlaggedPostOut(Schema):
    """The post under review (moderators see a withdrawn post's text too)."""

    id = fields.Integer()
    thread_id = fields.Integer()
    thread_title = fields.String()
    space = fields.String(metadata={"description": "slug of the space"})
    state = fields.String(metadata={"description": "visible, hidden or deleted"})
    excerpt = fields.String()
    author = fields.Nested(PersonRef, allow_none=True)
    created_at = UtcTimestamp()


class ReportOut(Schema):
    """One flag and its outcome (null while open)."""

    id = fields.Integer()
    reporter = fields.Nested(PersonRef, allow_none=True)
    reason = fields.String()
    created_at = UtcTimestamp()
    resolution = fields.String(allow_none=True, metadata={"description": "dismissed or acted_on"})
    resolution_reason = fields.String(allow_none=True)
    resolved_with = fields.String(
        allow_none=True, metadata={"description": "post.hidden or post.deleted if it closed with its post"}
    )
    resolved_at = UtcTimestamp(allow_none=True)
    resolved_by = fields.Nested(PersonRef, allow_none=True)


class QueueEntryOut(Schema):
    """The flags of one post."""

    post = fields.Nested(FlaggedPostOut)
    flags = fields.Integer(metadata={"description": "how many flags (of the requested status)"})
    reasons = fields.List(fields.String())
    reports = fields.List(fields.Nested(ReportOut))
    first_flagged_at = UtcTimestamp()
    last_flagged_at = UtcTimestamp()


class HistoryEntryOut(Schema):
    """One of the member's posts the moderators looked at: its flags and the steps taken."""

    post = fields.Nested(FlaggedPostOut)
    reports = fields.List(fields.Nested(ReportOut))
    actions = fields.List(fields.Nested(AuditEntryOut))


class QueueArgs(page_args(20, 100)):  # type: ignore[misc]
    """Which flags."""

    status = fields.String(load_default="open", validate=validate.OneOf(FLAG_STATUSES))


class ResolveIn(Schema):
    """How a post's open flags are resolved."""

    outcome = fields.String(required=True, validate=validate.OneOf(FLAG_OUTCOMES))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ResolvedOut(Schema):
    """The flags resolved."""

    post_id = fields.Integer()
    outcome = fields.String()
    flag_ids = fields.List(fields.Integer())


@blp.route("/flags")
class FlagQueue(MethodView):
    """The flag queue."""

    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, page_schema(QueueEntryOut))
    @roles(MODERATOR, ADMIN)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Flags grouped by post (moderators and admins): `?status=open` oldest first, `resolved` newest first."""
        query = with_offset(args)
        with db.read() as session:
            items, total = flag_queue(session, current_caller(), **query)
            return offset_page(items, total, args)


@blp.route("/posts/<int:post_id>/resolve")
class ResolveFlags(MethodView):
    """Resolving a post's flags."""

    @blp.arguments(ResolveIn)
    @blp.response(200, ResolvedOut)
    @roles(MODERATOR, ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any], post_id: int) -> dict[str, Any]:
        """Resolve the post's open flags as `dismissed` or `acted_on` (409: none open); `flag.resolved` is sent."""
        with db.write() as session:
            flags = resolve_flags(session, caller=current_caller(), post_id=post_id, **body)
            return {"post_id": post_id, "outcome": body["outcome"], "flag_ids": [f.id for f in flags]}


@blp.route("/members/<int:member_id>/history")
class MemberHistory(MethodView):
    """A member's moderation history."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(HistoryEntryOut))
    @roles(MODERATOR, ADMIN)
    def get(self, args: dict[str, Any], member_id: int) -> dict[str, Any]:
        """Flags raised against the member's posts, and hides and deletes, with outcomes, newest post first."""
        with db.read() as session:
            return list_page(member_history(session, current_caller(), member_id), args)
