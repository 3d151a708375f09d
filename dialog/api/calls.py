"""Funding calls API: everyone reads; editors and admins prepare and change; admins broadcast openings."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.api.search import query_field, text_filter
from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors, roles
from dialog.pagination import PageArgs, list_page, offset_page, page_schema, with_offset
from dialog.schemas import Flag, TimeInput
from services.announcements import call_opening_reach
from services.calls import (
    CURRENCY,
    DEFAULT_PROGRAMME,
    STATUSES,
    FundingCall,
    announce_call,
    cents_to_budget,
    change_deadline,
    create_call,
    deadline_changes_of,
    get_call,
    list_calls,
    open_call_now,
    reminders_of,
    update_call,
)
from services.clock import PROGRAMME_ZONE_NAME, local_iso
from services.fields import UtcTimestamp, localized_text
from services.identity import ADMIN, EDITOR

blp = Blueprint("calls", __name__, url_prefix="/api/v1/calls", description="Funding calls (Förderaufrufe)")
MAX_BUDGET = 10**15


def _reminder_days(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=365, error="whole days between 1 and 365")),
        validate=validate.Length(max=10),
        metadata={"description": "days before the deadline; default [14, 7, 1]"},
        **kwargs,
    )


class CallFields(Schema):
    """Fields a call is written with."""

    programme = fields.String(validate=validate.Length(min=1, max=200))
    round = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    title = localized_text(max_length=300)
    summary = localized_text(max_length=20_000)
    budget = fields.Decimal(
        allow_none=True,
        allow_nan=False,
        # Bounded here too, so that no decimal arithmetic ever sees `1e999999` (decimal.Overflow).
        validate=validate.Range(max=MAX_BUDGET, error="the budget is implausibly large"),
        # (apispec would write the bound as a string: give it as a number)
        metadata={"description": "EUR, positive, at most 2 decimals", "maximum": MAX_BUDGET},
    )
    motto = fields.String(allow_none=True, validate=validate.Length(max=300))
    opens_at = TimeInput(allow_none=True)
    deadline = TimeInput(allow_none=True)
    application_url = fields.Url(allow_none=True, validate=validate.Length(max=500))
    reminder_days = _reminder_days()


class CallIn(CallFields):
    """A new call (a draft; `announce: true` announces it at once)."""

    programme = fields.String(load_default=DEFAULT_PROGRAMME, validate=validate.Length(min=1, max=200))
    round = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    title = localized_text(required=True, max_length=300)
    announce = Flag(load_default=False)


class DeadlineIn(Schema):
    """A new deadline and why."""

    deadline = TimeInput(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class DeadlineChangeOut(Schema):
    """One deadline change."""

    previous_deadline = UtcTimestamp(allow_none=True)
    deadline = UtcTimestamp()
    reason = fields.String()
    changed_at = UtcTimestamp()


class CallOut(Schema):
    """A funding call; times in UTC, and Europe/Berlin in the `*_local` fields."""

    id = fields.Integer()
    programme = fields.String()
    round = fields.Integer()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    summary = fields.Dict(keys=fields.String(), values=fields.String())
    budget = fields.Function(lambda c: cents_to_budget(c.budget_cents), metadata={"description": "EUR"})
    budget_cents = fields.Integer(allow_none=True)
    currency = fields.Function(lambda _c: CURRENCY)
    motto = fields.String(allow_none=True)
    opens_at = UtcTimestamp(allow_none=True)
    opens_at_local = fields.Function(lambda c: local_iso(c.opens_at))
    deadline = UtcTimestamp(allow_none=True)
    deadline_local = fields.Function(lambda c: local_iso(c.deadline))
    timezone = fields.Function(lambda _c: PROGRAMME_ZONE_NAME)
    application_url = fields.String(allow_none=True)
    status = fields.String()
    reminder_days = fields.List(fields.Integer())
    created_at = UtcTimestamp()
    updated_at = UtcTimestamp()
    announced_at = UtcTimestamp(allow_none=True)
    opened_at = UtcTimestamp(allow_none=True)
    closed_at = UtcTimestamp(allow_none=True)


class CallDetail(CallOut):
    """A call with its deadline history."""

    deadline_changes = fields.List(fields.Nested(DeadlineChangeOut))


CallPage = page_schema(CallOut)


class CallListArgs(PageArgs):
    """Filters of the call list."""

    q = query_field()
    status = fields.String(validate=validate.OneOf(STATUSES))
    round = fields.Integer(validate=validate.Range(min=1, max=100))


class ReminderOut(Schema):
    """A planned reminder and what became of it."""

    id = fields.Integer()
    days_before = fields.Integer()
    deadline = UtcTimestamp()
    due_at = UtcTimestamp()
    done_at = UtcTimestamp(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "sent, skipped, cancelled; null while due"})


class ReachOut(Schema):
    """Proof of reach of a broadcast."""

    call_id = fields.Integer()
    event_id = fields.Integer(allow_none=True)
    live_sessions = fields.Integer(metadata={"description": "Socket.IO sessions it was pushed to"})
    stream_clients = fields.Integer(metadata={"description": "SSE stream clients it was pushed to"})
    webhooks = fields.Integer()
    inboxes = fields.Integer()
    processes = fields.Integer(metadata={"description": "web processes that reported their pushes"})
    broadcast_at = UtcTimestamp(allow_none=True)


def _detail(session: Any, call: FundingCall) -> FundingCall:
    # A plain attribute for the response schema only (not mapped, never stored).
    setattr(call, "deadline_changes", deadline_changes_of(session, call.id))  # noqa: B010
    return call


@blp.route("")
class Calls(MethodView):
    """Funding calls."""

    @blp.arguments(CallListArgs, location="query")
    @blp.response(200, CallPage)
    @anyone()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List calls, newest round first (drafts only for editors and admins); search with `q`."""
        with db.read() as session:
            matches = text_filter(session, "calls", args)
            items, total = list_calls(session, current_caller(), **with_offset(args), **matches)
            return offset_page(items, total, args)

    @blp.arguments(CallIn)
    @blp.response(201, CallOut)
    @roles(EDITOR, ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any]) -> FundingCall:
        """Prepare a call (editors and admins); `announce: true` announces it at once."""
        caller = current_caller()
        announce = body.pop("announce")
        with db.write() as session:
            call = create_call(session, caller=caller, **body)
            if announce:
                announce_call(session, call, caller=caller)
            return call


