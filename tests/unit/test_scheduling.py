"""The scheduler itself with a controllable clock: restarts across due work, schedulers side by side.

What the tick does to calls and news is tested with their services (test_calls.py, test_news.py)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from events import Database
from services.scheduling import tick
from tests.support.programme import T0, call_of, events_on, head, make_call, story

DAY = timedelta(days=1)


def test_scheduler_down_across_the_opening_opens_once_when_it_comes_back(database: Database) -> None:
    call_id = make_call(database, now=T0, opens_in=timedelta(hours=2))
    tick(database, T0 + timedelta(hours=1))  # last tick before the "downtime"
    assert story(database) == ["call.announced"]
    back = T0 + timedelta(hours=7)  # restarted five hours after the opening time
    first = tick(database, back)
    again = tick(database, back + timedelta(seconds=10))
    assert first.outcomes("call.open") == [(call_id, "opened")]
    assert again.handled == []
    assert story(database) == ["call.announced", "call.opened"]
    assert call_of(database, call_id).opened_at == back


def test_scheduler_down_across_a_whole_call_emits_opened_then_closed_and_skips_stale_reminders(
    database: Database,
) -> None:
    make_call(database, now=T0, opens_in=DAY, runs_for=20 * DAY)
    tick(database, T0 + 40 * DAY)
    assert story(database) == ["call.announced", "call.opened", "call.closed"]


@pytest.mark.parametrize("schedulers", [2, 4])
def test_schedulers_side_by_side_produce_each_transition_once(database: Database, schedulers: int) -> None:
    calls = [make_call(database, now=T0, opens_in=DAY, runs_for=15 * DAY) for _ in range(5)]
    start = head(database)
    moments = [T0 + DAY, T0 + 2 * DAY, T0 + 9 * DAY, T0 + 15 * DAY, T0 + 16 * DAY]
    for moment in moments:
        barrier = threading.Barrier(schedulers)
        errors: list[BaseException] = []

        def run(
            moment: datetime = moment, barrier: threading.Barrier = barrier, errors: list[BaseException] = errors
        ) -> None:
            try:
                barrier.wait(timeout=30)
                tick(database, moment)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(schedulers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
    types = [t for t, _ in events_on(database, "calls", start)]
    assert types.count("call.opened") == 5
    assert types.count("call.reminder") == 5 * 3
    assert types.count("call.closed") == 5
    for call_id in calls:
        per_call = [(t, d.get("days_left")) for t, d in events_on(database, "calls", start) if d["call_id"] == call_id]
        assert per_call == [
            ("call.opened", None),
            ("call.reminder", 14),
            ("call.reminder", 7),
            ("call.reminder", 1),
            ("call.closed", None),
        ]
