"""event log: one row and one index per event (the primary topic is not repeated in event_topic)

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-22 09:30:00.000000

Every append wrote an `event_log` row with three indexes' entries (the primary key, the type, the
time), an `event_topic` row for the primary topic with two more (its key and the event id), and on
SQLite `sqlite_sequence`. Now:

- `event_topic` keeps only the topics an event has besides its primary one: the primary topic is
  read from `event_log.topic`, through one index on (topic, id). Existing rows for the primary
  topic are deleted (downgrade puts them back).
- No index on the type (redaction without a topic, i.e. erasure, reads the log) nor on the time
  (retention walks the primary key from its watermark, digests from the newest event).
- SQLite: no AUTOINCREMENT. Ids stay never reused: the outbox draws each new id above both the
  newest row and the retention watermark (`event_log_meta.pruned_through`), which `prune` keeps.
  The app only ever deletes events through `prune`, so the highest id ever used is the larger
  of those two; the table is rebuilt (as in 0007) and `sqlite_sequence` forgets it.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

_PRIMARY_ROUTES = (
    "EXISTS (SELECT 1 FROM event_log WHERE event_log.id = event_topic.event_id AND event_log.topic = event_topic.topic)"
)


def _refuse_cascading_rebuild() -> None:
    # Dropping the old table with foreign keys enforced would cascade to every event_topic row.
    if not op.get_context().as_sql and op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding event_log needs PRAGMA foreign_keys=OFF on the migration connection")


def upgrade() -> None:
    op.execute(f"DELETE FROM event_topic WHERE {_PRIMARY_ROUTES}")
    if op.get_context().dialect.name != "sqlite":
        op.drop_index("ix_event_log_type", table_name="event_log")
        op.drop_index("ix_event_log_occurred_at", table_name="event_log")
        op.create_index("ix_event_log_topic", "event_log", ["topic", "id"], unique=False)
        return
    _refuse_cascading_rebuild()
    plain = {"sqlite_autoincrement": False}
    with op.batch_alter_table("event_log", recreate="always", table_kwargs=plain) as batch:
        batch.drop_index("ix_event_log_type")
        batch.drop_index("ix_event_log_occurred_at")
        batch.create_index("ix_event_log_topic", ["topic", "id"], unique=False)
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'event_log'")


def downgrade() -> None:
    op.execute(
        "INSERT INTO event_topic (topic, event_id) SELECT topic, id FROM event_log WHERE NOT EXISTS "
        "(SELECT 1 FROM event_topic WHERE event_topic.event_id = event_log.id AND event_topic.topic = event_log.topic)"
    )
    if op.get_context().dialect.name != "sqlite":
        op.drop_index("ix_event_log_topic", table_name="event_log")
        op.create_index("ix_event_log_occurred_at", "event_log", ["occurred_at"], unique=False)
        op.create_index("ix_event_log_type", "event_log", ["type"], unique=False)
        return
    _refuse_cascading_rebuild()
    with op.batch_alter_table("event_log", recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_index("ix_event_log_topic")
        batch.create_index("ix_event_log_occurred_at", ["occurred_at"], unique=False)
        batch.create_index("ix_event_log_type", ["type"], unique=False)
    # As 0007: AUTOINCREMENT goes on above the newest row and the retention watermark.
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'event_log'")
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'event_log', max("
        "coalesce((SELECT max(id) FROM event_log), 0), "
        "coalesce((SELECT pruned_through FROM event_log_meta WHERE id = 1), 0))"
    )
