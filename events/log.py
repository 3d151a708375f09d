"""Reading the event log: its state, cursor checks, replay pages, retention."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, bindparam, cast, delete, func, select, update
from sqlalchemy.orm import Session

from events.caller import Caller
from events.envelope import Event, isoformat_z, utcnow
from events.models import EventRecord, EventTopic, LogMeta, event_ids_on
from events.outbox import read_epoch


def init_log(session: Session) -> str:
    """Create the log's metadata row (and so its epoch) unless it exists; return the epoch."""
    meta = session.get(LogMeta, 1)
    if meta is None:
        meta = LogMeta(id=1, epoch=secrets.token_hex(4), pruned_through=0, created_at=utcnow())
        session.add(meta)
        session.flush()
    return meta.epoch


@dataclass(frozen=True)
class LogState:
    """Where the log stands: its epoch, its newest id and the newest id retention removed."""

    epoch: str
    head: int
    pruned_through: int

    @property
    def earliest(self) -> int:
        """The smallest id a client may still receive (everything before it was pruned)."""
        return self.pruned_through + 1


# The log's state in one statement, run as Core on the session's connection: every /live subscribe
# and stream open asks, and the ORM's `get` plus a second query cost ~3x the SQL.
_META = LogMeta.__table__.c
_LOG_STATE = select(
    _META.epoch, _META.pruned_through, select(func.max(EventRecord.__table__.c.id)).scalar_subquery()
).where(_META.id == 1)


def log_state(session: Session) -> LogState:
    """Read the log's epoch, head and retention watermark."""
    row = session.connection().execute(_LOG_STATE).one_or_none()
    if row is None:
        raise RuntimeError("the event log is not initialised: run `flask dialog migrate`")
    epoch, pruned_through, newest = row
    return LogState(epoch, max(newest or 0, pruned_through), pruned_through)


@dataclass(frozen=True)
class CursorCheck:
    """The answer to "can I resume from here?": where the stream starts, and whether it is whole."""

    start: int
    recovered: bool
    reason: str | None
    state: LogState


def check_cursor(session: Session, since: int | None, epoch: str | None) -> CursorCheck:
    """Decide where a client's stream starts; `recovered=False` means it must reload over REST."""
    state = log_state(session)
    if since is None:
        return CursorCheck(state.head, True, None, state)
    if epoch is not None and epoch != state.epoch:
        return CursorCheck(state.head, False, "epoch_mismatch", state)
    if since > state.head:
        # Only a cursor from another (recreated) log can be ahead of this one.
        return CursorCheck(state.head, False, "cursor_ahead", state)
    if since < state.pruned_through:
        return CursorCheck(state.head, False, "expired", state)
    return CursorCheck(since, True, None, state)


def _to_event(record: EventRecord, epoch: str, extra: Sequence[str] = ()) -> Event:
    actor = None if record.actor_name is None else Caller(record.actor_id, record.actor_name)
    return Event(
        type=record.type,
        topic=record.topic,
        data=record.data,
        actor=actor,
        extra_topics=tuple(t for t in extra if t != record.topic),
        occurred_at=record.occurred_at,
        id=record.id,
        epoch=epoch,
    )


def _page_select(after: int, topics: Iterable[str] | None, limit: int, upto: int | None) -> Select[Any] | None:
    """The ids (`event_id`) of one page, oldest first; None when `topics` is empty (an empty page)."""
    if topics is None:
        query = select(EventRecord.id.label("event_id")).where(EventRecord.id > after)
        if upto is not None:
            query = query.where(EventRecord.id <= upto)
        return query.order_by(EventRecord.id).limit(limit)
    topic_set = set(topics)
    if not topic_set:
        return None
    return event_ids_on(topic_set, after=after, upto=upto, limit=limit)


_RECORD_COLUMNS = select(
    EventRecord.id,
    EventRecord.topic,
    EventRecord.type,
    EventRecord.occurred_at,
    EventRecord.actor_id,
    EventRecord.actor_name,
    EventRecord.data,
)
# The routes of events besides their primary topics (`event_topic` has no row for that one).
_ROUTES_OF = select(EventTopic.event_id, EventTopic.topic)
# Every route of a page of all events, by the page's id range: one cached statement whatever the
# page's size, where a list of hundreds of ids is a new statement to compile each time.
_ROUTES = _ROUTES_OF.where(EventTopic.event_id >= bindparam("first"), EventTopic.event_id <= bindparam("last"))


