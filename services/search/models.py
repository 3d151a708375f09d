"""The search index: one row per searchable item and language, and each database's full-text part.

`search_entry` is plain SQL on both databases and holds what a hit shows (title, plain text,
reference) and the words to index (`title_terms`, `body_terms`, made by `text.index_terms`).
The full-text part exists only in the database it is written for, created with the table
(`create_all` in tests) and by the migration:
- SQLite: the FTS5 table `search_fts` over those two columns (external content, kept in step by
  triggers), tokenizer `unicode61 remove_diacritics 2`; the terms are already stemmed.
- PostgreSQL: the generated `tsvector` column `search_vector` (title weight A, text weight B),
  stemmed by `dialog_german` / `dialog_english` (the built-in Snowball configurations without
  stop words, so that every word counts as it does on SQLite), with a GIN index.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Table, Text, UniqueConstraint, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base

FTS_TABLE = "search_fts"
VECTOR_COLUMN = "search_vector"
CONFIGURATIONS = {"de": "dialog_german", "en": "dialog_english"}
MIN_SQLITE = (3, 27, 0)  # FTS5 with `remove_diacritics 2`

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title_terms, body_terms, content='search_entry',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN INSERT INTO {FTS_TABLE}"
    "(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
    f"CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN INSERT INTO {FTS_TABLE}"
    f"({FTS_TABLE}, rowid, title_terms, body_terms) VALUES ('delete', old.id, old.title_terms, old.body_terms); END",
    f"CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN INSERT INTO {FTS_TABLE}"
    f"({FTS_TABLE}, rowid, title_terms, body_terms) VALUES ('delete', old.id, old.title_terms, old.body_terms);"
    f" INSERT INTO {FTS_TABLE}(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


def _configuration_ddl(name: str, language: str) -> tuple[str, ...]:
    return (
        f"CREATE TEXT SEARCH DICTIONARY {name}_stem (TEMPLATE = snowball, Language = {language})",
        f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {language})",
        f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING REPLACE {language}_stem WITH {name}_stem",
    )


_CONFIG_OF_ROW = (
    f"CASE WHEN lang = 'de' THEN '{CONFIGURATIONS['de']}'::regconfig ELSE '{CONFIGURATIONS['en']}'::regconfig END"
)
POSTGRES_DDL = (
    *_configuration_ddl(CONFIGURATIONS["de"], "german"),
    *_configuration_ddl(CONFIGURATIONS["en"], "english"),
    f"ALTER TABLE search_entry ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector({_CONFIG_OF_ROW}, title_terms), 'A') || "
    f"setweight(to_tsvector({_CONFIG_OF_ROW}, body_terms), 'B')) STORED",
    f"CREATE INDEX ix_search_entry_{VECTOR_COLUMN} ON search_entry USING gin ({VECTOR_COLUMN})",
)
POSTGRES_DROP = (
    f"DROP INDEX IF EXISTS ix_search_entry_{VECTOR_COLUMN}",
    f"ALTER TABLE search_entry DROP COLUMN IF EXISTS {VECTOR_COLUMN}",
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in CONFIGURATIONS.values()),
    *(f"DROP TEXT SEARCH DICTIONARY IF EXISTS {name}_stem" for name in CONFIGURATIONS.values()),
)


class SearchEntry(Base):
    """One item (news, call, project, thread, post) in one language, as search finds and shows it."""

    __tablename__ = "search_entry"
    __table_args__ = (UniqueConstraint("kind", "item_id", "lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    item_id: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(2))
    # The forum space of threads and posts (readers of the space see them); None: public.
    space_id: Mapped[int | None] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    ref: Mapped[dict[str, Any]] = mapped_column(JSON)
    title_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")
    # When the item appeared (published, announced, posted): newer first among equal scores.
    occurred_at: Mapped[datetime] = mapped_column(DateTime)


def dialect_ddl(dialect: str) -> tuple[str, ...]:
    """The statements that add the full-text part for `dialect` to an existing `search_entry`."""
    return {"sqlite": SQLITE_DDL, "postgresql": POSTGRES_DDL}.get(dialect, ())


def dialect_drop(dialect: str) -> tuple[str, ...]:
    """The statements that remove it again (before the table goes)."""
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, ())


def require_fts5(connection: Connection) -> None:
    """Raise a clear error if this SQLite cannot do what the index needs (FTS5, `remove_diacritics 2`)."""
    version = tuple(int(part) for part in sqlite3.sqlite_version.split("."))
    if version < MIN_SQLITE:
        raise RuntimeError(f"SQLite {sqlite3.sqlite_version} is too old for search: 3.27 or newer is needed")
    if not connection.scalar(text("SELECT sqlite_compileoption_used('ENABLE_FTS5')")):
        raise RuntimeError(f"SQLite {sqlite3.sqlite_version} was built without FTS5, which search needs")


def _create(table: Table, connection: Connection, **_kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        require_fts5(connection)
    for statement in dialect_ddl(connection.dialect.name):
        connection.execute(text(statement))


def _drop(table: Table, connection: Connection, **_kw: Any) -> None:
    for statement in dialect_drop(connection.dialect.name):
        connection.execute(text(statement))


event.listen(SearchEntry.__table__, "after_create", _create)
event.listen(SearchEntry.__table__, "before_drop", _drop)
