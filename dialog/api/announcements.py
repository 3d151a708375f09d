"""Announcements API: admins broadcast; everyone reads; members mark read; admins see the reach."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, members, roles
from dialog.pagination import PageArgs, offset_page, page_schema, with_offset
from dialog.schemas import Flag
from services.announcements import (
    Announcement,
    announcement_reach,
    broadcast_announcement,
    get_announcement,
    list_announcements,
    mark_read,
)
from services.fields import UtcTimestamp, localized_text
from services.identity import ADMIN

blp = Blueprint("announcements", __name__, url_prefix="/api/v1/announcements", description="Admin announcements")


class AnnouncementIn(Schema):
    """An announcement to broadcast now."""

    title = localized_text(required=True, max_length=300)
    body = localized_text(required=True, max_length=20_000)
    email = Flag(
        load_default=False, metadata={"description": "also mail it to every member who gets announcements by mail"}
    )


class AnnouncementOut(Schema):
    """An announcement."""

    id = fields.Integer()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    body = fields.Dict(keys=fields.String(), values=fields.String())
    created_at = UtcTimestamp()


AnnouncementPage = page_schema(AnnouncementOut)


class ReadOut(Schema):
    """The caller's read mark."""

    announcement_id = fields.Integer()
    read = fields.Boolean()
    first_time = fields.Boolean(metadata={"description": "false when it was marked read before"})


class AnnouncementReachOut(Schema):
    """Proof of reach of an announcement."""

    announcement_id = fields.Integer()
    event_id = fields.Integer(allow_none=True)
    live_sessions = fields.Integer(metadata={"description": "Socket.IO sessions it was pushed to"})
    stream_clients = fields.Integer(metadata={"description": "SSE stream clients it was pushed to"})
    webhooks = fields.Integer(metadata={"description": "webhooks that received it (a 2xx answer)"})
    inboxes = fields.Integer(metadata={"description": "member inboxes it landed in"})
    emails = fields.Integer(metadata={"description": "mails of it the SMTP server accepted (with `email: true`)"})
    processes = fields.Integer(metadata={"description": "web processes that reported their pushes"})
    reads = fields.Integer(metadata={"description": "members who marked it read"})
    broadcast_at = UtcTimestamp(allow_none=True)


@blp.route("")
class Announcements(MethodView):
    """Announcements, newest first."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AnnouncementPage)
    @anyone()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List announcements."""
        with db.read() as session:
            items, total = list_announcements(session, **with_offset(args))
            return offset_page(items, total, args)

    @blp.arguments(AnnouncementIn)
    @blp.response(201, AnnouncementOut)
    @roles(ADMIN)
    def post(self, body: dict[str, Any]) -> Announcement:
        """Broadcast an announcement now (admins): `announcement.broadcast` on `announcements`."""
        with db.write() as session:
            return broadcast_announcement(session, caller=current_caller(), **body)


@blp.route("/<int:announcement_id>")
class AnnouncementResource(MethodView):
    """One announcement."""

    @blp.response(200, AnnouncementOut)
    @anyone()
    def get(self, announcement_id: int) -> Announcement:
        """Read an announcement."""
        with db.read() as session:
            return get_announcement(session, announcement_id)


@blp.route("/<int:announcement_id>/read")
class AnnouncementRead(MethodView):
    """The caller's read mark."""

    @blp.response(200, ReadOut)
    @members()
    def post(self, announcement_id: int) -> dict[str, Any]:
        """Mark read (members; repeating it changes nothing)."""
        with db.write() as session:
            first = mark_read(session, current_caller(), announcement_id)
        return {"announcement_id": announcement_id, "read": True, "first_time": first}


@blp.route("/<int:announcement_id>/reach")
class AnnouncementReach(MethodView):
    """Proof of reach."""

    @blp.response(200, AnnouncementReachOut)
    @roles(ADMIN)
    def get(self, announcement_id: int) -> dict[str, Any]:
        """Live sessions and stream clients it was pushed to, webhooks, inboxes, read marks (admins)."""
        with db.read() as session:
            return announcement_reach(session, current_caller(), announcement_id)
