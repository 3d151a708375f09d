"""programme: news lifecycle, funding calls and reminders, model projects, announcements and reach

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 20:28:48.592404
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcast_reach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("live_sessions", sa.Integer(), nullable=False),
        sa.Column("stream_clients", sa.Integer(), nullable=False),
        sa.Column("webhooks", sa.Integer(), nullable=False),
        sa.Column("inboxes", sa.Integer(), nullable=False),
        sa.Column("processes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_reach")),
        sa.UniqueConstraint("event_id", name=op.f("uq_broadcast_reach_event_id")),
    )
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("federal_states", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("state_index", sa.String(length=500), nullable=False),
        sa.Column("topic_index", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("name", "round", name=op.f("uq_project_name")),
    )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_round"), ["round"], unique=False)

    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_announcement_author_id_member"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
    )
    op.create_table(
        "funding_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=200), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=True),
        sa.Column("motto", sa.String(length=300), nullable=True),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("application_url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reminder_days", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("announced_at", sa.DateTime(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_funding_call_author_id_member"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_call")),
    )
    with op.batch_alter_table("funding_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_call_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_funding_call_opens_at"), ["opens_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_funding_call_round"), ["round"], unique=False)
        batch_op.create_index(batch_op.f("ix_funding_call_status"), ["status"], unique=False)

    op.create_table(
        "announcement_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcement.id"],
            name=op.f("fk_announcement_read_announcement_id_announcement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_announcement_read_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_read")),
        sa.UniqueConstraint("announcement_id", "member_id", name=op.f("uq_announcement_read_announcement_id")),
    )
    with op.batch_alter_table("announcement_read", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_read_announcement_id"), ["announcement_id"], unique=False)

    op.create_table(
        "call_deadline_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("previous_deadline", sa.DateTime(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["funding_call.id"],
            name=op.f("fk_call_deadline_change_call_id_funding_call"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_deadline_change")),
    )
    with op.batch_alter_table("call_deadline_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_deadline_change_call_id"), ["call_id"], unique=False)

    op.create_table(
        "call_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["funding_call.id"], name=op.f("fk_call_reminder_call_id_funding_call"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_reminder")),
    )
    with op.batch_alter_table("call_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_reminder_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_reminder_done_at"), ["done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_reminder_due_at"), ["due_at"], unique=False)

    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tag_index", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("space", sa.String(length=80), nullable=False, server_default="national"))
        batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("publish_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("retracted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("retraction_reason", sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f("ix_news_item_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_item_publish_at"), ["publish_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_news_item_space"), ["space"], unique=False)

    # Existing items get their tag index (`|a|b|`, see services/tags.py).
    connection = op.get_bind()
    for news_id, tags in connection.execute(sa.text("SELECT id, tags FROM news_item")).all():
        values = json.loads(tags) if isinstance(tags, str) else (tags or [])
        index = "|" + "|".join(values) + "|" if values else ""
        connection.execute(sa.text("UPDATE news_item SET tag_index = :i WHERE id = :id"), {"i": index, "id": news_id})


def downgrade() -> None:
    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_news_item_space"))
        batch_op.drop_index(batch_op.f("ix_news_item_publish_at"))
        batch_op.drop_index(batch_op.f("ix_news_item_project_id"))
        batch_op.drop_column("retraction_reason")
        batch_op.drop_column("retracted_at")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("publish_at")
        batch_op.drop_column("project_id")
        batch_op.drop_column("space")
        batch_op.drop_column("tag_index")

    with op.batch_alter_table("call_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_reminder_due_at"))
        batch_op.drop_index(batch_op.f("ix_call_reminder_done_at"))
        batch_op.drop_index(batch_op.f("ix_call_reminder_call_id"))

    op.drop_table("call_reminder")
    with op.batch_alter_table("call_deadline_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_deadline_change_call_id"))

    op.drop_table("call_deadline_change")
    with op.batch_alter_table("announcement_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_read_announcement_id"))

    op.drop_table("announcement_read")
    with op.batch_alter_table("funding_call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_call_status"))
        batch_op.drop_index(batch_op.f("ix_funding_call_round"))
        batch_op.drop_index(batch_op.f("ix_funding_call_opens_at"))
        batch_op.drop_index(batch_op.f("ix_funding_call_deadline"))

    op.drop_table("funding_call")
    op.drop_table("announcement")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_round"))

    op.drop_table("project")
    op.drop_table("broadcast_reach")
