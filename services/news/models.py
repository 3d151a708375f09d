"""News tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base

DRAFT, SCHEDULED, PUBLISHED, RETRACTED = "draft", "scheduled", "published", "retracted"
STATUSES = (DRAFT, SCHEDULED, PUBLISHED, RETRACTED)
DEFAULT_SPACE = "national"


class NewsItem(Base):
    """A news item with title and body per language: draft → scheduled → published → retracted."""

    __tablename__ = "news_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[dict[str, str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # `|a|b|` so that a tag filter works the same on SQLite and PostgreSQL (services.tags).
    tag_index: Mapped[str] = mapped_column(Text, default="")
    space: Mapped[str] = mapped_column(String(80), default=DEFAULT_SPACE, index=True)
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The scheduler publishes a `scheduled` item once `publish_at` has passed.
    publish_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    retracted_at: Mapped[datetime | None] = mapped_column(DateTime)
    retraction_reason: Mapped[str | None] = mapped_column(String(500))
