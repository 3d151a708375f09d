"""Migrations on a real SQLite file: the event log is rebuilt with AUTOINCREMENT, keeping its rows."""

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
    command.upgrade(_config(path), "head")
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
    command.upgrade(_config(path), "head")
    assert _append(path) == 42
