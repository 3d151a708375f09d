"""Follows and the notification inbox of the calling member."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dialog.auth import require_member
from dialog.extensions import db
from services.fields import UtcTimestamp
from services.notifications import (
    Follow,
    Notification,
    follow,
    list_follows,
    list_notifications,
    mark_all_read,
    mark_read,
    unfollow,
    unread_count,
)

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Follows and the inbox")


class FollowOut(Schema):
    """Something followed: a space by slug, a thread, call or project by id."""

    kind = fields.String()
    key = fields.String(metadata={"description": "slug of a space, id of a thread, call or project"})
    created_at = UtcTimestamp()


class NotificationOut(Schema):
    """An inbox entry."""

    id = fields.Integer()
    kind = fields.String()
    event_id = fields.Integer()
    event_type = fields.String()
    summary = fields.String()
    subject = fields.Dict()
    actor_name = fields.String(allow_none=True)
    created_at = UtcTimestamp()
    read_at = UtcTimestamp(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None)


class InboxArgs(Schema):
    """Newest first; pass `before` = the `next` of the previous page."""

    before = fields.Integer(load_default=None, validate=validate.Range(min=1))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    unread_only = fields.Boolean(load_default=False)


class InboxPage(Schema):
    """A page of the inbox."""

    items = fields.List(fields.Nested(NotificationOut))
    unread_count = fields.Integer()
    next = fields.Integer(allow_none=True, metadata={"description": "`before` of the next page; null: no more"})


class UnreadOut(Schema):
    """The unread count."""

    unread_count = fields.Integer()


class ReadAllIn(Schema):
    """Mark read every notification with an id up to `up_to`."""

    up_to = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class ReadAllOut(UnreadOut):
    """What was marked read."""

    notification_ids = fields.List(fields.Integer())


def _me() -> int:
    member_id = require_member().id
    assert member_id is not None
    return member_id


@blp.route("/follows")
class Follows(MethodView):
    """What you follow."""

    @blp.response(200, FollowOut(many=True))
    def get(self) -> list[Follow]:
        """Your follows, oldest first."""
        member_id = _me()
        with db.read() as session:
            return list_follows(session, member_id)


@blp.route("/follows/<kind>/<key>")
class OneFollow(MethodView):
    """Following one thing."""

    @blp.response(200, FollowOut)
    def put(self, kind: str, key: str) -> Follow:
        """Follow a space (`space/<slug>`), thread, call or project (`thread/<id>` ...); idempotent."""
        caller = require_member()
        with db.write() as session:
            return follow(session, caller, kind, key)[0]

    @blp.response(204)
    def delete(self, kind: str, key: str) -> None:
        """Stop following."""
        member_id = _me()
        with db.write() as session:
            unfollow(session, member_id, kind, key)


@blp.route("/notifications")
class Inbox(MethodView):
    """Your notifications."""

    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, InboxPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A page of your notifications, newest first, and the unread count."""
        member_id = _me()
        with db.read() as session:
            items, before = list_notifications(session, member_id, **args)
            return {"items": items, "unread_count": unread_count(session, member_id), "next": before}


@blp.route("/notifications/unread-count")
class Unread(MethodView):
    """The unread count."""

    @blp.response(200, UnreadOut)
    def get(self) -> dict[str, int]:
        """How many of your notifications are unread."""
        member_id = _me()
        with db.read() as session:
            return {"unread_count": unread_count(session, member_id)}


@blp.route("/notifications/read")
class ReadAll(MethodView):
    """Marking many read."""

    @blp.arguments(ReadAllIn)
    @blp.response(200, ReadAllOut)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Mark every notification up to `up_to` read (`notification.read` is sent on user.<id>)."""
        member_id = _me()
        with db.write() as session:
            ids = mark_all_read(session, member_id, body["up_to"])
            return {"notification_ids": ids, "unread_count": unread_count(session, member_id)}


@blp.route("/notifications/<int:notification_id>/read")
class ReadOne(MethodView):
    """Marking one read."""

    @blp.response(200, NotificationOut)
    def post(self, notification_id: int) -> Notification:
        """Mark one notification read."""
        member_id = _me()
        with db.write() as session:
            return mark_read(session, member_id, notification_id)
