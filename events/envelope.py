"""The event as clients see it: one JSON envelope, the same on every transport."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from events.caller import Caller


def isoformat_z(moment: datetime) -> str:
    """UTC ISO 8601 with a `Z`, as the contract writes every time."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def utcnow() -> datetime:
    """The current time as naive UTC, the form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Event:
    """A domain event: pending until its transaction commits, then it has an id."""

    type: str
    topic: str
    data: dict[str, Any]
    actor: Caller | None = None
    extra_topics: tuple[str, ...] = ()
    occurred_at: datetime = field(default_factory=utcnow)
    id: int | None = None
    epoch: str | None = None

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic the event is routed to, primary first, without repeats."""
        return tuple(dict.fromkeys((self.topic, *self.extra_topics)))

    def envelope(self) -> dict[str, Any]:
        """The public JSON shape of this event (requires a committed event)."""
        return {
            "id": self.id,
            "epoch": self.epoch,
            "topic": self.topic,
            "type": self.type,
            "occurred_at": isoformat_z(self.occurred_at),
            "actor": None if self.actor is None else {"id": self.actor.id, "name": self.actor.name},
            "data": self.data,
        }

    def envelope_json(self) -> str:
        """The envelope serialised once, for transports that send text."""
        return json.dumps(self.envelope(), ensure_ascii=False, separators=(",", ":"))
