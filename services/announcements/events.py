"""Event types of announcements, the `announcements` topic, and the reach-row handlers."""

from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from events import Event
from events.registry import registry
from events.topics import policy, public
from services.announcements.models import BroadcastReach
from services.fields import UtcTimestamp, localized_text

TOPIC = "announcements"
# Event types whose reach is recorded, and which data field names their subject.
TRACKED = {"announcement.broadcast": ("announcement", "announcement_id"), "call.opened": ("call", "call_id")}


class AnnouncementBroadcastData(Schema):
    """`announcement.broadcast`: an admin's announcement to everyone."""

    announcement_id = fields.Integer(required=True, strict=True)
    title = localized_text(required=True)
    body = localized_text(required=True)
    broadcast_at = UtcTimestamp(required=True)


registry.event_type("announcement.broadcast", AnnouncementBroadcastData, "an admin broadcast an announcement")
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
