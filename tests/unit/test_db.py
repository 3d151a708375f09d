"""The SQLite engine's transactions: who takes the write lock, and what each one costs."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

import events.db
from events import Database


def _other_writer_is_locked_out(db: Database) -> bool:
    path = db.engine.url.database if db.engine is not None else None
    assert path
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert exc.sqlite_errorcode == sqlite3.SQLITE_BUSY
        return True
    finally:
        other.close()
    return False


def test_the_engine_dispatches_no_connection_events(database: Database) -> None:
    # One Connection listener makes SQLAlchemy dispatch every Connection event of every transaction.
    assert database.engine is not None
    assert not database.engine._has_events
    with database.write() as session:
        session.connection()
        assert not session.connection()._has_events


def test_a_write_session_holds_the_write_lock_from_its_first_read(database: Database) -> None:
    with database.write() as session:
        session.execute(text("SELECT 1"))
        assert session.connection().connection.driver_connection.in_transaction
        assert _other_writer_is_locked_out(database)
    assert not _other_writer_is_locked_out(database)


@pytest.mark.parametrize("options", [{}, {"logging_token": "x"}])
def test_reads_and_derived_engines_run_in_a_deferred_transaction(database: Database, options: dict[str, str]) -> None:
    with database.read() as session:
        session.execute(text("SELECT 1"))
        assert session.connection().connection.driver_connection.in_transaction
        assert not _other_writer_is_locked_out(database)
    assert database.engine is not None
    with database.engine.execution_options(**options).begin() as connection:
        connection.execute(text("SELECT count(*) FROM event_log"))
        assert connection.connection.driver_connection.in_transaction
        assert not _other_writer_is_locked_out(database)


def test_a_writer_that_waited_out_the_lock_fails_as_database_unavailable(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLAlchemy's OperationalError is what the app answers 503 / `unavailable` to (dialog/errors.py).
    monkeypatch.setattr(events.db, "WRITE_LOCK_WAIT_SECONDS", 0.05)
    assert database.engine is not None and database.engine.url.database
    other = sqlite3.connect(database.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sa_exc.OperationalError), database.write() as session:
            session.execute(text("SELECT 1"))
    finally:
        other.close()
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
