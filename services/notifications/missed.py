"""Missed-message mail (Zulip's model): a notification is mailed only if still unread after a delay.

A notification of a kind the member gets by mail is created `waiting`. Reading it — in the
inbox over REST, or in a live client, which marks what it shows read through the same calls —
makes it `seen`: a push to a connected client alone does not count, since a background tab or a
phone in a pocket is not a person who saw it. Once the oldest waiting notification of a member is
older than the delay, all their waiting ones go out as one mail, queued in the transaction whose
conditional UPDATE claims them (`... WHERE mail_state = 'waiting'`), so every notification is
mailed at most once across schedulers, and never if it was read or withdrawn first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from events import Database
from services.identity import Member, wants_mail
from services.mail import queue_mail
from services.notifications.inbox import within_reach
from services.notifications.models import DROPPED, MAILED, WAITING, Notification

DEFAULT_DELAY = timedelta(minutes=10)


class _Lost(Exception):
    """Another scheduler (or a read mark) changed the member's waiting notifications meanwhile."""


def notification_path(subject: dict[str, Any]) -> str:
    """The public path of what a notification is about (the deep link of its mail)."""
    if "thread_id" in subject:
        anchor = f"#post-{subject['post_id']}" if "post_id" in subject else ""
        return f"/threads/{subject['thread_id']}{anchor}"
    for key, path in (("call_id", "calls"), ("news_id", "news"), ("announcement_id", "announcements")):
        if key in subject:
            return f"/{path}/{subject[key]}"
    if subject.get("project_id"):
        return f"/projects/{subject['project_id']}"
    return "/notifications"


def mail_item(note: Notification) -> dict[str, Any]:
    """A notification as one entry of a list mail."""
    return {"notification_id": note.id, "summary": note.summary, "path": notification_path(note.subject)}


def due_members(session: Session, now: datetime, delay: timedelta) -> list[int]:
    """Members with a notification waiting longer than `delay`."""
    query = select(Notification.member_id).where(
        Notification.mail_state == WAITING, Notification.created_at <= now - delay
    )
    return sorted(set(session.scalars(query)))


def mail_missed(session: Session, member_id: int) -> int:
    """Claim a member's waiting notifications and queue one mail of the unread ones; how many it holds."""
    notes = list(
        session.scalars(
            select(Notification)
            .where(Notification.member_id == member_id, Notification.mail_state == WAITING)
            .order_by(Notification.id)
        )
    )
    member = session.get(Member, member_id)
    mailable = [
        n
        for n in notes
        if member is not None
        and n.read_at is None
        and n.redacted_at is None
        and wants_mail(member, n.kind)
        and within_reach(session, member, n)
    ]
    for state, group in ((MAILED, mailable), (DROPPED, [n for n in notes if n not in mailable])):
        if not group:
            continue
        result = session.execute(
            update(Notification)
            .where(Notification.id.in_([n.id for n in group]), Notification.mail_state == WAITING)
            .values(mail_state=state)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != len(group):  # type: ignore[attr-defined]
            raise _Lost
    if not mailable or member is None:
        return 0
    kinds = sorted({n.kind for n in mailable})
    queue_mail(
        session,
        to=member.email,
        kind="missed",
        language=member.language,
        params={"name": member.name, "path": "/notifications", "items": [mail_item(n) for n in mailable]},
        member_id=member.id,
        list_kind=",".join(kinds),  # one click turns off exactly the kinds this mail was about
    )
    return len(mailable)


def queue_missed(db: Database, now: datetime, delay: timedelta = DEFAULT_DELAY) -> list[tuple[int, int]]:
    """Queue the missed-message mail of every member who has one due: (member id, notifications in it)."""
    with db.read() as session:
        members = due_members(session, now, delay)
    done = []
    for member_id in members:
        try:
            with db.write() as session:
                count = mail_missed(session, member_id)
        except _Lost:  # rolled back; whatever is still waiting is looked at by the next tick
            continue
        if count:
            done.append((member_id, count))
    return done
