"""Fixtures: a real database with the real bus for unit tests; live servers for end-to-end tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

import services
from events import Database, init_log
from tests.support.server import LiveServer
from tests.support.servers import Postgres, start_postgres

services.load_all()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A fresh SQLite file database with every table and an initialised event log."""
    db = Database()
    db.configure(f"sqlite:///{tmp_path / 'unit.sqlite3'}")
    db.create_all()
    with db.write() as session:
        init_log(session)
    services.bind_database(db)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One throwaway PostgreSQL server for the whole session (started by the first test that needs it)."""
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    yield server
    server.remove()


_pg_names = itertools.count(1)


@pytest.fixture
def pg_database(postgres: Postgres) -> Iterator[Database]:
    """A fresh PostgreSQL database with every table and an initialised event log."""
    db = Database()
    db.configure(postgres.create_database(f"unit_{next(_pg_names)}"))
    db.create_all()
    with db.write() as session:
        init_log(session)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest) -> Database:
    """The same test on a fresh SQLite and a fresh PostgreSQL database (services bound to it)."""
    db: Database = request.getfixturevalue("database" if request.param == "sqlite" else "pg_database")
    services.bind_database(db)
    return db


def start_server(tmp_path_factory: pytest.TempPathFactory, **settings: str) -> LiveServer:
    """A migrated, seeded, running server with `settings` as DIALOG_* environment variables."""
    server = LiveServer(tmp_path_factory.mktemp("server"), settings)
    server.prepare()
    return server.start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server shared by the tests of a module."""
    live = start_server(tmp_path_factory, DIALOG_SSE_HEARTBEAT_SECONDS="1", DIALOG_MAX_BODY_BYTES="65536")
    yield live
    live.stop()
