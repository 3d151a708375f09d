"""Forum tables: threads, posts with their edit history, mentions, reactions and flags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base


class Thread(Base):
    """A discussion in a space, opened by its first post."""

    __tablename__ = "forum_thread"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_post_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Post(Base):
    """One contribution: sanitised HTML with a language tag.

    A post hidden by a moderator disappears from members' reads; a post deleted (by its author
    or a moderator) reads as a tombstone without text. Either way the row keeps its text for
    the moderators, and the events that carried it are redacted.
    """

    __tablename__ = "forum_post"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_thread.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("forum_post.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))


class PostRevision(Base):
    """An earlier version of a post, kept when it is edited."""

    __tablename__ = "forum_post_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_post.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(DateTime)
    replaced_at: Mapped[datetime] = mapped_column(DateTime)


class PostMention(Base):
    """A member mentioned in a post."""

    __tablename__ = "forum_post_mention"

    post_id: Mapped[int] = mapped_column(ForeignKey("forum_post.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)


class Reaction(Base):
    """A member's reaction of one kind to a post (one per member and kind)."""

    __tablename__ = "forum_reaction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_post.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("post_id", "member_id", "kind"),)


class Flag(Base):
    """A member's report of a post to the moderators (one per member and post).

    Open until a moderator resolves it (`dismissed` or `acted_on`), or until its post is hidden or
    deleted (`acted_on`, `resolved_with` naming that step). The queue reads this table, not the
    event log, so retention takes nothing from it.
    """

    __tablename__ = "forum_flag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_post.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolution_reason: Mapped[str | None] = mapped_column(String(500))
    resolved_with: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (UniqueConstraint("post_id", "member_id"),)
