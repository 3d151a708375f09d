"""News reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from events import Caller
from services.errors import NotFound, PermissionDenied
from services.news.access import writes_news
from services.news.models import PUBLISHED, SCHEDULED, NewsItem
from services.tags import has_tag


def published_news(
    session: Session,
    caller: Caller,
    *,
    limit: int,
    offset: int,
    tag: str | None = None,
    project_id: int | None = None,
    language: str | None = None,
    space: str | None = None,
    status: str | None = None,
    ids: Select[Any] | None = None,
) -> tuple[list[NewsItem], int]:
    """A page of items (published, unless `status` asks for another), newest first, and the total count.

    `ids` keeps to the items whose ids it selects (a search's matches).
    """
    if status not in (None, PUBLISHED) and not writes_news(caller):
        raise PermissionDenied("only editors and admins see unpublished news")
    query = select(NewsItem).where(NewsItem.status == (status or PUBLISHED))
    if tag:
        query = query.where(has_tag(NewsItem.tag_index, tag))
    if project_id is not None:
        query = query.where(NewsItem.project_id == project_id)
    if language:
        query = query.where(NewsItem.title[language].as_string().is_not(None))
    if space:
        query = query.where(NewsItem.space == space)
    if ids is not None:
        query = query.where(NewsItem.id.in_(ids))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (NewsItem.published_at.desc(), NewsItem.created_at.desc(), NewsItem.id.desc())
    items = session.scalars(query.order_by(*order).limit(limit).offset(offset))
    return list(items), total


def get_news(session: Session, caller: Caller, news_id: int) -> NewsItem:
    """One item; drafts, scheduled and retracted items only for those who write news."""
    item = session.get(NewsItem, news_id)
    if item is None or (item.status != PUBLISHED and not writes_news(caller)):
        raise NotFound(f"no news item {news_id}")
    return item


def due_news(session: Session, now: datetime) -> list[tuple[datetime, int]]:
    """(publish_at, id) of scheduled items whose time has come, oldest first."""
    rows = session.execute(
        select(NewsItem.publish_at, NewsItem.id)
        .where(NewsItem.status == SCHEDULED, NewsItem.publish_at <= now)
        .order_by(NewsItem.publish_at, NewsItem.id)
    )
    return [(r[0], r[1]) for r in rows if r[0] is not None]
