"""event log: ids never reused on SQLite (AUTOINCREMENT), an index on the event type

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 10:00:00.000000

A plain `INTEGER PRIMARY KEY` on SQLite hands out max(rowid) + 1: once retention pruned the
log to empty, new events got ids from 1 again, below the watermark, and reached no client.
With AUTOINCREMENT SQLite keeps the highest id ever used in `sqlite_sequence`, as a
PostgreSQL sequence does. SQLite cannot change that on a table in place, so the table is
rebuilt (batch mode copies every row; `event_topic`'s foreign key names the table, not the
copy, and is untouched). The sequence starts above both the highest id kept and the retention
watermark, so a log that was already pruned to empty does not go back either.

PostgreSQL's sequence never went back: only the type index is new there.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        op.create_index("ix_event_log_type", "event_log", ["type"], unique=False)
        return
    # Dropping the old table with foreign keys enforced would cascade to every event_topic row.
    if not op.get_context().as_sql and op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding event_log needs PRAGMA foreign_keys=OFF on the migration connection")
    with op.batch_alter_table("event_log", recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.create_index("ix_event_log_type", ["type"], unique=False)
    # Computed in SQL rather than Python, so that offline (--sql) mode emits it too.
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'event_log'")
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'event_log', max("
        "coalesce((SELECT max(id) FROM event_log), 0), "
        "coalesce((SELECT pruned_through FROM event_log_meta WHERE id = 1), 0))"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        op.drop_index("ix_event_log_type", table_name="event_log")
        return
    plain = {"sqlite_autoincrement": False}
    with op.batch_alter_table("event_log", recreate="always", table_kwargs=plain) as batch:
        batch.drop_index("ix_event_log_type")
