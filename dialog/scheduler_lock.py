"""Only one scheduler works at a time across the deployment; the others wait and take over.

On PostgreSQL the lock is a session advisory lock held on a dedicated autocommit connection:
PostgreSQL releases it the moment the holder's connection ends, so a killed scheduler is
replaced at the next tick of a waiting one. On SQLite (one machine by definition) it is an
exclusive `flock` on a file in the instance directory, released by the kernel when the
process dies. Correctness never depends on the lock (every transition is claimed by a
conditional UPDATE); the lock keeps the other schedulers idle instead of racing.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

SCHEDULER_LOCK_KEY = 0x5C1D5C4E
log = logging.getLogger("dialog.scheduler")


class SchedulerLock:
    """Try-lock checked before every tick: `held()` is True while this process is the scheduler."""

    def __init__(self, engine: Engine, instance_path: str) -> None:
        self.engine = engine
        self.lock_file = Path(instance_path) / "scheduler.lock"
        self._connection: Connection | None = None
        self._file: IO[str] | None = None
        self._state = "starting"  # -> "holding" / "waiting"; logged on every change

    def held(self) -> bool:
        """Whether this process holds the lock now, taking it if it is free."""
        holds = self._held_postgres() if self.engine.dialect.name == "postgresql" else self._held_file()
        state = "holding" if holds else "waiting"
        if state != self._state:
            if holds:
                log.info("scheduler lock acquired (pid %s): this process is the scheduler", os.getpid())
            else:
                log.info("another scheduler holds the lock (pid %s waits to take over)", os.getpid())
            self._state = state
        return holds

    def _held_postgres(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection died, and the lock with it
                self._drop_connection()
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK_KEY}).scalar()
        except Exception:
            log.exception("cannot reach the database for the scheduler lock")
            return False
        if taken:
            self._connection = connection
            return True
        connection.close()
        return False

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
            finally:
                self._connection = None

    def _held_file(self) -> bool:
        if self._file is not None:
            return True
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_file, "a+")  # noqa: SIM115 - kept open while we hold the lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        """Give the lock up (on shutdown)."""
        self._drop_connection()
        if self._file is not None:
            self._file.close()
            self._file = None
