"""Announcements tables: the announcements, members' read marks, and the reach of broadcasts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base


class Announcement(Base):
    """An admin's broadcast to everyone following `announcements`."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[dict[str, str]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AnnouncementRead(Base):
    """A member marked an announcement read (once: the pair is unique)."""

    __tablename__ = "announcement_read"
    __table_args__ = (UniqueConstraint("announcement_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcement.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    read_at: Mapped[datetime] = mapped_column(DateTime)


class BroadcastReach(Base):
    """Proof of reach of one broadcast event (an announcement, a call opening).

    The row is created in the transaction that publishes the event; every web process's relay
    adds how many live Socket.IO sessions and SSE stream clients it pushed the event to.
    Webhook deliveries, inbox entries and accepted mails are counted by their own services (see
    queries.py); the `inboxes` column is no longer written.
    """

    __tablename__ = "broadcast_reach"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    event_type: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(20))  # "announcement" or "call"
    subject_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    live_sessions: Mapped[int] = mapped_column(Integer, default=0)
    stream_clients: Mapped[int] = mapped_column(Integer, default=0)
    inboxes: Mapped[int] = mapped_column(Integer, default=0)
    processes: Mapped[int] = mapped_column(Integer, default=0)
