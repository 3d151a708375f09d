"""mail delivery: missed-message state, digests, attempts, unsubscribe kinds and refs of mails

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-22 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=6), server_default="off", nullable=False))
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_state", sa.String(length=8), nullable=True))
        batch_op.create_index("ix_notification_mail_state_created", ["mail_state", "created_at"], unique=False)
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("list_kind", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("ref", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_outgoing_mail_ref"), ["ref"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outgoing_mail_member_id_member"), "member", ["member_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "mail_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["outgoing_mail.id"], name=op.f("fk_mail_attempt_mail_id_outgoing_mail"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attempt")),
    )
    op.create_index(op.f("ix_mail_attempt_mail_id"), "mail_attempt", ["mail_id"], unique=False)
    op.create_table(
        "digest_schedule",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_digest_schedule_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_digest_schedule")),
    )
    op.create_index(op.f("ix_digest_schedule_due_at"), "digest_schedule", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_digest_schedule_due_at"), table_name="digest_schedule")
    op.drop_table("digest_schedule")
    op.drop_index(op.f("ix_mail_attempt_mail_id"), table_name="mail_attempt")
    op.drop_table("mail_attempt")
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outgoing_mail_member_id_member"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_ref"))
        batch_op.drop_column("ref")
        batch_op.drop_column("list_kind")
        batch_op.drop_column("member_id")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_mail_state_created")
        batch_op.drop_column("mail_state")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("digest")
