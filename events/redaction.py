"""Redaction: withdrawn content leaves the event log; the events themselves stay.

When content is withdrawn (a hidden or deleted post, an edited post's earlier version, retracted
news), the services redact the events that carried it, in the same transaction as the withdrawal.
A redacted event keeps its envelope (`id`, `epoch`, `topic`, `type`, `occurred_at`, `actor`); its `data` keeps only ids
(the key `id`, every `*_id`, the `space` slug) and what its type declares in `keep` (times and
counts, never text), and gains `"redacted": true`:

    {"space": "national", "thread_id": 7, "post_id": 31, "created_at": "...", "redacted": true}

The stored row is rewritten, so every later read of the log — replay pages, long-poll, SSE,
webhook deliveries (which read the log at send time) — shows the redacted form. Restoring
(unhide) is a new event; a redaction is never undone.

Events already handed to a live transport are out of reach. In the committing process, the
relay applies a redaction to pages read before it committed and rewrites events still waiting
in the HTTP streams' queues (see `Relay.redacted`); Socket.IO packets already queued for a
socket, and the queues of other processes, are not rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from events.envelope import Event
from events.models import EventRecord, event_ids_on
from events.outbox import COMMITTED, OUTBOX, REDACTED_IN_TRANSACTION
from events.registry import REDACTED, UnknownEventType, registry

Value = int | str


def _values(value: Value | Iterable[Value]) -> list[Value]:
    values = [value] if isinstance(value, int | str) else list(value)
    if any(isinstance(v, bool) or not isinstance(v, int | str) for v in values):
        raise TypeError("redaction matches ints or strings")
    if len({type(v) for v in values}) > 1:
        raise TypeError("redaction matches ints or strings, not both at once")
    return values


def redact(
    session: Session,
    event_types: Iterable[str],
    key: str,
    value: Value | Iterable[Value],
    *,
    topic: str | None = None,
) -> list[int]:
    """Redact the stored events of `event_types` whose `data[key]` is `value` (or one of them).

    Runs in `session`'s transaction: the redaction commits with the withdrawal or not at all.
    `topic` (optional) narrows the search to one topic's events, through the topic indexes;
    without it every stored event of those types is read (the log has no index on the type, which
    every append would write: redaction without a topic is erasure, rare and in the background).
    Events published earlier in this same transaction are redacted too. Returns the ids of
    the stored events that changed.
    """
    types = sorted(set(event_types))
    for name in types:
        if name not in registry.types:
            raise UnknownEventType(name)
    values = _values(value)
    if not types or not values:
        return []
    field = EventRecord.data[key]
    matches = field.as_integer() if isinstance(values[0], int) else field.as_string()
    query = select(EventRecord.id, EventRecord.type, EventRecord.data).where(
        EventRecord.type.in_(types), matches.in_(values)
    )
    if topic is not None:
        query = query.where(EventRecord.id.in_(event_ids_on([topic])))
    changes: dict[int, dict[str, Any]] = {}
    for event_id, event_type, data in session.execute(query.order_by(EventRecord.id)):
        if not data.get(REDACTED):
            changes[event_id] = registry.types[event_type].redacted(data)
    if changes:
        # By primary key, in one executemany: the ORM's bulk UPDATE serialises the JSON column.
        session.execute(update(EventRecord), [{"id": i, "data": d} for i, d in changes.items()])
        session.info.setdefault(REDACTED_IN_TRANSACTION, {}).update(changes)
    _redact_unsent(session, set(types), key, set(values), changes)
    return sorted(changes)


def _redact_unsent(
    session: Session, types: set[str], key: str, values: set[Value], changes: dict[int, dict[str, Any]]
) -> None:
    # Events of this transaction: pending ones are not in the log yet (they will be appended
    # redacted); appended ones are, but their in-memory copies go to the commit listeners.
    for buffer in (OUTBOX, COMMITTED):
        event: Event
        for event in session.info.get(buffer, ()):
            if event.id is not None and event.id in changes:
                event.data = changes[event.id]
            elif event.type in types and event.data.get(key) in values and not event.data.get(REDACTED):
                event.data = registry.types[event.type].redacted(event.data)


def forget_actor(session: Session, actor_id: int, name: str) -> int:
    """Show every event `actor_id` acted in under `name` from now on (an erased member's name leaves the log).

    Rewrites the stored envelopes' actor name and the events of this transaction still to be
    appended, in `session`'s transaction; the actor's id stays. Returns how many stored events changed.
    """
    result = session.execute(
        update(EventRecord)
        .where(EventRecord.actor_id == actor_id, EventRecord.actor_name.is_distinct_from(name))
        .values(actor_name=name)
        .execution_options(synchronize_session=False)
    )
    for buffer in (OUTBOX, COMMITTED):
        for event in session.info.get(buffer, ()):
            if event.actor is not None and event.actor.id == actor_id:
                event.actor = replace(event.actor, name=name)
    return int(getattr(result, "rowcount", 0) or 0)


def acted_by(actor_id: int) -> Select[Any]:
    """The ids of the stored events `actor_id` acted in, as a subquery for other tables' event ids."""
    return select(EventRecord.id).where(EventRecord.actor_id == actor_id)
