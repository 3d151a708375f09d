"""Funding calls with the real bus and a controllable clock: a call's whole life as the scheduler
tick drives it, an admin opening early, reminders missed by more than their window."""

from __future__ import annotations

from datetime import timedelta

from events import Database
from services.calls import change_deadline, get_call, open_call_now, reminders_of
from services.scheduling import tick
from tests.support.callers import staff
from tests.support.programme import T0, call_of, events_on, make_call, story

DAY = timedelta(days=1)
WINDOW = timedelta(hours=12)


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


def test_admin_opening_before_the_scheduler_means_the_scheduler_does_nothing(database: Database) -> None:
    call_id = make_call(database, now=T0, opens_in=DAY)
    with database.write() as session:
        call = get_call(session, staff(session), call_id)
        open_call_now(session, call, caller=staff(session, "admin"), now=T0 + timedelta(hours=1))
    assert tick(database, T0 + 2 * DAY).handled == []
    opened = [d for t, d in events_on(database, "calls") if t == "call.opened"]
    assert len(opened) == 1 and opened[0]["broadcast"] is True


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
