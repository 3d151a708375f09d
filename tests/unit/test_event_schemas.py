"""Every event type has a schema, and the payload the real service produces matches it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from events import Actor, Database, Event, on_commit, registry
from events.outbox import remove_commit_listener
from services.news import create_news

EDITOR = Actor(None, "Redaktion")


def produce_news_published(session: Session) -> None:
    create_news(
        session,
        actor=EDITOR,
        title={"de": "Titel", "en": "Title"},
        body={"de": "<b>x</b>"},
        tags=["a"],
        publish_now=True,
    )


# One real producer per event type: adding a type without adding it here fails the suite.
PRODUCERS: dict[str, Callable[[Session], None]] = {
    "news.published": produce_news_published,
}


def test_every_registered_type_has_a_producer_here() -> None:
    assert set(registry.types) == set(PRODUCERS)


@pytest.mark.parametrize("event_type", sorted(PRODUCERS))
def test_payload_matches_schema(database: Database, event_type: str) -> None:
    seen: list[Event] = []
    listener = on_commit(seen.extend)
    try:
        with database.write() as session:
            PRODUCERS[event_type](session)
    finally:
        remove_commit_listener(listener)
    produced = [e for e in seen if e.type == event_type]
    assert produced, f"the producer did not publish {event_type}"
    for event in produced:
        assert registry.types[event_type].schema().validate(event.data) == {}
        envelope = event.envelope()
        assert set(envelope) == {"id", "epoch", "topic", "type", "occurred_at", "actor", "data"}
        assert envelope["occurred_at"].endswith("Z")
