"""Data rights of announcements: which announcements a member read, exported and erased."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from events import Caller, Event, isoformat_z
from events.registry import registry
from services.announcements.models import AnnouncementRead
from services.identity import require_self_or_admin


def export_reads(session: Session, caller: Caller, member_id: int) -> dict[str, Any]:
    """Announcements' part of a member's data export: what they read, and when."""
    require_self_or_admin(caller, member_id)
    reads = session.scalars(
        select(AnnouncementRead).where(AnnouncementRead.member_id == member_id).order_by(AnnouncementRead.id)
    )
    return {
        "announcements_read": [{"announcement_id": r.announcement_id, "read_at": isoformat_z(r.read_at)} for r in reads]
    }


@registry.handler("member.erased")
def on_member_erased(session: Session, event: Event) -> None:
    """An erased member's read marks go (reach counts are anonymous and stay)."""
    session.execute(delete(AnnouncementRead).where(AnnouncementRead.member_id == event.data["member_id"]))
