"""Publishing inside the caller's transaction: the transactional outbox.

`publish()` only buffers the event on the session. Right before the session commits, the
buffered events are appended to the event log in the same transaction, their handlers run
(and may publish more), and after the commit the in-process listeners (the relay) are woken.
A rolled-back transaction therefore publishes nothing, and a committed one loses nothing.

Commit order: on PostgreSQL every appending transaction first takes one transaction-scoped
advisory lock, so ids are drawn from the sequence in the order the transactions will commit
(the lock is released only by the commit). SQLite has a single writer at a time, which gives
the same order for free. The lock is taken as late as possible (at commit) to keep it short,
and in the same statement that draws the ids (one round trip less per publish).

What one event costs: its `event_log` row (with the one topic index) and an `event_topic` row
per topic besides its primary one; most events have none.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import JSON, DateTime, Integer, String, Table, bindparam, func, insert, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ClauseElement

from events.caller import Caller
from events.db import COMMIT_LISTENERS, SHARED
from events.envelope import Event
from events.models import EventRecord, EventTopic, LogMeta
from events.payload import EventData
from events.registry import registry

EVENT_LOG = cast(Table, EventRecord.__table__)
EVENT_TOPIC = cast(Table, EventTopic.__table__)
OUTBOX = "events.outbox"
COMMITTED = "events.committed"
# Any constant works; it only has to be the same in every process appending to the log.
COMMIT_ORDER_LOCK = 0x5C1D1A10

# Stored events redacted in this transaction: id -> their data as it is now (events.redaction).
REDACTED_IN_TRANSACTION = "events.redacted"
# Work a handler asked to run once after every handler of the transaction: key -> action.
AFTER_HANDLERS = "events.after_handlers"

CommitListener = Callable[[list[Event]], None]
_commit_listeners: list[CommitListener] = []
RedactionListener = Callable[[dict[int, dict[str, Any]]], None]
_redaction_listeners: list[RedactionListener] = []
# Held by an appending transaction from its append until its commit listeners have run, so the
# listeners of one process see commits in commit (= id) order: without it, a later transaction
# could commit and notify while an earlier one is between its COMMIT and its listeners.
# Appending transactions are serialised by the database until they commit anyway.
_notify_order = threading.RLock()
HOLDS_ORDER = "events.holds_order"


def publish(
    session: Session,
    data: EventData,
    *,
    topic: str,
    extra_topics: Iterable[str] = (),
    actor: Caller | None = None,
) -> Event:
    """Record an event to be appended when `session` commits.

    Its type is the one declared with `data`'s class. No runtime validation: the typed class
    is checked by mypy, and the tests check every type's data against its JSON Schema.
    """
    spec = registry.of(data)
    pending = Event(type=spec.name, topic=topic, data=data.to_data(), actor=actor, extra_topics=tuple(extra_topics))
    session.info.setdefault(OUTBOX, []).append(pending)
    return pending


def once_after_handlers(session: Session, key: str, action: Callable[[Session], None]) -> None:
    """Run `action(session)` once, after every handler of this transaction's events ran (before COMMIT).

    For a handler whose work does not grow with the number of events: a member's erasure
    deletes hundreds of posts in one transaction, and search's index merge after a withdrawal
    costs the whole index each time it runs. `action` must not publish events.
    """
    session.info.setdefault(AFTER_HANDLERS, {})[key] = action


def on_commit(listener: CommitListener) -> CommitListener:
    """Call `listener(events)` after each commit that appended events (in this process)."""
    if listener not in _commit_listeners:
        _commit_listeners.append(listener)
    return listener


def remove_commit_listener(listener: CommitListener) -> None:
    """Stop calling `listener` after commits."""
    if listener in _commit_listeners:
        _commit_listeners.remove(listener)


def on_redaction(listener: RedactionListener) -> RedactionListener:
    """Call `listener({event id: redacted data})` after each commit that redacted stored events."""
    if listener not in _redaction_listeners:
        _redaction_listeners.append(listener)
    return listener


def remove_redaction_listener(listener: RedactionListener) -> None:
    """Stop calling `listener` after redactions."""
    if listener in _redaction_listeners:
        _redaction_listeners.remove(listener)


# Built once: statements are immutable, and building one per publish cost more than running it.
_SELECT_EPOCH = select(LogMeta.epoch).where(LogMeta.id == 1)
_ROW_PARAMETERS = (
    bindparam("topic", type_=String()),
    bindparam("type", type_=String()),
    bindparam("occurred_at", type_=DateTime()),
    bindparam("actor_id", type_=Integer()),
    bindparam("actor_name", type_=String()),
    bindparam("data", type_=JSON()),
)
_ROW_COLUMNS = ("topic", "type", "occurred_at", "actor_id", "actor_name", "data")
_INSERT_NUMBERED_EVENTS = insert(EVENT_LOG)
_INSERT_TOPICS = insert(EVENT_TOPIC)

# SQLite: the next id is above both the newest row and the retention watermark, so that a log
# pruned to empty does not hand out ids again (a plain INTEGER PRIMARY KEY would take max + 1).
# Both are index lookups; AUTOINCREMENT instead wrote `sqlite_sequence` on every append. Only
# one writer at a time (BEGIN IMMEDIATE), so no other transaction can take the same id.
_META = cast(Table, LogMeta.__table__)
_NEXT_SQLITE_ID = (
    select(func.max(func.coalesce(select(func.max(EVENT_LOG.c.id)).scalar_subquery(), 0), _META.c.pruned_through) + 1)
    .where(_META.c.id == 1)
    .scalar_subquery()
)
# The new id is the row's rowid: `lastrowid` reads it without the cost of a RETURNING result.
_SQLITE_INSERT_EVENT = insert(EVENT_LOG).values(id=_NEXT_SQLITE_ID)
_SQLITE_FIRST_ID = select(_NEXT_SQLITE_ID)


class _SQLiteStatement:
    """A Core statement compiled once for SQLite and run on the DBAPI connection.

    Every REST write appends its event this way: Core's per-statement work (execution context,
    compiled-cache lookup, parameter processing, result) cost ~30 µs of a one-event transaction's
    ~130, more than SQLite's own insert. The SQL is what SQLAlchemy renders for the statement and
    the values go through the columns' own bind processors, so the rows are stored exactly as Core
    stores them (and read back by the same types).
    """

    def __init__(self, statement: ClauseElement, table: Table, keys: tuple[str, ...], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = compiled.string
        # Per placeholder: (the row's key, the column's bind processor or None), or (None, a constant).
        slots: list[tuple[str | None, Any]] = []
        for name in getattr(compiled, "positiontup", None) or ():
            if name in keys:
                slots.append((name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)))
            else:
                slots.append((None, compiled.params[name]))
        self._slots = tuple(slots)

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """`row`'s values in the statement's order, processed as Core would."""
        return tuple(
            given if key is None else given(row[key]) if given is not None else row[key] for key, given in self._slots
        )


class _SQLiteAppender:
    """The log's inserts on SQLite (one per database: `session.info[SHARED]`)."""

    def __init__(self, dialect: Dialect) -> None:
        self._one = _SQLiteStatement(_SQLITE_INSERT_EVENT, EVENT_LOG, _ROW_COLUMNS, dialect)
        self._many = _SQLiteStatement(_INSERT_NUMBERED_EVENTS, EVENT_LOG, ("id", *_ROW_COLUMNS), dialect)
        self._first_id = _SQLiteStatement(_SQLITE_FIRST_ID, EVENT_LOG, (), dialect)
        self._topics = _SQLiteStatement(_INSERT_TOPICS, EVENT_TOPIC, ("topic", "event_id"), dialect)

    def events(self, connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
        """Insert `rows` into the log; their new ids, increasing."""
        raw = _dbapi(connection)
        if len(rows) == 1:
            # One statement draws the id and writes the row.
            return [int(_run(raw, self._one, self._one.parameters(rows[0])).lastrowid)]
        first = int(_run(raw, self._first_id, self._first_id.parameters({})).fetchone()[0])
        ids = list(range(first, first + len(rows)))
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        _run(raw, self._many, [self._many.parameters(row) for row in rows], many=True)
        return ids

    def topics(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert the routing rows of events' further topics."""
        _run(_dbapi(connection), self._topics, [self._topics.parameters(row) for row in rows], many=True)


def _dbapi(connection: Connection) -> sqlite3.Connection:
    return cast(sqlite3.Connection, connection.connection.dbapi_connection)


def _run(raw: sqlite3.Connection, statement: _SQLiteStatement, parameters: Any, *, many: bool = False) -> Any:
    try:
        return raw.executemany(statement.sql, parameters) if many else raw.execute(statement.sql, parameters)
    except sqlite3.Error as exc:
        # Wrapped as Core would (an OperationalError is answered 503, an IntegrityError 409 ...).
        raise DBAPIError.instance(statement.sql, parameters, exc, sqlite3.Error) from exc


def _sqlite_appender(session: Session) -> _SQLiteAppender:
    shared: dict[str, Any] = session.info.get(SHARED, {})
    appender = shared.get("sqlite_appender")
    if appender is None:
        appender = shared["sqlite_appender"] = _SQLiteAppender(session.connection().dialect)
    return cast(_SQLiteAppender, appender)


# PostgreSQL: the commit-order lock and the id(s) in one statement. The CTE is MATERIALIZED so
# the lock is taken before the outer query draws from the sequence (the row that nextval is
# computed for comes out of the CTE, and an inlined subquery could be flattened into one list).
_ORDER_LOCK_CTE = (
    select(func.pg_advisory_xact_lock(COMMIT_ORDER_LOCK).label("locked"))
    .cte("commit_order")
    .prefix_with("MATERIALIZED")
)
_PG_INSERT_EVENT = (
    insert(EVENT_LOG)
    .from_select(list(_ROW_COLUMNS), select(*_ROW_PARAMETERS).select_from(_ORDER_LOCK_CTE))
    .returning(EVENT_LOG.c.id)
)
_ID_SEQUENCE = text("SELECT pg_get_serial_sequence('event_log', 'id')")
_PG_DRAW_IDS = select(func.nextval(bindparam("sequence").cast(REGCLASS))).select_from(
    _ORDER_LOCK_CTE, func.generate_series(1, bindparam("count", type_=Integer))
)


def read_epoch(session: Session) -> str:
    """The epoch of the log this session writes to."""
    shared: dict[str, Any] | None = session.info.get(SHARED)
    epoch = shared.get("epoch") if shared is not None else None
    if epoch is None:
        # Core on the session's connection, not session.scalar(): the ORM's statement handling
        # cost more than the query. The epoch is written once (init_log), so it is read once.
        epoch = session.connection().execute(_SELECT_EPOCH).scalar()
        if epoch is None:
            raise RuntimeError("the event log is not initialised: run `flask dialog migrate`")
        if shared is not None:
            shared["epoch"] = epoch
    return str(epoch)


def take_commit_order_lock(session: Session) -> None:
    """Serialise this process's appending transactions until their commit listeners have run.

    The database's lock (PostgreSQL) is taken by the statement that draws the ids
    (`_PG_INSERT_EVENT`, `_PG_DRAW_IDS`); SQLite is serial already.
    """
    if not session.info.get(HOLDS_ORDER):
        _notify_order.acquire()
        session.info[HOLDS_ORDER] = True


def _append(session: Session) -> None:
    pending: list[Event] = session.info.pop(OUTBOX, [])
    if not pending:
        _run_after_handlers(session)
        return
    # The caller's changes go first, before the commit-order lock (keeps the lock short), and so
    # handlers reading with Core on the connection (not autoflushing ORM queries) see them.
    session.flush()
    take_commit_order_lock(session)
    epoch = read_epoch(session)
    # Core statements on the session's connection (not ORM bulk inserts, not session.execute):
    # the same SQL in the same transaction, without the ORM's per-statement and per-row
    # bookkeeping, which cost more than the database work. On SQLite even Core's cost more
    # (`_SQLiteStatement`).
    connection = session.connection()
    sqlite = None if connection.dialect.name == "postgresql" else _sqlite_appender(session)
    committed: list[Event] = session.info.setdefault(COMMITTED, [])
    while pending:
        rows = [
            {
                "topic": ev.topic,
                "type": ev.type,
                "occurred_at": ev.occurred_at,
                "actor_id": ev.actor.id if ev.actor else None,
                "actor_name": ev.actor.name if ev.actor else None,
                "data": ev.data,
            }
            for ev in pending
        ]
        if sqlite is not None:
            ids = sqlite.events(connection, rows)
        elif len(rows) == 1:
            # One statement: the lock, the id and the row.
            ids = [connection.execute(_PG_INSERT_EVENT, rows[0]).scalar_one()]
        else:
            # The ids first, then a plain executemany (psycopg pipelines it): INSERT … RETURNING
            # of many rows becomes one huge VALUES statement to parse anew.
            ids = _draw_ids(session, len(rows))
            for row, new_id in zip(rows, ids, strict=True):
                row["id"] = new_id
            connection.execute(_INSERT_NUMBERED_EVENTS, rows)
        topic_rows: list[dict[str, Any]] = []
        for ev, new_id in zip(pending, ids, strict=True):
            ev.id, ev.epoch = new_id, epoch
            # The primary topic is the row's own column: only the others get a routing row.
            topic_rows.extend({"topic": t, "event_id": new_id} for t in ev.topics if t != ev.topic)
        if topic_rows:
            if sqlite is not None:
                sqlite.topics(connection, topic_rows)
            else:
                connection.execute(_INSERT_TOPICS, topic_rows)
        committed.extend(pending)
        # Handlers run in this same transaction: a reaction commits with its cause or not at all.
        for ev in pending:
            for handler in registry.handlers_for(ev.type):
                handler(session, ev)
        pending = session.info.pop(OUTBOX, [])
    _run_after_handlers(session)


def _run_after_handlers(session: Session) -> None:
    for action in session.info.pop(AFTER_HANDLERS, {}).values():
        action(session)


def _draw_ids(session: Session, count: int) -> list[int]:
    """`count` new event ids from the log's sequence, increasing (PostgreSQL).

    Drawn under the commit-order lock (taken by the same statement), like the ids
    INSERT … RETURNING would take, so they are still increasing in commit order across transactions.
    """
    connection = session.connection()
    shared: dict[str, Any] = session.info.get(SHARED, {})
    sequence = shared.get("id_sequence")
    if sequence is None:
        sequence = shared["id_sequence"] = connection.execute(_ID_SEQUENCE).scalar_one()
    return sorted(connection.execute(_PG_DRAW_IDS, {"sequence": sequence, "count": count}).scalars())


def _after_commit(session: Session) -> None:
    committed: list[Event] = session.info.pop(COMMITTED, [])
    redacted: dict[int, dict[str, Any]] = session.info.pop(REDACTED_IN_TRANSACTION, {})
    try:
        # Redactions first: a listener that is about to push must not push what was withdrawn.
        if redacted:
            for redaction_listener in list(_redaction_listeners):
                redaction_listener(redacted)
        if committed:
            for listener in list(_commit_listeners):
                listener(committed)
            shared: dict[str, Any] = session.info.get(SHARED, {})
            for listener in list(shared.get(COMMIT_LISTENERS, ())):
                listener(committed)
    finally:
        _release_order(session)


def _after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX, None)
    session.info.pop(COMMITTED, None)
    session.info.pop(REDACTED_IN_TRANSACTION, None)
    session.info.pop(AFTER_HANDLERS, None)
    _release_order(session)


def _release_order(session: Session) -> None:
    if session.info.pop(HOLDS_ORDER, False):
        _notify_order.release()


def install(factory: sessionmaker[Session]) -> None:
    """Attach the outbox to every session made by `factory` (once per factory)."""
    # A marker on the factory itself, not `event.contains()`: SQLAlchemy's event registry keys by
    # id(), and a new factory that reuses a garbage-collected one's address could be taken as
    # already installed, silently publishing nothing (seen as rare flaky test failures).
    if getattr(factory, "_dialog_outbox_installed", False):
        return
    factory._dialog_outbox_installed = True  # type: ignore[attr-defined]
    sa_event.listen(factory, "before_commit", _append)
    sa_event.listen(factory, "after_commit", _after_commit)
    sa_event.listen(factory, "after_rollback", _after_rollback)
