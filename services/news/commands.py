"""News commands: write, schedule, publish, update and retract news items."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from events import Caller, field_values, publish, redact, utcnow
from services.claims import claim
from services.clock import SCHEDULER
from services.errors import Conflict, InvalidInput
from services.html import excerpt, sanitise_html
from services.news.access import require_news_writer
from services.news.events import TOPIC, NewsPublished, NewsRetracted, NewsUpdated
from services.news.models import DEFAULT_SPACE, DRAFT, PUBLISHED, RETRACTED, SCHEDULED, NewsItem
from services.projects import project_exists, project_topic
from services.tags import index_of, normalise_tags

_SPACE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
EDITABLE = ("title", "body", "tags", "space", "project_id", "publish_at")


def _topics(*project_ids: int | None) -> list[str]:
    return [project_topic(p) for p in dict.fromkeys(project_ids) if p is not None]


def _check_space(space: str) -> str:
    if not _SPACE.match(space):
        raise InvalidInput("space", "a space slug: lower-case letters, digits and dashes")
    return space


def _check_project(session: Session, project_id: int | None) -> int | None:
    if project_id is not None and not project_exists(session, project_id):
        raise InvalidInput("project_id", f"there is no project {project_id}")
    return project_id


def _check_publish_at(publish_at: datetime, now: datetime) -> datetime:
    if publish_at <= now:
        raise InvalidInput("publish_at", "must be in the future; publish now instead")
    return publish_at


def _public_data(item: NewsItem) -> NewsPublished:
    assert item.published_at is not None
    return NewsPublished(
        news_id=item.id,
        title=item.title,
        summary={lang: excerpt(html) for lang, html in item.body.items()},
        tags=tuple(item.tags),
        published_at=item.published_at,
        space=item.space,
        project_id=item.project_id,
    )


def create_news(
    session: Session,
    *,
    caller: Caller,
    title: dict[str, str],
    body: dict[str, str],
    tags: list[str],
    publish_now: bool,
    space: str = DEFAULT_SPACE,
    project_id: int | None = None,
    publish_at: datetime | None = None,
    now: datetime | None = None,
) -> NewsItem:
    """Create a news item as a draft, scheduled for `publish_at`, or published at once."""
    require_news_writer(caller)
    now = now or utcnow()
    if publish_now and publish_at is not None:
        raise InvalidInput("publish_at", "give either publish: true or a publish_at, not both")
    if publish_at is not None:
        _check_publish_at(publish_at, now)
    item = NewsItem(
        title={lang: text.strip() for lang, text in title.items()},
        body={lang: sanitise_html(html) for lang, html in body.items()},
        tags=normalise_tags(tags),
        space=_check_space(space),
        project_id=_check_project(session, project_id),
        status=SCHEDULED if publish_at is not None else DRAFT,
        publish_at=publish_at,
        author_id=caller.id,
        created_at=now,
    )
    item.tag_index = index_of(item.tags)
    session.add(item)
    session.flush()
    if publish_now:
        publish_news(session, item, caller=caller, now=now)
    return item


def publish_news(session: Session, item: NewsItem, *, caller: Caller, now: datetime | None = None) -> NewsItem:
    """Make a draft or scheduled item public now and announce it on `news` (and its project)."""
    require_news_writer(caller)
    if item.status == RETRACTED:
        raise Conflict(
            f"news item {item.id} was retracted and cannot be published again", details={"status": [RETRACTED]}
        )
    if item.status not in (DRAFT, SCHEDULED):
        raise Conflict(
            f"news item {item.id} is {item.status}, only a draft can be published", details={"status": [item.status]}
        )
    item.status = PUBLISHED
    item.published_at = now or utcnow()
    item.publish_at = None
    session.flush()
    publish(session, _public_data(item), topic=TOPIC, extra_topics=_topics(item.project_id), actor=caller)
    return item


def update_news(
    session: Session, item: NewsItem, *, caller: Caller, changes: dict[str, Any], now: datetime | None = None
) -> NewsItem:
    """Edit an item; a published item's change is announced as `news.updated` naming the fields."""
    require_news_writer(caller)
    now = now or utcnow()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "this field cannot be changed")
    if item.status == RETRACTED:
        raise Conflict(f"news item {item.id} was retracted and cannot be edited", details={"status": [RETRACTED]})
    if "publish_at" in changes:
        if item.status == PUBLISHED:
            raise InvalidInput("publish_at", "the item is already published")
        if changes["publish_at"] is not None:
            _check_publish_at(changes["publish_at"], now)
    if "title" in changes:
        changes["title"] = {lang: text.strip() for lang, text in changes["title"].items()}
    if "body" in changes:
        changes["body"] = {lang: sanitise_html(html) for lang, html in changes["body"].items()}
    if "tags" in changes:
        changes["tags"] = normalise_tags(changes["tags"])
    if "space" in changes:
        _check_space(changes["space"])
    if "project_id" in changes:
        _check_project(session, changes["project_id"])
    changed = sorted(k for k, v in changes.items() if getattr(item, k) != v)
    if not changed:
        return item
    old_project = item.project_id
    for key in changed:
        setattr(item, key, changes[key])
    item.tag_index = index_of(item.tags)
    if "publish_at" in changed:
        item.status = DRAFT if item.publish_at is None else SCHEDULED
    item.updated_at = now
    session.flush()
    if item.status == PUBLISHED:
        publish(
            session,
            NewsUpdated(**field_values(_public_data(item)), changed=tuple(changed), updated_at=now),
            topic=TOPIC,
            extra_topics=_topics(old_project, item.project_id),
            actor=caller,
        )
    return item


def retract_news(
    session: Session, item: NewsItem, *, caller: Caller, reason: str | None = None, now: datetime | None = None
) -> NewsItem:
    """Withdraw a published item; `news.retracted` tells clients to hide it.

    Its `news.published` / `news.updated` events are redacted in the log (title, summary and
    tags gone, ids kept), in this same transaction.
    """
    require_news_writer(caller)
    if item.status != PUBLISHED:
        raise Conflict(
            f"news item {item.id} is {item.status}, only a published item can be retracted",
            details={"status": [item.status]},
        )
    item.status = RETRACTED
    item.retracted_at = now or utcnow()
    item.retraction_reason = reason
    session.flush()
    redact(session, ("news.published", "news.updated"), "news_id", item.id, topic=TOPIC)
    publish(
        session,
        NewsRetracted(news_id=item.id, reason=reason, retracted_at=item.retracted_at, project_id=item.project_id),
        topic=TOPIC,
        extra_topics=_topics(item.project_id),
        actor=caller,
    )
    return item


def publish_due_news(session: Session, news_id: int, *, now: datetime) -> bool:
    """Scheduler step: publish item `news_id` if it is still scheduled and due; False if someone else did.

    The conditional UPDATE is the claim: of two schedulers racing for the same item, only the
    one whose UPDATE matched a row publishes the event, in the same transaction.
    """
    due = (NewsItem.status == SCHEDULED, NewsItem.publish_at <= now)
    item = claim(session, NewsItem, news_id, *due, status=PUBLISHED, published_at=now, publish_at=None)
    if item is None:
        return False
    publish(session, _public_data(item), topic=TOPIC, extra_topics=_topics(item.project_id), actor=SCHEDULER)
    return True
