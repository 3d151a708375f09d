"""Integration fixtures: a throwaway PostgreSQL server for the session, a fresh database per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from events import Database, init_log
from tests.support.servers import Postgres, start_postgres

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One PostgreSQL server for the whole session."""
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    yield server
    server.remove()


@pytest.fixture
def pg_database(postgres: Postgres) -> Iterator[Database]:
    """A fresh PostgreSQL database with every table and an initialised event log."""
    db = Database()
    db.configure(postgres.create_database(f"unit_{next(_names)}"))
    db.create_all()
    with db.write() as session:
        init_log(session)
    yield db
    db.dispose()
