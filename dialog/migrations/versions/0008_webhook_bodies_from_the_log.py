"""webhook deliveries read their envelope from the log at send time (no stored body)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:30:00.000000

A stored body kept an event's text after the event was redacted, and retries resent it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_column("body")


def downgrade() -> None:
    # The bodies are gone; an empty text makes old code send an empty (invalid) envelope, so
    # pending deliveries are better cancelled before downgrading.
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=False, server_default=""))
