"""Event types of announcements, the `announcements` topic, and the reach-row handlers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from events import Event, EventData, event_type, registry
from events.topics import policy, public
from services.announcements.models import BroadcastReach
from services.fields import LocalizedText

TOPIC = "announcements"
# Event types whose reach is recorded, and which data field names their subject.
TRACKED = {"announcement.broadcast": ("announcement", "announcement_id"), "call.opened": ("call", "call_id")}


@event_type("announcement.broadcast", topics=(TOPIC,))
class AnnouncementBroadcast(EventData):
    """An admin broadcast an announcement to everyone."""

    announcement_id: int
    title: LocalizedText
    body: LocalizedText
    broadcast_at: datetime
    # Also mailed to every member who gets announcements by mail (the admin's choice).
    email: bool = False


policy.topic(TOPIC, public)


def _open_reach_row(session: Session, event: Event) -> None:
    """Create the broadcast's reach row with its event, so the relays can add their counts."""
    subject, key = TRACKED[event.type]
    assert event.id is not None
    session.add(
        BroadcastReach(
            event_id=event.id,
            event_type=event.type,
            subject=subject,
            subject_id=int(event.data[key]),
            created_at=event.occurred_at,
            live_sessions=0,
            stream_clients=0,
            inboxes=0,
            processes=0,
        )
    )


for _type in TRACKED:
    registry.handler(_type)(_open_reach_row)
