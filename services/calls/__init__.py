"""Funding calls (Förderaufrufe): draft → announced → open → closed, deadline reminders, on `calls`."""

from services.calls import events  # noqa: F401  (registers event types and topics)
from services.calls.commands import (
    CURRENCY,
    DEFAULT_PROGRAMME,
    announce_call,
    archive_call,
    budget_to_cents,
    cents_to_budget,
    change_deadline,
    close_due_call,
    create_call,
    handle_due_reminder,
    open_call_now,
    open_due_call,
    update_call,
)
from services.calls.models import STATUSES, CallReminder, DeadlineChange, FundingCall
from services.calls.queries import (
    deadline_changes_of,
    due_closings,
    due_openings,
    due_reminders,
    get_call,
    list_calls,
    reminders_of,
)

__all__ = [
    "CURRENCY",
    "DEFAULT_PROGRAMME",
    "STATUSES",
    "CallReminder",
    "DeadlineChange",
    "FundingCall",
    "announce_call",
    "archive_call",
    "budget_to_cents",
    "cents_to_budget",
    "change_deadline",
    "close_due_call",
    "create_call",
    "deadline_changes_of",
    "due_closings",
    "due_openings",
    "due_reminders",
    "get_call",
    "handle_due_reminder",
    "list_calls",
    "open_call_now",
    "open_due_call",
    "reminders_of",
    "update_call",
]
