"""Follows and the per-member notification inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base

FOLLOW_KINDS = ("space", "thread", "call", "project")
# Notification.mail_state values (see services/notifications/missed.py).
WAITING, MAILED, SEEN, DROPPED = "waiting", "mailed", "seen", "dropped"


class Follow(Base):
    """A member follows a space (by slug), a thread, a call or a project (by id)."""

    __tablename__ = "follow"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("member_id", "kind", "key"),
        Index("ix_follow_kind_key", "kind", "key"),
    )


class Notification(Base):
    """One entry of a member's inbox, caused by one event; never two for the same event."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    # The event's log id (no foreign key: retention prunes the log, the inbox stays).
    event_id: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(300))
    subject: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when what it is about was withdrawn (a post hidden or deleted, news retracted): the
    # summary, an excerpt of that content, is emptied then.
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The missed-message mail (services/notifications/missed.py): `waiting` while it may still be
    # mailed, then `mailed`, `seen` (read first) or `dropped`; None if it is never to be mailed.
    mail_state: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),
        Index("ix_notification_member_id_id", "member_id", "id"),
        Index("ix_notification_mail_state_created", "mail_state", "created_at"),
    )


class DigestSchedule(Base):
    """When a member's next digest is due, and the log id the last one covered (its cursor)."""

    __tablename__ = "digest_schedule"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    cursor: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
