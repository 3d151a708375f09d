"""The inbox: turning events into notifications, and reading / marking them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from events import Event, publish, utcnow
from services.errors import NotFound
from services.identity import Member, user_topic, wants_mail
from services.notifications.events import NotificationCreated, NotificationKind, NotificationRead
from services.notifications.models import SEEN, WAITING, Notification
from services.spaces import Space, member_can_read

SUMMARY_CHARS = 300


def unread_count(session: Session, member_id: int) -> int:
    """How many of a member's notifications are unread."""
    return (
        session.scalar(select(func.count()).where(Notification.member_id == member_id, Notification.read_at.is_(None)))
        or 0
    )


def deliver(
    session: Session,
    event: Event,
    recipients: dict[int, NotificationKind],
    *,
    summary: Callable[[str, NotificationKind], str],
    subject: dict[str, Any],
    space: Space | None = None,
    mail_if_missed: bool = True,
) -> list[tuple[Notification, Member]]:
    """One notification per recipient (`member_id -> kind`) for `event`, pushed on `user.<id>`.

    `summary(language, kind)` words it in the recipient's preferred language. With
    `mail_if_missed`, a notification of a kind the member gets by mail waits to be mailed if it
    is still unread after the delay (services/notifications/missed.py).

    Never the actor, never an inactive member, never someone who cannot read `space`. The
    unique constraint (event_id, member_id) backs the one-per-event rule in the database.
    """
    assert event.id is not None, "notifications are made from appended events"
    actor_id = event.actor.id if event.actor else None
    ids = [m for m in recipients if m != actor_id]
    if not ids:
        return []
    members = session.scalars(select(Member).where(Member.id.in_(ids), Member.active.is_(True))).all()
    already = set(
        session.scalars(
            select(Notification.member_id).where(Notification.event_id == event.id, Notification.member_id.in_(ids))
        )
    )
    made: list[tuple[Notification, Member]] = []
    now = utcnow()
    for member in sorted(members, key=lambda m: m.id):
        if member.id in already:
            continue
        if space is not None and not member_can_read(session, member.id, member.role, space):
            continue
        note = Notification(
            member_id=member.id,
            event_id=event.id,
            event_type=event.type,
            kind=recipients[member.id],
            summary=summary(member.language, recipients[member.id])[:SUMMARY_CHARS],
            subject=subject,
            actor_name=event.actor.name if event.actor else None,
            created_at=now,
            mail_state=WAITING if mail_if_missed and wants_mail(member, recipients[member.id]) else None,
        )
        session.add(note)
        made.append((note, member))
    session.flush()
    for note, _member in made:
        publish(
            session,
            NotificationCreated(
                notification_id=note.id,
                kind=recipients[note.member_id],
                event_id=note.event_id,
                event_type=note.event_type,
                summary=note.summary,
                subject=note.subject,
                unread_count=unread_count(session, note.member_id),
            ),
            topic=user_topic(note.member_id),
            actor=event.actor,
        )
    return made


def within_reach(session: Session, member: Member, note: Notification) -> bool:
    """False if `note` is about a forum space `member` may no longer read (removed, narrowed, another role)."""
    slug = note.subject.get("space")
    if slug is None or "thread_id" not in note.subject:  # news name their audience `space`: not a forum space
        return True
    # Read access is decided at every delivery, not only when the notification was made: its
    # summary is an excerpt of the space's content.
    space = session.scalar(select(Space).where(Space.slug == slug))
    return space is not None and member_can_read(session, member.id, member.role, space)


def as_seen_by(session: Session, member_id: int, notes: list[Notification]) -> list[Notification]:
    """`notes` as `member_id` may see them now: those out of reach shown withdrawn (no summary)."""
    member = session.get(Member, member_id)
    reach: dict[object, bool] = {}  # by space: a page's notifications are mostly about a few
    for note in notes:
        slug = note.subject.get("space") if "thread_id" in note.subject else None
        if slug not in reach:
            reach[slug] = member is not None and within_reach(session, member, note)
        if not reach[slug]:
            # Detached first, so the blanked copy is never written back: access may be given back.
            session.expunge(note)
            note.summary, note.redacted_at = "", note.redacted_at or utcnow()
    return notes


def list_notifications(
    session: Session, member_id: int, *, before: int | None, limit: int, unread_only: bool
) -> tuple[list[Notification], int | None]:
    """A page of a member's notifications, newest first, and the `before` cursor of the next page."""
    query = select(Notification).where(Notification.member_id == member_id)
    if before is not None:
        query = query.where(Notification.id < before)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = list(session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return as_seen_by(session, member_id, rows), (rows[-1].id if more else None)


def count_notifications(session: Session, member_id: int, *, unread_only: bool) -> int:
    """How many notifications a member has (or how many unread)."""
    query = select(func.count()).where(Notification.member_id == member_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session.scalar(query) or 0


def _announce_read(session: Session, member_id: int, ids: list[int], up_to: int | None) -> None:
    publish(
        session,
        NotificationRead(notification_ids=tuple(ids), up_to=up_to, unread_count=unread_count(session, member_id)),
        topic=user_topic(member_id),
    )


def mark_read(session: Session, member_id: int, notification_id: int) -> Notification:
    """Mark one of a member's notifications read (again: no change, no event)."""
    note = session.get(Notification, notification_id)
    if note is None or note.member_id != member_id:
        raise NotFound(f"no notification {notification_id} of yours")
    if note.read_at is None:
        note.read_at = utcnow()
        if note.mail_state == WAITING:  # read before the delay ran out: no mail about it
            note.mail_state = SEEN
        session.flush()
        _announce_read(session, member_id, [note.id], None)
    return as_seen_by(session, member_id, [note])[0]


def mark_all_read(session: Session, member_id: int, up_to: int) -> list[int]:
    """Mark every unread notification with an id up to `up_to` read; return their ids."""
    ids = list(
        session.scalars(
            select(Notification.id).where(
                Notification.member_id == member_id, Notification.read_at.is_(None), Notification.id <= up_to
            )
        )
    )
    if ids:
        session.execute(update(Notification).where(Notification.id.in_(ids)).values(read_at=utcnow()))
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.mail_state == WAITING)
            .values(mail_state=SEEN)
            .execution_options(synchronize_session=False)
        )
        _announce_read(session, member_id, ids, up_to)
    return ids


def inbox_count(session: Session, event_id: int) -> int:
    """How many inboxes an event's notifications landed in (the reach of a broadcast)."""
    return session.scalar(select(func.count(Notification.id)).where(Notification.event_id == event_id)) or 0
