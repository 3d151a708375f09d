"""Fixtures: a real database with the real bus for unit tests; the app behind Flask's test client
for fast HTTP tests; live servers for end-to-end tests."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

import services
from dialog import create_app, demo
from dialog.cli import migrate_database
from dialog.extensions import db as app_db
from events import Database, Event, init_log, on_commit
from events.outbox import remove_commit_listener
from services.audit import AuditEntry
from services.identity import use_hashing
from tests.support.server import TEST_HASHING, LiveServer
from tests.support.servers import IN_CI, Postgres, ServerUnavailable, start_postgres
from tests.support.world import World, build_world

services.load_all()
# The cheapest argon2 in this process and every app, CLI and server it starts (the strong default
# is tested in tests/unit/test_identity.py); set before any app reads its settings.
os.environ.setdefault("DIALOG_PASSWORD_HASHING", TEST_HASHING)
use_hashing(os.environ["DIALOG_PASSWORD_HASHING"])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A throwaway server the machine cannot run (tools/servers.py) skips the test, except under CI."""
    report: pytest.TestReport = yield
    if call.excinfo is not None and call.excinfo.errisinstance(ServerUnavailable) and not IN_CI:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
    return report


def _new_log(url: str) -> None:
    db = Database()
    db.configure(url)
    db.create_all()
    with db.write() as session:
        init_log(session)
    db.dispose()


@pytest.fixture(scope="session")
def _empty_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every table and an initialised event log, made once: tests get copies."""
    # Creating the tables costs a test ~20 times what copying the file does.
    path = tmp_path_factory.mktemp("empty") / "unit.sqlite3"
    _new_log(f"sqlite:///{path}")
    return path


@pytest.fixture
def database(tmp_path: Path, _empty_sqlite: Path) -> Iterator[Database]:
    """A fresh SQLite file database with every table and an initialised event log."""
    path = tmp_path / "unit.sqlite3"
    shutil.copyfile(_empty_sqlite, path)
    db = Database()
    db.configure(f"sqlite:///{path}")
    services.bind_database(db)
    yield db
    db.dispose()


@pytest.fixture
def world(database: Database) -> World:
    """Members of every role and spaces of every visibility (tests/support/world.py); the audit log
    starts empty (the setup's admin actions, such as adding members to the network, are not under test)."""
    with database.write() as session:
        built = build_world(session)
    with database.write() as session:  # after the commit that recorded them
        session.execute(delete(AuditEntry))
    return built


@pytest.fixture
def published() -> Iterator[list[Event]]:
    """Every event committed while the test runs, in commit order, as this process saw it."""
    seen: list[Event] = []
    listener = on_commit(seen.extend)
    yield seen
    remove_commit_listener(listener)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One throwaway PostgreSQL server for the whole session (started by the first test that needs it)."""
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    yield server
    server.remove()


_pg_names = itertools.count(1)


@pytest.fixture(scope="session")
def _empty_postgres(postgres: Postgres) -> str:
    """The name of a PostgreSQL database with every table and an initialised log: the template of the others."""
    _new_log(postgres.create_database("unit_template"))
    return "unit_template"


@pytest.fixture
def pg_database(postgres: Postgres, _empty_postgres: str) -> Iterator[Database]:
    """A fresh PostgreSQL database with every table and an initialised event log."""
    db = Database()
    db.configure(postgres.create_database(f"unit_{next(_pg_names)}", template=_empty_postgres))
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest) -> Database:
    """The same test on a fresh SQLite and a fresh PostgreSQL database (services bound to it)."""
    db: Database = request.getfixturevalue("database" if request.param == "sqlite" else "pg_database")
    services.bind_database(db)
    return db


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on a fresh migrated SQLite database with the demo data (no live server).

    The relay is not started (nothing is pushed) and long-polls do not wait: for request/response
    tests through `app.test_client()`.
    """
    instance = tmp_path_factory.mktemp("app")
    application = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'dialog.sqlite3'}",
            "EMBEDDED_SCHEDULER": False,
            "LONGPOLL_MAX_WAIT": 0,
            "LOG_LEVEL": "WARNING",  # no access line per request; errors (and 500 tracebacks) still show
        }
    )
    with application.app_context():
        migrate_database()
        with app_db.write() as session:
            demo.seed(session)
    yield application
    app_db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`."""
    return app.test_client()


def start_server(tmp_path_factory: pytest.TempPathFactory, *, gunicorn: bool = False, **settings: str) -> LiveServer:
    """A migrated, seeded, running server with `settings` as DIALOG_* environment variables.

    `gunicorn`: served like production (gunicorn, one gevent worker) instead of `flask dialog serve`.
    """
    server = LiveServer(tmp_path_factory.mktemp("gunicorn" if gunicorn else "server"), settings, gunicorn=gunicorn)
    server.prepare()
    return server.start()


@pytest.fixture(scope="session")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Served like production (gunicorn, one gevent worker), default settings, shared by the whole session.

    For tests of how production serving answers requests (malformed, oversized): they change no
    data. A test that counts, prunes or measures the process starts a server of its own.
    """
    live = start_server(tmp_path_factory, gunicorn=True)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server shared by the tests of a module."""
    live = start_server(tmp_path_factory, DIALOG_SSE_HEARTBEAT_SECONDS="1", DIALOG_MAX_BODY_BYTES="65536")
    yield live
    live.stop()
