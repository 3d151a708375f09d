"""The search index's schema on SQLite and PostgreSQL: the migration builds what the models build,
comes back down cleanly, and `flask dialog migrate` indexes content written before search existed."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from events import ANONYMOUS, Database
from services.search import search
from tests.support.servers import Postgres

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A factory of URLs of new, empty databases of one kind."""
    if request.param == "sqlite":
        yield lambda: f"sqlite:///{tmp_path / f'db{next(_names)}.sqlite3'}"
    else:
        postgres: Postgres = request.getfixturevalue("postgres")
        yield lambda: postgres.create_database(f"search_schema_{next(_names)}")


def _alembic(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "dialog" / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _full_text_part(url: str) -> dict[str, Any]:
    """What the index adds beyond plain tables, as the database describes it."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = connection.execute(
                    sa.text(
                        "SELECT type, name, sql FROM sqlite_master"
                        " WHERE name LIKE 'search_fts%' OR (type = 'trigger' AND name LIKE 'search_entry_%')"
                    )
                )
                return {"objects": sorted((t, n, " ".join((s or "").split())) for t, n, s in rows)}
            column = connection.execute(
                sa.text(
                    "SELECT generation_expression FROM information_schema.columns"
                    " WHERE table_name = 'search_entry' AND column_name = 'search_vector'"
                )
            ).scalar()
            index = connection.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_entry_search_vector'")
            ).scalar()
            configs = connection.execute(sa.text("SELECT cfgname FROM pg_ts_config WHERE cfgname LIKE 'dialog_%'"))
            stems = {
                config: connection.execute(
                    sa.text("SELECT to_tsvector(CAST(:config AS regconfig), 'die Förderaufrufe der cities')::text"),
                    {"config": config},
                ).scalar()
                for config in sorted(configs.scalars())
            }
            return {"column": column, "index": index, "stems": stems}
    finally:
        engine.dispose()


def test_the_migration_builds_the_full_text_part_the_models_build(new_url: Any) -> None:
    by_models, by_migration = new_url(), new_url()
    db = Database()
    db.configure(by_models)
    db.create_all()
    db.dispose()
    command.upgrade(_alembic(by_migration), "head")
    expected = _full_text_part(by_models)
    assert _full_text_part(by_migration) == expected
    assert expected != {"objects": []} and expected.get("column") != ""
    if "stems" in expected:  # stop words are kept: every word counts, as on SQLite
        assert expected["stems"]["dialog_german"] == "'citi':4 'der':3 'die':1 'forderaufruf':2"

    command.downgrade(_alembic(by_migration), "0004")
    assert _full_text_part(by_migration) in ({"objects": []}, {"column": None, "index": None, "stems": {}})
    command.upgrade(_alembic(by_migration), "head")
    assert _full_text_part(by_migration) == expected


def _flask(url: str, instance: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALOG_")}
    env.update(DIALOG_DATABASE_URL=url, DIALOG_INSTANCE_PATH=str(instance), DIALOG_EMBEDDED_SCHEDULER="0")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "dialog", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_migrate_indexes_what_was_written_before_search(new_url: Any, tmp_path: Path) -> None:
    url = new_url()
    command.upgrade(_alembic(url), "0004")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO news_item (title, body, tags, tag_index, space, status, created_at, published_at)"
                " VALUES (:title, :body, '[]', '', 'national', 'published', :at, :at)"
            ),
            {
                "title": '{"de": "Alte Nachricht über Straßenbahnen"}',
                "body": '{"de": "<p>Text</p>"}',
                "at": "2021-01-04",
            },
        )
    engine.dispose()
    assert "newest migration" in _flask(url, tmp_path, "migrate")
    db = Database()
    db.configure(url)
    try:
        with db.read() as session:
            hits, total, _bounded = search(session, ANONYMOUS, q="Strassenbahn", limit=5)
        assert total == 1 and hits[0].title == "Alte Nachricht über Straßenbahnen"
    finally:
        db.dispose()
    assert "news 1" in _flask(url, tmp_path, "reindex")
