"""News reads."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.errors import NotFound
from services.news.models import PUBLISHED, NewsItem


def published_news(session: Session, *, limit: int, offset: int) -> tuple[list[NewsItem], int]:
    """A page of published items, newest first, and the total count."""
    query = select(NewsItem).where(NewsItem.status == PUBLISHED)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(NewsItem.published_at.desc(), NewsItem.id.desc()).limit(limit).offset(offset)
    )
    return list(items), total


def get_news(session: Session, news_id: int, *, include_drafts: bool) -> NewsItem:
    """One item; drafts only for those who may see them."""
    item = session.get(NewsItem, news_id)
    if item is None or (item.status != PUBLISHED and not include_drafts):
        raise NotFound(f"no news item {news_id}")
    return item
