"""Announcements: admin broadcasts on `announcements`, read marks, and proof of reach of broadcasts."""

from services.announcements import events  # noqa: F401  (registers event types, topic and handlers)
from services.announcements.commands import broadcast_announcement, mark_read, record_deliveries
from services.announcements.events import TRACKED
from services.announcements.models import Announcement, AnnouncementRead, BroadcastReach
from services.announcements.privacy import export_reads
from services.announcements.queries import (
    announcement_reach,
    call_opening_reach,
    get_announcement,
    list_announcements,
)

__all__ = [
    "TRACKED",
    "Announcement",
    "AnnouncementRead",
    "BroadcastReach",
    "announcement_reach",
    "broadcast_announcement",
    "call_opening_reach",
    "export_reads",
    "get_announcement",
    "list_announcements",
    "mark_read",
    "record_deliveries",
]
