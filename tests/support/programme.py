"""Helpers for programme tests: a clock, calls and news made through the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events import Database, read_page
from services.calls import FundingCall, announce_call, create_call
from tests.support.callers import staff

T0 = datetime(2021, 1, 4, 9, 0)  # naive UTC, as stored


def iso(moment: datetime) -> str:
    """`moment` as the API writes date-times: UTC, whole seconds, `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def call_body(
    round_: int, title: dict[str, str], opens_in: timedelta, deadline_in: timedelta, **extra: Any
) -> dict[str, Any]:
    """A `POST /calls` body (for a live server) opening `opens_in` from now, its deadline `deadline_in` from now."""
    now = datetime.now(UTC)
    return {
        "round": round_,
        "title": title,
        "opens_at": iso(now + opens_in),
        "deadline": iso(now + deadline_in),
        **extra,
    }


def make_call(
    db: Database,
    *,
    now: datetime = T0,
    opens_in: timedelta = timedelta(days=1),
    runs_for: timedelta = timedelta(days=30),
    announce: bool = True,
    **extra: Any,
) -> int:
    """A call opening `opens_in` after `now` with a deadline `runs_for` later; announced at `now`."""
    with db.write() as session:
        opens_at = now + opens_in
        call = create_call(
            session,
            caller=staff(session),
            programme="Modellprojekte Smart Cities",
            round=extra.pop("round", 3),
            title=extra.pop("title", {"de": "Aufruf", "en": "Call"}),
            opens_at=opens_at,
            deadline=opens_at + runs_for,
            now=now,
            **extra,
        )
        if announce:
            announce_call(session, call, caller=staff(session), now=now)
        return call.id


def call_of(db: Database, call_id: int) -> FundingCall:
    """The call as stored now."""
    with db.read() as session:
        call = session.get(FundingCall, call_id)
        assert call is not None
        return call


def events_on(db: Database, topic: str, after: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of every event on `topic` after `after`, in log order."""
    with db.read() as session:
        return [(e.type, e.data) for e in read_page(session, after, [topic], limit=10_000)]


def head(db: Database) -> int:
    """The newest event id."""
    with db.read() as session:
        page = read_page(session, 0, None, limit=100_000)
        return page[-1].id if page and page[-1].id else 0


def story(db: Database, after: int = 0) -> list[str]:
    """The events a `calls` subscriber receives, compactly: `call.reminder:14`, `call.opened` ..."""
    out = []
    for event_type, data in events_on(db, "calls", after):
        out.append(f"{event_type}:{data['days_left']}" if event_type == "call.reminder" else event_type)
    return out
