"""Event types the news service publishes, with their data schemas."""

from __future__ import annotations

from datetime import datetime

from events import EventData, described, event_type
from events.topics import policy, public
from services.fields import LocalizedExcerpt, LocalizedText

TOPIC = "news"
TOPICS = (TOPIC, "project.<id>")


# Redacted when the item is retracted: title, summary and tags go; times and field names stay.
@event_type("news.published", topics=TOPICS, keep=("published_at",))
class NewsPublished(EventData):
    """A news item became public."""

    news_id: int
    title: LocalizedText
    summary: LocalizedExcerpt = described("the start of the text, by language (empty for a body of images only)")
    tags: tuple[str, ...]
    published_at: datetime
    space: str
    project_id: int | None


@event_type("news.updated", topics=TOPICS, keep=("published_at", "changed", "updated_at"))
class NewsUpdated(NewsPublished):
    """A published news item changed; `changed` names the fields."""

    changed: tuple[str, ...]
    updated_at: datetime


@event_type("news.retracted", topics=TOPICS, withdraws=True)
class NewsRetracted(EventData):
    """A published news item was withdrawn (clients should hide it)."""

    news_id: int
    reason: str | None
    retracted_at: datetime
    project_id: int | None


policy.topic(TOPIC, public)
