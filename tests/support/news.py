"""Event data for tests of the bus itself: a `news.published` with no news item behind it."""

from __future__ import annotations

from datetime import datetime

from services.news.events import NewsPublished

PUBLISHED_AT = datetime(2021, 1, 15, 8, 0, 0)


def news_published(news_id: int = 1, title: str = "t", *, tags: tuple[str, ...] = ()) -> NewsPublished:
    """A valid `news.published` payload titled `title` (German only)."""
    return NewsPublished(
        news_id=news_id,
        title={"de": title},
        summary={"de": "s"},
        tags=tags,
        published_at=PUBLISHED_AT,
        space="news",
        project_id=None,
    )
