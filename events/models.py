"""Tables of the event log: the events, their routing topics, and the log's metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base

# BIGINT on PostgreSQL, but plain INTEGER on SQLite so the column is the rowid alias.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class EventRecord(Base):
    """One committed domain event; its id is the public cursor, increasing in commit order."""

    __tablename__ = "event_log"

    # Ids are never reused, not even after retention pruned the log to empty (a client past the
    # watermark would never receive a reused id). PostgreSQL's sequence never goes back; on SQLite
    # the outbox draws each id above both the newest row and the retention watermark
    # (`events.outbox`), which costs two index lookups where AUTOINCREMENT wrote `sqlite_sequence`
    # in every appending transaction.
    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    # The only secondary index, since every index is written by every append: replay by topic
    # reads an event's primary topic here (`event_topic` holds only its other topics), and
    # redaction narrowed to a topic uses it too. Retention and digests walk the primary key.
    __table_args__ = (Index("ix_event_log_topic", "topic", "id"),)


class EventTopic(Base):
    """The topics an event is routed to besides its primary one (`EventRecord.topic`), for replay by topic.

    Most events have only their primary topic, and so no row here: one row less per append.
    """

    __tablename__ = "event_topic"

    topic: Mapped[str] = mapped_column(String(120), primary_key=True)
    event_id: Mapped[int] = mapped_column(EventId, ForeignKey("event_log.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_event_topic_event_id", "event_id"),)


class LogMeta(Base):
    """The single row describing this log: its epoch and how far retention has pruned it."""

    __tablename__ = "event_log_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
