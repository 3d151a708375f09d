"""The scheduler tick with a controllable clock: a call's whole life, restarts, two schedulers, late reminders."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from events import ANONYMOUS, Database
from services.calls import change_deadline, get_call, open_call_now, reminders_of
from services.news import create_news, get_news
from services.scheduling import tick
from tests.support.callers import staff
from tests.support.programme import T0, call_of, events_on, head, make_call

DAY = timedelta(days=1)
WINDOW = timedelta(hours=12)


def story(db: Database, after: int = 0) -> list[str]:
    """The events a `calls` subscriber receives, compactly: `call.reminder:14`, `call.opened` ..."""
    out = []
    for event_type, data in events_on(db, "calls", after):
        out.append(f"{event_type}:{data['days_left']}" if event_type == "call.reminder" else event_type)
    return out


def test_a_call_lives_through_announce_open_reminders_deadline_change_and_close(database: Database) -> None:
    call_id = make_call(database, now=T0, opens_in=DAY, runs_for=30 * DAY)
    opens_at = T0 + DAY
    deadline = opens_at + 30 * DAY
    assert story(database) == ["call.announced"]

    tick(database, opens_at - timedelta(seconds=1))
    assert call_of(database, call_id).status == "announced"
    tick(database, opens_at)
    assert call_of(database, call_id).status == "open"
    tick(database, deadline - 14 * DAY + timedelta(minutes=5))
    assert story(database) == ["call.announced", "call.opened", "call.reminder:14"]

    # Ten days before the old deadline it moves 10 days later: the old 7- and 1-day reminders go.
    moved_at = deadline - 10 * DAY
    new_deadline = deadline + 10 * DAY
    with database.write() as session:
        call = get_call(session, staff(session), call_id)
        change_deadline(session, call, caller=staff(session), deadline=new_deadline, reason="Verlängert", now=moved_at)
    before = story(database)
    tick(database, deadline - 7 * DAY)  # the old 7-day reminder's time: nothing
    tick(database, new_deadline - 14 * DAY)  # the new 14-day reminder
    tick(database, deadline - DAY)  # the old 1-day reminder's time: nothing
    tick(database, deadline + timedelta(minutes=1))  # the old deadline: the call stays open
    assert call_of(database, call_id).status == "open"
    assert story(database) == [*before, "call.reminder:14"]
    for moment in (new_deadline - 7 * DAY, new_deadline - DAY, new_deadline, new_deadline + DAY):
        tick(database, moment)

    assert story(database) == [
        "call.announced",
        "call.opened",
        "call.reminder:14",
        "call.deadline_changed",
        "call.reminder:14",
        "call.reminder:7",
        "call.reminder:1",
        "call.closed",
    ]
    changed = [data for t, data in events_on(database, "calls") if t == "call.deadline_changed"][0]
    assert changed["reason"] == "Verlängert" and changed["deadline"] == new_deadline.isoformat() + "Z"
    assert changed["deadline_local"].endswith("+01:00")
    with database.read() as session:
        planned = sorted(reminders_of(session, staff(session), call_id), key=lambda r: (r.deadline, -r.days_before))
        outcomes = [(r.days_before, r.deadline, r.outcome) for r in planned]
    assert outcomes == [
        (14, deadline, "sent"),
        (7, deadline, "cancelled"),
        (1, deadline, "cancelled"),
        (14, new_deadline, "sent"),
        (7, new_deadline, "sent"),
        (1, new_deadline, "sent"),
    ]
    assert call_of(database, call_id).closed_at == new_deadline


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


def test_a_reminder_missed_by_more_than_its_window_is_recorded_skipped(database: Database) -> None:
    call_id = make_call(database, now=T0, opens_in=DAY, runs_for=30 * DAY, reminder_days=[14, 7])
    deadline = T0 + 31 * DAY
    tick(database, T0 + DAY)
    late = tick(database, deadline - 14 * DAY + WINDOW + timedelta(minutes=1), reminder_window=WINDOW)
    in_time = tick(database, deadline - 7 * DAY + WINDOW - timedelta(minutes=1), reminder_window=WINDOW)
    assert [o for _, o in late.outcomes("call.reminder")] == ["skipped"]
    assert [o for _, o in in_time.outcomes("call.reminder")] == ["sent"]
    assert story(database) == ["call.announced", "call.opened", "call.reminder:7"]
    with database.read() as session:
        assert [(r.days_before, r.outcome) for r in reminders_of(session, staff(session), call_id)] == [
            (14, "skipped"),
            (7, "sent"),
        ]


def test_admin_opening_before_the_scheduler_means_the_scheduler_does_nothing(database: Database) -> None:
    call_id = make_call(database, now=T0, opens_in=DAY)
    with database.write() as session:
        call = get_call(session, staff(session), call_id)
        open_call_now(session, call, caller=staff(session, "admin"), now=T0 + timedelta(hours=1))
    assert tick(database, T0 + 2 * DAY).handled == []
    opened = [d for t, d in events_on(database, "calls") if t == "call.opened"]
    assert len(opened) == 1 and opened[0]["broadcast"] is True


def test_scheduled_news_is_published_by_the_tick_once(database: Database) -> None:
    with database.write() as session:
        item = create_news(
            session,
            caller=staff(session),
            title={"de": "Geplant"},
            body={"de": "x"},
            tags=[],
            publish_now=False,
            publish_at=T0 + timedelta(hours=1),
            now=T0,
        )
        news_id = item.id
    assert tick(database, T0 + timedelta(minutes=59)).handled == []
    assert tick(database, T0 + timedelta(hours=3)).outcomes("news.publish") == [(news_id, "published")]
    assert tick(database, T0 + timedelta(hours=4)).handled == []
    assert [t for t, _ in events_on(database, "news")] == ["news.published"]
    with database.read() as session:
        assert get_news(session, ANONYMOUS, news_id).published_at == T0 + timedelta(hours=3)


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
