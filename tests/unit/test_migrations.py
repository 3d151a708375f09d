"""Migrations on a real SQLite file: the event log rebuilt (AUTOINCREMENT in 0007, lean in 0013) keeps its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config

from dialog.cli import MIGRATIONS


def _config(path: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    return config


def _seed_log(path: Path, *, pruned_through: int, ids: list[int]) -> None:
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO event_log_meta VALUES (1, 'cafe0001', ?, '2021-01-01 00:00:00')", (pruned_through,))
        for event_id in ids:
            db.execute(
                "INSERT INTO event_log (id, topic, type, occurred_at, data) VALUES (?, 'news', 'news.published', "
                "'2021-01-01 00:00:00', ?)",
                (event_id, f'{{"news_id": {event_id}}}'),
            )
            db.execute("INSERT INTO event_topic VALUES ('news', ?), ('project.1', ?)", (event_id, event_id))


def _append(path: Path) -> int:
    with sqlite3.connect(path) as db:
        cursor = db.execute(
            "INSERT INTO event_log (topic, type, occurred_at, data) VALUES ('news', 'x.y', '2021-01-02 00:00:00', '{}')"
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


def test_the_rebuilt_log_keeps_rows_topics_and_cascade_and_never_reuses_ids(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    command.upgrade(_config(path), "0006")
    _seed_log(path, pruned_through=3, ids=[4, 5, 9])
    command.upgrade(_config(path), "0011")  # the last revision with AUTOINCREMENT (0013 draws ids itself)
    with sqlite3.connect(path) as db:
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'event_log'").fetchone()[0]
        assert "AUTOINCREMENT" in sql
        assert db.execute("SELECT id, data FROM event_log ORDER BY id").fetchall() == [
            (4, '{"news_id": 4}'),
            (5, '{"news_id": 5}'),
            (9, '{"news_id": 9}'),
        ]
        assert db.execute("SELECT count(*) FROM event_topic").fetchone() == (6,)
        indexes = {row[1] for row in db.execute("PRAGMA index_list(event_log)")}
        assert {"ix_event_log_occurred_at", "ix_event_log_type"} <= indexes
        assert {row[1] for row in db.execute("PRAGMA index_list(event_topic)")} >= {"ix_event_topic_event_id"}
        db.execute("PRAGMA foreign_keys=ON")
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        # Pruning everything (the CASCADE still works), then appending: the id goes on from 9.
        db.execute("DELETE FROM event_log")
        assert db.execute("SELECT count(*) FROM event_topic").fetchone() == (0,)
    assert _append(path) == 10


def test_a_log_already_pruned_to_empty_continues_above_the_watermark(tmp_path: Path) -> None:
    path = tmp_path / "pruned.sqlite3"
    command.upgrade(_config(path), "0006")
    _seed_log(path, pruned_through=41, ids=[])
    command.upgrade(_config(path), "0011")
    assert _append(path) == 42


def _table_sql(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT sql FROM sqlite_master WHERE name = 'event_log'").fetchone()[0])


def _routes(path: Path) -> set[tuple[str, int]]:
    with sqlite3.connect(path) as db:
        return set(db.execute("SELECT topic, event_id FROM event_topic"))


def test_0013_keeps_only_other_topics_replays_the_same_and_goes_back(tmp_path: Path) -> None:
    from datetime import timedelta

    from events import Database, prune, publish, read_page, utcnow
    from tests.support.news import news_published

    path = tmp_path / "lean.sqlite3"
    command.upgrade(_config(path), "0011")
    _seed_log(path, pruned_through=3, ids=[4, 5, 9])  # each on "news", and "project.1" besides
    before = _routes(path)
    command.upgrade(_config(path), "head")
    assert "AUTOINCREMENT" not in _table_sql(path)
    with sqlite3.connect(path) as db:
        assert {row[1] for row in db.execute("PRAGMA index_list(event_log)")} == {"ix_event_log_topic"}
        assert db.execute("SELECT count(*) FROM event_log").fetchone() == (3,)
    assert _routes(path) == {("project.1", 4), ("project.1", 5), ("project.1", 9)}
    command.downgrade(_config(path), "0011")
    assert _routes(path) == before  # the primary topics' rows are back
    command.upgrade(_config(path), "head")

    db = Database()
    db.configure(f"sqlite:///{path}")
    try:
        with db.read() as session:
            for topics in (["news"], ["project.1"], ["news", "project.1"]):
                assert [e.id for e in read_page(session, 0, topics, limit=10)] == [4, 5, 9]
            routed = read_page(session, 0, None, limit=10, with_topics=True)
            assert [(e.id, e.topics) for e in routed] == [(i, ("news", "project.1")) for i in (4, 5, 9)]
        # Pruned to empty, the log goes on above its highest id, without sqlite_sequence.
        with db.write() as session:
            assert prune(session, utcnow() + timedelta(days=1)) == 9
        with db.write() as session:
            new = publish(session, news_published(10), topic="news", extra_topics=["project.2"])
        assert new.id == 10
        with db.read() as session:
            assert [e.id for e in read_page(session, 9, ["project.2"], limit=10)] == [10]
    finally:
        db.dispose()

    command.downgrade(_config(path), "0011")
    assert _routes(path) == {("news", 10), ("project.2", 10)}
    assert "AUTOINCREMENT" in _table_sql(path)
    with sqlite3.connect(path) as db_file:
        indexes = {r[1] for r in db_file.execute("PRAGMA index_list(event_log)")}
        assert {"ix_event_log_type", "ix_event_log_occurred_at"} <= indexes
    assert _append(path) == 11
