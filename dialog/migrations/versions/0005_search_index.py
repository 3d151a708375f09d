"""search index: entries per item and language, FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 03:15:16.796408

The full-text part is written out here as it was at this revision (see services/search/models.py
for what it is and why); `flask dialog migrate` fills the new, empty index from existing content.
The projects' LIKE search column goes: the index answers `?q=` now.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, body_terms, content='search_entry',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN INSERT INTO search_fts"
    "(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN INSERT INTO search_fts"
    "(search_fts, rowid, title_terms, body_terms) VALUES ('delete', old.id, old.title_terms, old.body_terms); END",
    "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN INSERT INTO search_fts"
    "(search_fts, rowid, title_terms, body_terms) VALUES ('delete', old.id, old.title_terms, old.body_terms);"
    " INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_fts",
)
_CONFIG_OF_ROW = "CASE WHEN lang = 'de' THEN 'dialog_german'::regconfig ELSE 'dialog_english'::regconfig END"
POSTGRES = (
    "CREATE TEXT SEARCH DICTIONARY dialog_german_stem (TEMPLATE = snowball, Language = german)",
    "CREATE TEXT SEARCH CONFIGURATION dialog_german (COPY = german)",
    "ALTER TEXT SEARCH CONFIGURATION dialog_german ALTER MAPPING REPLACE german_stem WITH dialog_german_stem",
    "CREATE TEXT SEARCH DICTIONARY dialog_english_stem (TEMPLATE = snowball, Language = english)",
    "CREATE TEXT SEARCH CONFIGURATION dialog_english (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION dialog_english ALTER MAPPING REPLACE english_stem WITH dialog_english_stem",
    "ALTER TABLE search_entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector({_CONFIG_OF_ROW}, title_terms), 'A') || "
    f"setweight(to_tsvector({_CONFIG_OF_ROW}, body_terms), 'B')) STORED",
    "CREATE INDEX ix_search_entry_search_vector ON search_entry USING gin (search_vector)",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_search_entry_search_vector",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS dialog_german",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS dialog_english",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS dialog_german_stem",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS dialog_english_stem",
)


def upgrade() -> None:
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ref", sa.JSON(), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
        sa.UniqueConstraint("kind", "item_id", "lang", name=op.f("uq_search_entry_kind")),
    )
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_entry_space_id"), ["space_id"], unique=False)
    dialect = op.get_context().dialect.name
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(dialect, ()):
        op.execute(statement)

    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("search_text")


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    # What the old LIKE search looked at first; `project.updated` rewrites the rest.
    op.execute("UPDATE project SET search_text = lower(name)")

    dialect = op.get_context().dialect.name
    for statement in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, ()):
        op.execute(statement)
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_entry_space_id"))
    op.drop_table("search_entry")
