"""Event types of the inbox: both go to the member's own `user.<id>` topic."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from events.registry import registry

KINDS = ("mention", "reply", "new_thread", "thread_post", "space_post", "project_activity", "call_reminder")


class NotificationCreatedData(Schema):
    """`notification.created`: a new inbox entry for the member of the topic."""

    notification_id = fields.Integer(required=True, strict=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    event_id = fields.Integer(required=True, strict=True, metadata={"description": "the event that caused it"})
    event_type = fields.String(required=True)
    summary = fields.String(required=True)
    subject = fields.Dict(
        required=True, metadata={"description": "ids of what it is about: space, thread_id, post_id, call_id ..."}
    )
    unread_count = fields.Integer(required=True, strict=True)


class NotificationReadData(Schema):
    """`notification.read`: entries were marked read (one, or all up to `up_to`)."""

    notification_ids = fields.List(fields.Integer(strict=True), required=True)
    up_to = fields.Integer(required=True, strict=True, allow_none=True)
    unread_count = fields.Integer(required=True, strict=True)


registry.event_type("notification.created", NotificationCreatedData, "a new inbox entry")
registry.event_type("notification.read", NotificationReadData, "inbox entries were marked read")
