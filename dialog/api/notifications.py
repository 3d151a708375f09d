"""Follows and the notification inbox of the calling member."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from dialog.auth import require_member
from dialog.extensions import db
from dialog.openapi import Blueprint, members
from dialog.pagination import PageArgs, keyset_page, list_page, page_schema
from dialog.schemas import Id, QueryFlag
from services.fields import UtcTimestamp
from services.notifications import (
    FOLLOW_KINDS,
    Follow,
    Notification,
    count_notifications,
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
    summary = fields.String(metadata={"description": "empty once what it is about was withdrawn (`redacted`)"})
    subject = fields.Dict()
    actor_name = fields.String(allow_none=True)
    created_at = UtcTimestamp()
    read_at = UtcTimestamp(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None)
    redacted = fields.Function(
        lambda n: n.redacted_at is not None,
        metadata={"description": "true once its content was withdrawn (a post hidden or deleted, news retracted)"},
    )


class InboxArgs(PageArgs):
    """Newest first."""

    unread_only = QueryFlag(load_default=False)


class InboxPage(page_schema(NotificationOut, "NotificationPage")):  # type: ignore[misc]
    """A page of the inbox, with the unread count."""

    unread_count = fields.Integer(required=True)


class UnreadOut(Schema):
    """The unread count."""

    unread_count = fields.Integer()


class ReadAllIn(Schema):
    """Mark read every notification with an id up to `up_to`."""

    up_to = Id(required=True, strict=True)


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

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(FollowOut))
    @members()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Your follows, oldest first."""
        member_id = _me()
        with db.read() as session:
            return list_page(list_follows(session, member_id), args)


@blp.route(f"/follows/<any({','.join(FOLLOW_KINDS)}):kind>/<key>")
class OneFollow(MethodView):
    """Following one thing."""

    @blp.response(200, FollowOut)
    @members(403)
    def put(self, kind: str, key: str) -> Follow:
        """Follow a space (`space/<slug>`), thread, call or project (`thread/<id>` ...); idempotent."""
        caller = require_member()
        with db.write() as session:
            return follow(session, caller, kind, key)[0]

    @blp.response(204)
    @members()
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
    @members()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A page of your notifications, newest first, and the unread count."""
        member_id = _me()
        unread_only = args["unread_only"]
        with db.read() as session:
            items, last = list_notifications(
                session, member_id, before=args["cursor"], limit=args["limit"], unread_only=unread_only
            )
            total = count_notifications(session, member_id, unread_only=unread_only)
            return {**keyset_page(items, last, total), "unread_count": unread_count(session, member_id)}


@blp.route("/notifications/unread-count")
class Unread(MethodView):
    """The unread count."""

    @blp.response(200, UnreadOut)
    @members()
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
    @members()
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
    @members()
    def post(self, notification_id: int) -> Notification:
        """Mark one notification read."""
        member_id = _me()
        with db.write() as session:
            return mark_read(session, member_id, notification_id)
