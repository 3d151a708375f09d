"""Announcements commands: broadcast, mark read, and record a relay's deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from events import Caller, publish, utcnow
from services.announcements.events import TOPIC, AnnouncementBroadcast
from services.announcements.models import Announcement, AnnouncementRead, BroadcastReach
from services.announcements.queries import get_announcement
from services.html import sanitise_html
from services.identity import require_admin, require_login


def broadcast_announcement(
    session: Session,
    *,
    caller: Caller,
    title: dict[str, str],
    body: dict[str, str],
    email: bool = False,
    now: datetime | None = None,
) -> Announcement:
    """Store an announcement and broadcast it now on `announcements`; every member's inbox gets it.

    With `email`, it is also mailed to every member who gets announcements by mail (queued in
    this transaction by the notifications service's handler).
    """
    require_admin(caller)
    now = now or utcnow()
    item = Announcement(
        title={lang: text.strip() for lang, text in title.items()},
        body={lang: sanitise_html(html) for lang, html in body.items()},
        author_id=caller.id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    publish(
        session,
        AnnouncementBroadcast(announcement_id=item.id, title=item.title, body=item.body, broadcast_at=now, email=email),
        topic=TOPIC,
        actor=caller,
    )
    return item


def mark_read(session: Session, caller: Caller, announcement_id: int, *, now: datetime | None = None) -> bool:
    """Record that the calling member read an announcement; True the first time, False on repeats."""
    member_id = require_login(caller)
    get_announcement(session, announcement_id)
    if session.scalar(
        select(AnnouncementRead.id).where(
            AnnouncementRead.announcement_id == announcement_id, AnnouncementRead.member_id == member_id
        )
    ):
        return False
    values = {"announcement_id": announcement_id, "member_id": member_id, "read_at": now or utcnow()}
    dialect = session.get_bind().dialect.name
    # Two requests at once must not fail on the unique pair: the second simply does nothing.
    if dialect == "sqlite":
        statement = sqlite_insert(AnnouncementRead).values(**values).on_conflict_do_nothing()
        return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]
    if dialect == "postgresql":
        pg_statement = pg_insert(AnnouncementRead).values(**values).on_conflict_do_nothing()
        return bool(session.execute(pg_statement).rowcount)  # type: ignore[attr-defined]
    session.execute(insert(AnnouncementRead).values(**values))
    return True


def record_deliveries(session: Session, counts: dict[int, tuple[int, int]]) -> int:
    """Add one process's pushes, `{event_id: (live_sessions, stream_clients)}`; return rows updated."""
    updated = 0
    for event_id, (sessions, streams) in sorted(counts.items()):
        result = session.execute(
            update(BroadcastReach)
            .where(BroadcastReach.event_id == event_id)
            .values(
                live_sessions=BroadcastReach.live_sessions + sessions,
                stream_clients=BroadcastReach.stream_clients + streams,
                processes=BroadcastReach.processes + 1,
            )
            .execution_options(synchronize_session=False)
        )
        updated += int(result.rowcount)  # type: ignore[attr-defined]
    return updated
