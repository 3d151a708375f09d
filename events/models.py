"""Tables of the event log: the events, their routing topics, and the log's metadata; which ids a topic has."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    select,
    union,
)
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
    # redaction narrowed to a topic and the digests' calls and news (`event_ids_on`) use it too.
    # Retention walks the primary key.
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


def event_ids_on(
    topics: Iterable[str], *, after: int | None = None, upto: int | None = None, limit: int | None = None
) -> Select[int]:
    """The ids (`event_id`) of the events routed to any of `topics` with `after < id <= upto`.

    An event's primary topic is `event_log.topic` and its further topics are rows of `event_topic`,
    so an event is on a topic if either says so: this is the one place that knows it. With
    `limit`, the oldest `limit` ids in id order; without it, unordered (for `id IN (...)`).
    """
    topic_list = sorted(set(topics))
    if limit is None or not topic_list:  # (no topics: `IN ()`, no ids)
        arms = _arms(EventRecord.topic.in_(topic_list), EventTopic.topic.in_(topic_list), after, upto)
        merged = union(*arms).subquery()
        return select(merged.c.event_id)
    # Per topic and table, each already limited, merged by the database: the cost of a page stays
    # proportional to the page, however far behind the client is (one IN over the topics would
    # read and sort every matching id).
    limited = []
    for topic in topic_list:
        primary, further = _arms(EventRecord.topic == topic, EventTopic.topic == topic, after, upto)
        limited.append(select(primary.order_by(EventRecord.id).limit(limit).subquery().c.event_id))
        limited.append(select(further.order_by(EventTopic.event_id).limit(limit).subquery().c.event_id))
    merged = union(*limited).subquery()
    return select(merged.c.event_id).order_by(merged.c.event_id).limit(limit)


def _arms(
    on_primary: ColumnElement[bool], on_further: ColumnElement[bool], after: int | None, upto: int | None
) -> tuple[Select[int], Select[int]]:
    # Two index range scans, (topic, id) on `event_log` and the primary key of `event_topic`, to
    # be merged by a UNION (an OR of the two tables made PostgreSQL read the whole log).
    primary = select(EventRecord.id.label("event_id")).where(on_primary)
    further = select(EventTopic.event_id).where(on_further)
    if after is not None:
        primary, further = primary.where(EventRecord.id > after), further.where(EventTopic.event_id > after)
    if upto is not None:
        primary, further = primary.where(EventRecord.id <= upto), further.where(EventTopic.event_id <= upto)
    return primary, further