@blp.route("/<int:call_id>")
class CallResource(MethodView):
    """One call."""

    @blp.response(200, CallDetail)
    @anyone()
    def get(self, call_id: int) -> FundingCall:
        """Read a call with its deadline history."""
        with db.read() as session:
            return _detail(session, get_call(session, current_caller(), call_id))

    @blp.arguments(CallFields)
    @blp.response(200, CallOut)
    @roles(EDITOR, ADMIN)
    @errors(409)
    def patch(self, changes: dict[str, Any], call_id: int) -> FundingCall:
        """Change a call that is not closed (an announced call's deadline: use `POST .../deadline`)."""
        caller = current_caller()
        with db.write() as session:
            call = get_call(session, caller, call_id)
            return update_call(session, call, caller=caller, changes=changes)


@blp.route("/<int:call_id>/announce")
class CallAnnouncement(MethodView):
    """Announcing a draft."""

    @blp.response(200, CallOut)
    @roles(EDITOR, ADMIN)
    @errors(409)
    def post(self, call_id: int) -> FundingCall:
        """Announce: `call.announced`; the scheduler opens it at `opens_at` and sends reminders."""
        caller = current_caller()
        with db.write() as session:
            return announce_call(session, get_call(session, caller, call_id), caller=caller)


@blp.route("/<int:call_id>/deadline")
class CallDeadline(MethodView):
    """Moving the deadline."""

    @blp.arguments(DeadlineIn)
    @blp.response(200, CallOut)
    @roles(EDITOR, ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any], call_id: int) -> FundingCall:
        """Move the deadline with a reason: `call.deadline_changed`; reminders move with it."""
        caller = current_caller()
        with db.write() as session:
            call = get_call(session, caller, call_id)
            return change_deadline(session, call, caller=caller, **body)


@blp.route("/<int:call_id>/broadcast-opening")
class CallOpeningBroadcast(MethodView):
    """An admin opens a call now."""

    @blp.response(200, CallOut)
    @roles(ADMIN)
    @errors(409)
    def post(self, call_id: int) -> FundingCall:
        """Open now and broadcast `call.opened` (admins); see `GET .../reach` for who it reached."""
        caller = current_caller()
        with db.write() as session:
            return open_call_now(session, get_call(session, caller, call_id), caller=caller)


@blp.route("/<int:call_id>/reach")
class CallReach(MethodView):
    """Proof of reach of the call's opening."""

    @blp.response(200, ReachOut)
    @roles(ADMIN)
    def get(self, call_id: int) -> dict[str, Any]:
        """How many live sessions and stream clients the (latest) opening was pushed to (admins)."""
        caller = current_caller()
        with db.read() as session:
            get_call(session, caller, call_id)
            return call_opening_reach(session, caller, call_id)


@blp.route("/<int:call_id>/reminders")
class CallReminders(MethodView):
    """The call's reminders."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ReminderOut))
    @roles(EDITOR, ADMIN)
    def get(self, args: dict[str, Any], call_id: int) -> dict[str, Any]:
        """Every reminder planned for the call and its outcome (editors and admins)."""
        with db.read() as session:
            return list_page(reminders_of(session, current_caller(), call_id), args)
