"""the audit log of admin and moderator actions; flags can be resolved

Revision ID: 0010
Revises: 0012
Create Date: 2026-11-22 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("target_kind", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)
        batch_op.create_index("ix_audit_entry_target", ["target_kind", "target_id"], unique=False)
    with op.batch_alter_table("forum_flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("resolution_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("resolved_with", sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_forum_flag_resolved_by_member"), "member", ["resolved_by"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("forum_flag", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_forum_flag_resolved_by_member"), type_="foreignkey")
        for column in ("resolved_with", "resolution_reason", "resolution", "resolved_by", "resolved_at"):
            batch_op.drop_column(column)
    op.drop_table("audit_entry")
