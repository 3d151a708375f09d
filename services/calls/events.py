"""Event types the funding calls service publishes on `calls`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from events import EventData, described, event_type
from events.topics import policy, public
from services.fields import LocalizedText

TOPIC = "calls"


class CallRef(EventData):
    """What every call event carries: which call, its title, its deadline (UTC and Berlin)."""

    call_id: int
    round: int
    title: LocalizedText
    deadline: datetime | None
    deadline_local: str | None = described("the deadline in Europe/Berlin, ISO 8601 with its offset")


@event_type("call.announced", topics=(TOPIC,))
class CallAnnounced(CallRef):
    """A funding call was made public with its dates; it opens at `opens_at`."""

    programme: str
    summary: Mapping[str, str] = described("by language")
    budget: str | None = described("EUR, decimal string")
    currency: str
    motto: str | None
    opens_at: datetime
    application_url: str | None
    reminder_days: tuple[int, ...] = described("days before the deadline that reminders go out")


@event_type("call.updated", topics=(TOPIC,))
class CallUpdated(CallAnnounced):
    """An announced or open funding call was edited: the call as it is now."""

    changed: tuple[str, ...] = described("the names of the fields that changed")


@event_type("call.opened", topics=(TOPIC,))
class CallOpened(CallRef):
    """A funding call opened: applications are accepted from now on."""

    opened_at: datetime
    application_url: str | None
    broadcast: bool = described("opened at once by an admin")


@event_type("call.deadline_changed", topics=(TOPIC,))
class CallDeadlineChanged(CallRef):
    """A funding call's deadline moved; reminders move with it."""

    previous_deadline: datetime | None
    reason: str


@event_type("call.reminder", topics=(TOPIC,))
class CallReminded(CallRef):
    """A funding call's deadline is `days_left` days away."""

    days_left: int
    application_url: str | None


@event_type("call.closed", topics=(TOPIC,))
class CallClosed(CallRef):
    """A funding call's deadline passed: no more applications."""

    closed_at: datetime


policy.topic(TOPIC, public)
