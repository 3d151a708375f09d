"""Event types the funding calls service publishes on `calls`."""

from __future__ import annotations

from marshmallow import Schema, fields

from events.registry import registry
from events.topics import policy, public
from services.fields import UtcTimestamp, localized_text

TOPIC = "calls"


class CallRef(Schema):
    """What every call event carries: which call, its title, its deadline (UTC and Berlin)."""

    call_id = fields.Integer(required=True, strict=True)
    round = fields.Integer(required=True, strict=True)
    title = localized_text(required=True)
    deadline = UtcTimestamp(required=True, allow_none=True)
    deadline_local = fields.String(required=True, allow_none=True, metadata={"description": "Europe/Berlin"})


class CallAnnouncedData(CallRef):
    """`call.announced`: a call was made public with its dates; it opens at `opens_at`."""

    programme = fields.String(required=True)
    summary = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    budget = fields.String(required=True, allow_none=True, metadata={"description": "EUR, decimal string"})
    currency = fields.String(required=True)
    motto = fields.String(required=True, allow_none=True)
    opens_at = UtcTimestamp(required=True)
    application_url = fields.String(required=True, allow_none=True)
    reminder_days = fields.List(fields.Integer(strict=True), required=True)


class CallOpenedData(CallRef):
    """`call.opened`: applications are accepted from now on."""

    opened_at = UtcTimestamp(required=True)
    application_url = fields.String(required=True, allow_none=True)
    broadcast = fields.Boolean(required=True, metadata={"description": "opened at once by an admin"})


class CallDeadlineChangedData(CallRef):
    """`call.deadline_changed`: the deadline moved; reminders move with it."""

    previous_deadline = UtcTimestamp(required=True, allow_none=True)
    reason = fields.String(required=True)


class CallReminderData(CallRef):
    """`call.reminder`: the deadline is `days_left` days away."""

    days_left = fields.Integer(required=True, strict=True)
    application_url = fields.String(required=True, allow_none=True)


class CallClosedData(CallRef):
    """`call.closed`: the deadline passed; no more applications."""

    closed_at = UtcTimestamp(required=True)


registry.event_type("call.announced", CallAnnouncedData, "a funding call was announced")
registry.event_type("call.opened", CallOpenedData, "a funding call opened for applications")
registry.event_type("call.deadline_changed", CallDeadlineChangedData, "a funding call's deadline moved")
registry.event_type("call.reminder", CallReminderData, "a funding call's deadline is near")
registry.event_type("call.closed", CallClosedData, "a funding call closed")
policy.topic(TOPIC, public)
