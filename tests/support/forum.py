"""Forum helpers for unit tests: threads, replies, inboxes and refusals through the real services."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from events import Database
from events.models import EventRecord
from services import forum, notifications
from services.errors import DomainError
from services.forum import Post, Thread
from services.notifications import Notification
from tests.support.world import World


def count(database: Database, model: Any) -> int:
    """How many rows `model` has."""
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def eventcount(database: Database) -> int:
    return count(database, EventRecord)


def open_thread(database: Database, world: World, space: str = "public", who: str = "member", **extra: Any) -> Thread:
    """A thread opened by `who` in the world's space `space`."""
    with database.write() as session:
        thread, _post = forum.create_thread(
            session,
            **world.as_(who),  # type: ignore[arg-type]
            space=session.merge(world.spaces[space]),
            title=extra.pop("title", "Titel"),
            body=extra.pop("body", "<p>Erster Beitrag</p>"),
            language="de",
            mentions=extra.pop("mentions", []),
        )
        return thread


def post_reply(database: Database, world: World, thread_id: int, who: str, **extra: Any) -> Post:
    """A reply by `who` in thread `thread_id`."""
    with database.write() as session:
        return forum.create_post(
            session,
            **world.as_(who),  # type: ignore[arg-type]
            thread=session.get(Thread, thread_id),  # type: ignore[arg-type]
            body=extra.pop("body", "<p>Antwort</p>"),
            language=extra.pop("language", "en"),
            parent_id=extra.pop("parent_id", None),
            mentions=extra.pop("mentions", []),
        )


def inbox(database: Database, world: World, who: str) -> list[Notification]:
    """The inbox of `who`, newest first."""
    with database.read() as session:
        rows, _next = notifications.list_notifications(
            session, world.members[who].id, before=None, limit=100, unread_only=False
        )
        return rows


def refused(database: Database, error: type[DomainError], fn: Any) -> DomainError:
    """Run `fn(session)` in a unit of work that must fail with `error` and change nothing."""
    before = (eventcount(database), count(database, Post), count(database, Notification))
    with pytest.raises(error) as caught, database.write() as session:
        fn(session)
    assert (eventcount(database), count(database, Post), count(database, Notification)) == before
    return caught.value
