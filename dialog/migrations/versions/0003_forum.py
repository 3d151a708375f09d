"""spaces, forum, international network, follows, notifications

Revision ID: 0003
Revises: 0001 (rebased onto 0002 when the branches merge)
Create Date: 2026-11-21 20:30:11.815562
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_country",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_partner_country")),
    )
    op.create_table(
        "space",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space")),
        sa.UniqueConstraint("slug", name=op.f("uq_space_slug")),
    )
    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_follow_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow")),
        sa.UniqueConstraint("member_id", "kind", "key", name=op.f("uq_follow_member_id")),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index("ix_follow_kind_key", ["kind", "key"], unique=False)

    op.create_table(
        "forum_thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("post_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_post_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_forum_thread_author_id_member"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["space_id"], ["space.id"], name=op.f("fk_forum_thread_space_id_space"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_thread")),
    )
    with op.batch_alter_table("forum_thread", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_thread_last_post_at"), ["last_post_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_forum_thread_space_id"), ["space_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_notification_member_id_member"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("event_id", "member_id", name=op.f("uq_notification_event_id")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_member_id_id", ["member_id", "id"], unique=False)

    op.create_table(
        "partner_organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["partner_country.code"],
            name=op.f("fk_partner_organisation_country_code_partner_country"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_organisation")),
    )
    with op.batch_alter_table("partner_organisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_organisation_country_code"), ["country_code"], unique=False)

    op.create_table(
        "space_membership",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_space_membership_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["space_id"], ["space.id"], name=op.f("fk_space_membership_space_id_space"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("space_id", "member_id", name=op.f("pk_space_membership")),
    )
    with op.batch_alter_table("space_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_membership_member_id"), ["member_id"], unique=False)

    op.create_table(
        "forum_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_forum_post_author_id_member"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by"], ["member.id"], name=op.f("fk_forum_post_hidden_by_member"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["forum_post.id"], name=op.f("fk_forum_post_parent_id_forum_post"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["forum_thread.id"], name=op.f("fk_forum_post_thread_id_forum_thread"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_post")),
    )
    with op.batch_alter_table("forum_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_post_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["country_code"], ["partner_country.code"], name=op.f("fk_invitation_country_code_partner_country")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["member.id"], name=op.f("fk_invitation_invited_by_member"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_invitation_member_id_member"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["partner_organisation.id"],
            name=op.f("fk_invitation_organisation_id_partner_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_email"), ["email"], unique=False)

    op.create_table(
        "partner_contact",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"], ["partner_country.code"], name=op.f("fk_partner_contact_country_code_partner_country")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_partner_contact_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["partner_organisation.id"],
            name=op.f("fk_partner_contact_organisation_id_partner_organisation"),
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_partner_contact")),
    )
    with op.batch_alter_table("partner_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_contact_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "forum_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_forum_flag_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["forum_post.id"], name=op.f("fk_forum_flag_post_id_forum_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_flag")),
        sa.UniqueConstraint("post_id", "member_id", name=op.f("uq_forum_flag_post_id")),
    )
    with op.batch_alter_table("forum_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_flag_post_id"), ["post_id"], unique=False)

    op.create_table(
        "forum_post_mention",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_forum_post_mention_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["forum_post.id"], name=op.f("fk_forum_post_mention_post_id_forum_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "member_id", name=op.f("pk_forum_post_mention")),
    )
    op.create_table(
        "forum_post_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["forum_post.id"], name=op.f("fk_forum_post_revision_post_id_forum_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_post_revision")),
    )
    with op.batch_alter_table("forum_post_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_post_revision_post_id"), ["post_id"], unique=False)

    op.create_table(
        "forum_reaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_forum_reaction_member_id_member"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["forum_post.id"], name=op.f("fk_forum_reaction_post_id_forum_post"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_reaction")),
        sa.UniqueConstraint("post_id", "member_id", "kind", name=op.f("uq_forum_reaction_post_id")),
    )
    with op.batch_alter_table("forum_reaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_reaction_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("forum_reaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_reaction_post_id"))

    op.drop_table("forum_reaction")
    with op.batch_alter_table("forum_post_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_post_revision_post_id"))

    op.drop_table("forum_post_revision")
    op.drop_table("forum_post_mention")
    with op.batch_alter_table("forum_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_flag_post_id"))

    op.drop_table("forum_flag")
    with op.batch_alter_table("partner_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_contact_organisation_id"))

    op.drop_table("partner_contact")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_email"))

    op.drop_table("invitation")
    with op.batch_alter_table("forum_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_post_thread_id"))

    op.drop_table("forum_post")
    with op.batch_alter_table("space_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_space_membership_member_id"))

    op.drop_table("space_membership")
    with op.batch_alter_table("partner_organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_organisation_country_code"))

    op.drop_table("partner_organisation")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_member_id_id")

    op.drop_table("notification")
    with op.batch_alter_table("forum_thread", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_thread_space_id"))
        batch_op.drop_index(batch_op.f("ix_forum_thread_last_post_at"))

    op.drop_table("forum_thread")
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_kind_key")

    op.drop_table("follow")
    op.drop_table("space")
    op.drop_table("partner_country")
