"""The database layer shared by every service: declarative base, engine set-up, units of work."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.base import OptionEngine, RootTransaction
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Key of a dict every session of one `Database` shares through `session.info` (the factories hand
# the same dict to each session): facts about that database that never change once read, such as
# the event log's epoch (written once by `init_log`, never updated).
SHARED = "events.shared"
# In that dict: the listeners of commits on this database only (see `Database.on_commit`).
COMMIT_LISTENERS = "events.commit_listeners"


class Base(DeclarativeBase):
    """Declarative base for every table; one metadata so Alembic sees the whole schema."""

    metadata = MetaData(naming_convention=NAMING)


def _configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave for a multi-threaded server: WAL, foreign keys, waiting writers."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to `_SQLiteConnection` below (pysqlite's own is broken).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(_WAIT_PRAGMA)
        # Redaction rewrites events to drop withdrawn text (events/redaction.py). Without this,
        # SQLite only marks the old bytes free: the text would linger in the page's free space
        # and in free pages of the file until reused. secure_delete overwrites them with zeros.
        # (The WAL file holds old page images until a checkpoint; checkpoints run all the time.)
        cursor.execute("PRAGMA secure_delete=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # BEGIN is issued by the engine's Connection class below, not by a "begin" listener: one
    # Connection event listener makes SQLAlchemy dispatch every Connection event (connect, begin,
    # before/after execute, commit) on every transaction, ~17 µs of CPU per one-insert transaction.
    engine._connection_cls = _SQLiteConnection  # type: ignore[misc]
    engine._option_cls = _SQLiteOptionEngine  # type: ignore[misc]


class _SQLiteConnection(Connection):
    """A Connection that begins its transactions itself (pysqlite's own handling is broken)."""

    def _begin_impl(self, transaction: RootTransaction) -> None:
        super()._begin_impl(transaction)  # logging and any listeners; the dialect's own BEGIN is a no-op
        raw: sqlite3.Connection = self.connection.dbapi_connection  # type: ignore[assignment]
        try:
            # Writers take the write lock up front: two deferred transactions that both read and
            # then write would otherwise deadlock, and SQLite fails one without waiting.
            if self._execution_options.get("sqlite_immediate", False):
                _begin_immediate(raw)
            else:
                raw.execute("BEGIN")
        except sqlite3.Error as exc:
            self._handle_dbapi_exception(exc, None, None, None, None)


class _SQLiteOptionEngine(OptionEngine):
    """`engine.execution_options(...)` of a SQLite engine: connections that begin themselves too."""

    _connection_cls = _SQLiteConnection


_SQLiteOptionEngine._option_cls = _SQLiteOptionEngine


# How long a writer waits for another connection's write lock before it fails (as busy_timeout).
WRITE_LOCK_WAIT_SECONDS = 30.0
_WAIT_PRAGMA = f"PRAGMA busy_timeout={int(WRITE_LOCK_WAIT_SECONDS * 1000)}"


def _begin_immediate(raw: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting for another writer's lock in Python rather than in SQLite.

    SQLite's own busy handler sleeps inside the C call: under gevent that blocks the whole worker
    (every request, every live socket) for as long as another process (the scheduler, the CLI, a
    second worker) holds the write lock. `time.sleep` is cooperative under gevent (the worker
    monkey-patches it) and an ordinary sleep in threads, so here only the writer waits.
    """
    deadline = time.monotonic() + WRITE_LOCK_WAIT_SECONDS
    delay = 0.001
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    finally:
        # Statements inside a transaction rarely meet a lock in WAL mode; they keep SQLite's wait.
        raw.execute(_WAIT_PRAGMA)


class Database:
    """Owns the engine and hands out sessions: `write()` commits, `read()` never does."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._writer: sessionmaker[Session] | None = None
        self._reader: sessionmaker[Session] | None = None
        self._commit_listeners: list[Callable[[list[Any]], None]] = []

    def configure(self, url: str, *, echo: bool = False) -> None:
        """Create the engine for `url` (SQLite gets the pragmas a threaded server needs)."""
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
                kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_pre_ping"] = True
        self.dispose()
        engine = create_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        self.engine = engine
        writer_bind = engine.execution_options(sqlite_immediate=True)
        shared: dict[str, Any] = {COMMIT_LISTENERS: self._commit_listeners}
        self._writer = sessionmaker(bind=writer_bind, expire_on_commit=False, info={SHARED: shared})
        self._reader = sessionmaker(bind=engine, expire_on_commit=False, info={SHARED: shared})
        from events import outbox  # local: outbox imports models which import this module

        outbox.install(self._writer)

    def on_commit(self, listener: Callable[[list[Any]], None]) -> None:
        """Call `listener(events)` after each commit on this database (in this process) that appended events.

        Unlike `events.on_commit`, which hears every database of the process, the events are
        known to be in this database's log (the relay pushes them without reading them back).
        """
        if listener not in self._commit_listeners:
            self._commit_listeners.append(listener)

    def remove_commit_listener(self, listener: Callable[[list[Any]], None]) -> None:
        """Stop calling `listener` after this database's commits."""
        if listener in self._commit_listeners:
            self._commit_listeners.remove(listener)

    @property
    def dialect(self) -> str:
        """Name of the SQL dialect in use ("sqlite", "postgresql")."""
        assert self.engine is not None, "Database.configure() was not called"
        return self.engine.dialect.name

    def dispose(self) -> None:
        """Close every pooled connection."""
        if self.engine is not None:
            self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work: commits on success (publishing its events), rolls back on error."""
        assert self._writer is not None, "Database.configure() was not called"
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; closing it ends its transaction but keeps loaded objects usable."""
        assert self._reader is not None, "Database.configure() was not called"
        with self._reader() as session:
            yield session

    def create_all(self) -> None:
        """Create every table directly (unit tests; the app itself runs Alembic migrations)."""
        assert self.engine is not None
        Base.metadata.create_all(self.engine)