def read_page(
    session: Session,
    after: int,
    topics: Iterable[str] | None,
    *,
    limit: int,
    upto: int | None = None,
    with_topics: bool = False,
) -> list[Event]:
    """Events with `after < id <= upto` on any of `topics` (all if None), oldest first, at most `limit`."""
    epoch = read_epoch(session)
    # Core on the session's connection: plain rows, not ORM objects (replay reads many pages, and
    # identity-map bookkeeping was most of the cost of a page), and no ORM statement handling
    # (the relay reads a page after every commit).
    connection = session.connection()
    if topics is None:
        # The relay's read: the page itself in one query, no list of ids first.
        query = _RECORD_COLUMNS.where(EventRecord.id > after)
        if upto is not None:
            query = query.where(EventRecord.id <= upto)
        records = connection.execute(query.order_by(EventRecord.id).limit(limit)).all()
    else:
        page = _page_select(after, topics, limit, upto)
        ids = [] if page is None else list(session.scalars(page))
        if not ids:
            return []
        records = connection.execute(_RECORD_COLUMNS.where(EventRecord.id.in_(ids)).order_by(EventRecord.id)).all()
    if not records:
        return []
    routing: dict[int, list[str]] = {}
    if with_topics:
        if topics is None:  # the page is every event in its id range
            routes = connection.execute(_ROUTES, {"first": records[0].id, "last": records[-1].id})
        else:
            routes = connection.execute(_ROUTES_OF.where(EventTopic.event_id.in_([r.id for r in records])))
        for event_id, topic in routes:
            routing.setdefault(event_id, []).append(topic)
    return [_to_event(r, epoch, sorted(routing.get(r.id, ()))) for r in records]  # type: ignore[arg-type]


def prune(session: Session, older_than: datetime) -> int:
    """Delete the oldest events, up to the first that occurred at or after `older_than`; return the watermark."""
    meta = session.get(LogMeta, 1)
    assert meta is not None
    # The oldest part of the log, up to the first event that is not old enough: found by walking
    # the primary key from the watermark (no index on the time, which every append would write),
    # so a sweep reads about as many rows as it removes. The watermark stays a prefix of the log.
    connection = session.connection()
    young = connection.execute(
        select(EventRecord.id)
        .where(EventRecord.id > meta.pruned_through, EventRecord.occurred_at >= older_than)
        .order_by(EventRecord.id)
        .limit(1)
    ).scalar()
    below = EventRecord.id > meta.pruned_through
    if young is not None:
        below = below & (EventRecord.id < young)
    cutoff = connection.execute(select(func.max(EventRecord.id)).where(below)).scalar()
    if cutoff is None:
        return meta.pruned_through
    session.execute(delete(EventTopic).where(EventTopic.event_id <= cutoff))
    session.execute(delete(EventRecord).where(EventRecord.id <= cutoff))
    session.execute(update(LogMeta).where(LogMeta.id == 1).values(pruned_through=cutoff))
    return cutoff


@dataclass(frozen=True, slots=True)
class EncodedEvent:
    """A replayed event as its envelope's JSON text (what `Event.envelope()` holds, serialised)."""

    id: int
    type: str
    json: str


def read_page_json(
    session: Session, after: int, topics: Iterable[str] | None, *, limit: int, upto: int | None = None
) -> list[EncodedEvent]:
    """Like `read_page`, but each event already serialised: the stored `data` JSON is passed through.

    Replay to a far-behind client is dominated by building and re-serialising events; this keeps
    the same envelope (same keys, in the same order) without decoding `data` at all.
    """
    epoch = json.dumps(read_epoch(session))
    selected = _page_select(after, topics, limit, upto)
    if selected is None:
        return []
    page = selected.subquery()
    # One query: the page's ids joined to their rows (no second round trip with hundreds of ids).
    rows = session.execute(
        select(
            EventRecord.id,
            EventRecord.topic,
            EventRecord.type,
            cast(EventRecord.occurred_at, Text),
            EventRecord.actor_id,
            EventRecord.actor_name,
            cast(EventRecord.data, Text),
        )
        .join(page, page.c.event_id == EventRecord.id)
        .order_by(EventRecord.id)
    )
    dumps = json.dumps
    out = []
    for event_id, topic, event_type, occurred, actor_id, actor_name, data in rows:
        actor = "null" if actor_name is None else dumps({"id": actor_id, "name": actor_name}, ensure_ascii=False)
        out.append(
            EncodedEvent(
                event_id,
                event_type,
                f'{{"id":{event_id},"epoch":{epoch},"topic":{dumps(topic, ensure_ascii=False)},'
                f'"type":{dumps(event_type)},"occurred_at":"{_stored_time_z(occurred)}","actor":{actor},"data":{data}}}',
            )
        )
    return out


def _stored_time_z(text: str) -> str:
    """`isoformat_z` of a stored naive-UTC timestamp given as text ('YYYY-MM-DD HH:MM:SS[.ffffff]')."""
    if len(text) >= 19 and text[10] in " T" and text[4] == "-" and text[13] == ":":
        return text[:10] + "T" + text[11:19] + "Z"
    return isoformat_z(datetime.fromisoformat(text))


def read_event_json(session: Session, event_id: int) -> str | None:
    """The envelope of one event as JSON text, as it is stored now; None if retention pruned it."""
    page = read_page_json(session, event_id - 1, None, limit=1, upto=event_id)
    return page[0].json if page else None
