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

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=False), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        # Redaction selects the events of a few types by a key of their data: the type index keeps
        # that from reading the whole log.
        Index("ix_event_log_type", "type"),
        # SQLite reuses the ids of deleted rows for a plain INTEGER PRIMARY KEY: once retention
        # pruned the log to empty, new events would get ids below the watermark, and no client
        # past that cursor would ever receive them. AUTOINCREMENT never goes back, like the
        # PostgreSQL sequence.
        {"sqlite_autoincrement": True},
    )


class EventTopic(Base):
    """Every topic an event is routed to (its primary topic included), for replay by topic."""

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
