"""The scheduler's tick: pure database logic, given the time, with no Flask and no APScheduler.

`tick(db, now)` finds everything due at `now` — calls to open, reminders, calls to close,
scheduled news — and handles each item in its own short transaction whose conditional
UPDATE is the claim (`... WHERE status = 'announced'`, `... WHERE done_at IS NULL`). So:

- a restart or downtime loses nothing: due rows stay due until a tick handles them;
- two schedulers running at once never both handle an item: only one UPDATE matches;
- a moved deadline cancels the old reminders (claimed as `cancelled`) and plans new ones;
- a reminder more than `reminder_window` late is claimed as `skipped`, not sent.

Then the mails that fall due by time: missed-message mails of notifications left unread for
`missed_delay`, and the digests (services/notifications); both are claimed the same way and queued
in the outbox, which the mail worker sends.

Items are handled in due-time order (at equal times: open, then reminders and news, then close),
so a scheduler that was down across a whole call's life still emits opened before closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from events import Database
from services.calls import (
    close_due_call,
    due_closings,
    due_openings,
    due_reminders,
    handle_due_reminder,
    open_due_call,
)
from services.news import due_news, publish_due_news
from services.notifications import DEFAULT_MISSED_DELAY, queue_digests, queue_missed

log = logging.getLogger(__name__)
DEFAULT_REMINDER_WINDOW = timedelta(hours=12)
_ORDER = {"call.open": 0, "call.reminder": 1, "news.publish": 1, "call.close": 2}


@dataclass
class TickReport:
    """What one tick did: (kind, id, outcome) per item it handled, and the failures."""

    handled: list[tuple[str, int, str]] = field(default_factory=list)
    failed: list[tuple[str, int]] = field(default_factory=list)

    def outcomes(self, kind: str) -> list[tuple[int, str]]:
        """(id, outcome) of the items of one kind."""
        return [(i, o) for k, i, o in self.handled if k == kind]


def _due(db: Database, now: datetime) -> list[tuple[datetime, int, str, int]]:
    with db.read() as session:
        items = [(t, _ORDER["call.open"], "call.open", i) for t, i in due_openings(session, now)]
        items += [(t, _ORDER["call.reminder"], "call.reminder", i) for t, i in due_reminders(session, now)]
        items += [(t, _ORDER["news.publish"], "news.publish", i) for t, i in due_news(session, now)]
        items += [(t, _ORDER["call.close"], "call.close", i) for t, i in due_closings(session, now)]
    return sorted(items)


def tick(
    db: Database,
    now: datetime,
    *,
    reminder_window: timedelta = DEFAULT_REMINDER_WINDOW,
    missed_delay: timedelta = DEFAULT_MISSED_DELAY,
) -> TickReport:
    """Handle everything due at `now` (naive UTC), each item once across all schedulers."""
    steps: dict[str, Callable[[Session, int], str | None]] = {
        "call.open": lambda s, i: "opened" if open_due_call(s, i, now=now) else None,
        "call.reminder": lambda s, i: handle_due_reminder(s, i, now=now, window=reminder_window),
        "news.publish": lambda s, i: "published" if publish_due_news(s, i, now=now) else None,
        "call.close": lambda s, i: "closed" if close_due_call(s, i, now=now) else None,
    }
    report = TickReport()
    for _due_at, _order, kind, item_id in _due(db, now):
        try:
            with db.write() as session:
                outcome = steps[kind](session, item_id)
        except Exception:  # the item stays due and is retried by the next tick
            log.exception("scheduler: %s %s failed", kind, item_id)
            report.failed.append((kind, item_id))
            continue
        if outcome is not None:  # None: another scheduler (or an admin) got there first
            report.handled.append((kind, item_id, outcome))
    _queue_mails(db, now, missed_delay, report)
    return report


def _queue_mails(db: Database, now: datetime, missed_delay: timedelta, report: TickReport) -> None:
    """Missed-message mails and digests due at `now`, each queued once (a failure: retried next tick)."""
    try:
        for member_id, count in queue_missed(db, now, missed_delay):
            report.handled.append(("mail.missed", member_id, f"{count} notifications"))
        for member_id, said in queue_digests(db, now):
            report.handled.append(("mail.digest", member_id, "queued" if said else "empty"))
    except Exception:
        log.exception("scheduler: queueing mails failed")
        report.failed.append(("mail", 0))
