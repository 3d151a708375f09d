"""News commands: write a news item, publish it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import Actor, isoformat_z, publish, utcnow
from services.errors import Conflict
from services.html import excerpt, sanitise_html
from services.news.events import TOPIC
from services.news.models import DRAFT, PUBLISHED, NewsItem

SUMMARY_LENGTH = 280


def summarise(html: str) -> str:
    """Plain-text beginning of a sanitised HTML body, for events and feeds."""
    return excerpt(html, SUMMARY_LENGTH)


def create_news(
    session: Session,
    *,
    actor: Actor,
    title: dict[str, str],
    body: dict[str, str],
    tags: list[str],
    publish_now: bool,
) -> NewsItem:
    """Create a news item as a draft, or publish it at once."""
    item = NewsItem(
        title={lang: text.strip() for lang, text in title.items()},
        body={lang: sanitise_html(html) for lang, html in body.items()},
        tags=sorted(set(tags)),
        status=DRAFT,
        author_id=actor.id,
        created_at=utcnow(),
    )
    session.add(item)
    session.flush()
    if publish_now:
        publish_news(session, item, actor=actor)
    return item


def publish_news(session: Session, item: NewsItem, *, actor: Actor) -> NewsItem:
    """Make a draft public and announce it on `news`."""
    if item.status != DRAFT:
        raise Conflict(f"news item {item.id} is {item.status}, only a draft can be published")
    item.status = PUBLISHED
    item.published_at = utcnow()
    publish(
        session,
        "news.published",
        {
            "news_id": item.id,
            "title": item.title,
            "summary": {lang: summarise(html) for lang, html in item.body.items()},
            "tags": item.tags,
            "published_at": isoformat_z(item.published_at),
        },
        topic=TOPIC,
        actor=actor,
    )
    return item
