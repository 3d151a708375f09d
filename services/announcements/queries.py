"""Announcements reads: the list, one announcement, proof of reach."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from events import Caller
from services.announcements.models import Announcement, AnnouncementRead, BroadcastReach
from services.errors import NotFound
from services.identity import require_admin
from services.mail import sent_count
from services.notifications import inbox_count
from services.webhooks import delivered_count


def list_announcements(session: Session, *, limit: int, offset: int) -> tuple[list[Announcement], int]:
    """A page of announcements, newest first, and the total."""
    total = session.scalar(select(func.count(Announcement.id))) or 0
    rows = session.scalars(select(Announcement).order_by(Announcement.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def get_announcement(session: Session, announcement_id: int) -> Announcement:
    """One announcement, or NotFound."""
    item = session.get(Announcement, announcement_id)
    if item is None:
        raise NotFound(f"no announcement {announcement_id}")
    return item


def _reach(session: Session, row: BroadcastReach | None) -> dict[str, Any]:
    if row is None:  # published but no relay has pushed it yet (or it is still committing)
        empty = ("live_sessions", "stream_clients", "webhooks", "inboxes", "emails", "processes")
        return {"event_id": None, **dict.fromkeys(empty, 0)}
    return {
        "event_id": row.event_id,
        "live_sessions": row.live_sessions,
        "stream_clients": row.stream_clients,
        # Webhooks report through their own service's public query, not by writing here.
        "webhooks": delivered_count(session, row.event_id),
        # Inboxes and mails report through their services' public queries too.
        "inboxes": inbox_count(session, row.event_id),
        "emails": sent_count(session, f"{row.subject}:{row.subject_id}"),
        "processes": row.processes,
        "broadcast_at": row.created_at,
    }


def latest_reach(session: Session, subject: str, subject_id: int) -> BroadcastReach | None:
    """The reach row of the newest broadcast about a subject."""
    return session.scalar(
        select(BroadcastReach)
        .where(BroadcastReach.subject == subject, BroadcastReach.subject_id == subject_id)
        .order_by(BroadcastReach.event_id.desc())
        .limit(1)
    )


def announcement_reach(session: Session, caller: Caller, announcement_id: int) -> dict[str, Any]:
    """Proof of reach of an announcement: live pushes, webhooks, inboxes and read marks (admins)."""
    require_admin(caller)
    get_announcement(session, announcement_id)
    reads = session.scalar(
        select(func.count(AnnouncementRead.id)).where(AnnouncementRead.announcement_id == announcement_id)
    )
    return {
        "announcement_id": announcement_id,
        **_reach(session, latest_reach(session, "announcement", announcement_id)),
        "reads": reads or 0,
    }


def call_opening_reach(session: Session, caller: Caller, call_id: int) -> dict[str, Any]:
    """Proof of reach of a call's (latest) opening broadcast (admins)."""
    require_admin(caller)
    return {"call_id": call_id, **_reach(session, latest_reach(session, "call", call_id))}
