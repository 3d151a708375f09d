"""Digests: a daily or weekly mail of new calls and deadlines, news, and activity in what a member follows.

Each member who chose a rhythm has a schedule row: the log id the last digest covered (the
cursor) and when the next one is due. The scheduler claims a due digest with one conditional
UPDATE that moves the cursor and the due time (`... WHERE cursor = :old AND due_at = :old_due`)
and queues the mail in that same transaction: every digest is built once, across schedulers and
restarts, and covers exactly the events after the previous one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from events import Database, Event, event_ids_on, log_state, utcnow
from events.models import EventRecord
from events.registry import REDACTED, registry
from services.identity import Member
from services.mail import queue_mail
from services.notifications.handlers import localized_title
from services.notifications.inbox import within_reach
from services.notifications.missed import mail_item
from services.notifications.models import DigestSchedule, Notification

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# An event id is taken before its transaction commits: the cursor stops short of events younger
# than this, so one still committing is not skipped (it comes in the next digest).
SETTLE = timedelta(minutes=1)
CALL_TYPES = ("call.announced", "call.opened", "call.deadline_changed", "call.reminder")
CALL_PHRASES = {
    "de": {
        "call.announced": "Angekündigt: {title}",
        "call.opened": "Geöffnet: {title}",
        "call.deadline_changed": "Neue Frist: {title}",
        "call.reminder": "Frist naht: {title}",
        "deadline": " (Frist {deadline})",
    },
    "en": {
        "call.announced": "Announced: {title}",
        "call.opened": "Open: {title}",
        "call.deadline_changed": "New deadline: {title}",
        "call.reminder": "Deadline ahead: {title}",
        "deadline": " (deadline {deadline})",
    },
}


@registry.handler("member.updated")
def on_member_updated(session: Session, event: Event) -> None:
    """A member chose a digest rhythm (or none): their schedule starts at the log's head, or ends."""
    if "digest" not in event.data.get("changed", ()):
        return
    member = session.get(Member, event.data["member_id"])
    schedule = session.get(DigestSchedule, event.data["member_id"])
    if member is None or member.digest not in PERIODS:
        if schedule is not None:
            session.delete(schedule)
        return
    due = (event.occurred_at or utcnow()) + PERIODS[member.digest]
    if schedule is None:
        session.add(DigestSchedule(member_id=member.id, cursor=log_state(session).head, due_at=due))
    else:
        schedule.due_at = due  # a new rhythm counts from now; the cursor keeps what was covered


def _settled_head(session: Session, now: datetime) -> int:
    # Walks the primary key back from the newest event (there is no index on the time): the
    # events of the last SETTLE are all it reads before the first older one.
    settled = select(EventRecord.id).where(EventRecord.occurred_at <= now - SETTLE)
    return session.scalar(settled.order_by(EventRecord.id.desc()).limit(1)) or 0


def _calls_and_news(session: Session, after: int, upto: int, language: str) -> tuple[list[Any], list[Any]]:
    ids = event_ids_on(("calls", "news"), after=after, upto=upto)
    records = session.scalars(
        select(EventRecord)
        .where(EventRecord.id.in_(ids), EventRecord.type.in_((*CALL_TYPES, "news.published")))
        .order_by(EventRecord.id)
    )
    phrases = CALL_PHRASES.get(language, CALL_PHRASES["de"])
    calls, news = [], []
    for record in records:
        data = record.data
        if data.get(REDACTED):
            continue
        title = localized_title(data, language)
        if record.type == "news.published":
            news.append({"news_id": data["news_id"], "summary": title, "path": f"/news/{data['news_id']}"})
            continue
        deadline = (data.get("deadline_local") or "")[:16].replace("T", " ")
        summary = phrases[record.type].format(title=title)
        summary += phrases["deadline"].format(deadline=deadline) if deadline else ""
        calls.append({"call_id": data["call_id"], "summary": summary, "path": f"/calls/{data['call_id']}"})
    return calls, news


def _activity(session: Session, member: Member, after: int, upto: int) -> list[dict[str, Any]]:
    notes = session.scalars(
        select(Notification)
        .where(
            Notification.member_id == member.id,
            Notification.event_id > after,
            Notification.event_id <= upto,
            Notification.redacted_at.is_(None),
        )
        .order_by(Notification.id)
    )
    return [mail_item(note) for note in notes if within_reach(session, member, note)]


def build_digest(session: Session, member: Member, after: int, upto: int) -> list[list[Any]]:
    """The digest's sections for the log ids `after < id <= upto`: [[name, items], ...], empty ones left out."""
    calls, news = _calls_and_news(session, after, upto, member.language)
    sections = [["calls", calls], ["news", news], ["activity", _activity(session, member, after, upto)]]
    return [section for section in sections if section[1]]


def send_digest(session: Session, member_id: int, now: datetime) -> bool | None:
    """Claim a member's due digest and queue it; None if someone else claimed it, False if it was empty."""
    schedule = session.get(DigestSchedule, member_id)
    member = session.get(Member, member_id)
    if schedule is None or member is None or schedule.due_at > now:
        return None
    period = PERIODS.get(member.digest)
    if period is None or not member.active:
        session.delete(schedule)
        return None
    old_cursor, old_due = schedule.cursor, schedule.due_at
    head = max(_settled_head(session, now), old_cursor)
    next_due = old_due + period if old_due + period > now else now + period  # a long outage: one digest, not a burst
    claimed = session.execute(
        update(DigestSchedule)
        .where(
            DigestSchedule.member_id == member_id, DigestSchedule.cursor == old_cursor, DigestSchedule.due_at == old_due
        )
        .values(cursor=head, due_at=next_due)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    sections = build_digest(session, member, old_cursor, head)
    if not sections or not member.email:
        return False
    queue_mail(
        session,
        to=member.email,
        kind="digest",
        language=member.language,
        params={"name": member.name, "period": member.digest, "path": "/me", "sections": sections},
        member_id=member.id,
        list_kind="digest",
    )
    return True


def queue_digests(db: Database, now: datetime) -> list[tuple[int, bool]]:
    """Queue every digest due at `now`: (member id, whether it had anything to say)."""
    with db.read() as session:
        due = list(session.scalars(select(DigestSchedule.member_id).where(DigestSchedule.due_at <= now)))
    done = []
    for member_id in due:
        with db.write() as session:
            outcome = send_digest(session, member_id, now)
        if outcome is not None:
            done.append((member_id, outcome))
    return done
