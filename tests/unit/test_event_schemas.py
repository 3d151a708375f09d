"""Every event type has a schema, and the payload the real service produces matches it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from events import Actor, Database, Event, on_commit, registry
from events.outbox import remove_commit_listener
from services.announcements import broadcast_announcement
from services.calls import (
    FundingCall,
    announce_call,
    change_deadline,
    close_due_call,
    create_call,
    handle_due_reminder,
    open_call_now,
    open_due_call,
    reminders_of,
)
from services.news import create_news, retract_news, update_news
from services.projects import create_project, update_project
from tests.support.programme import T0

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


def produce_news_updated(session: Session) -> None:
    item = create_news(session, actor=EDITOR, title={"de": "Alt"}, body={"de": "x"}, tags=[], publish_now=True)
    update_news(session, item, actor=EDITOR, changes={"title": {"de": "Neu", "en": "New"}, "tags": ["b"]})


def produce_news_retracted(session: Session) -> None:
    item = create_news(session, actor=EDITOR, title={"de": "Falsch"}, body={"de": "x"}, tags=[], publish_now=True)
    retract_news(session, item, actor=EDITOR, reason="Fehler im Text")


def _call(session: Session, *, announce: bool = True) -> FundingCall:
    call = create_call(
        session,
        actor=EDITOR,
        programme="Modellprojekte Smart Cities",
        round=3,
        title={"de": "Aufruf 3. Staffel"},
        summary={"de": "300 Mio. Euro"},
        budget=300_000_000,
        motto="Test",
        opens_at=T0 + timedelta(days=1),
        deadline=T0 + timedelta(days=30),
        application_url="https://www.smart-cities-made-in.de",
        now=T0,
    )
    if announce:
        announce_call(session, call, actor=EDITOR, now=T0)
    return call


def produce_call_announced(session: Session) -> None:
    _call(session)


def produce_call_opened(session: Session) -> None:
    call = _call(session)
    open_due_call(session, call.id, now=T0 + timedelta(days=1))
    open_call_now(session, _call(session, announce=False), actor=EDITOR, now=T0)


def produce_call_deadline_changed(session: Session) -> None:
    call = _call(session)
    change_deadline(session, call, actor=EDITOR, deadline=T0 + timedelta(days=40), reason="Verlängert", now=T0)


def produce_call_reminder(session: Session) -> None:
    call = _call(session)
    first = reminders_of(session, call.id)[0]
    handle_due_reminder(session, first.id, now=first.due_at, window=timedelta(hours=12))


def produce_call_closed(session: Session) -> None:
    call = _call(session)
    open_due_call(session, call.id, now=T0 + timedelta(days=1))
    close_due_call(session, call.id, now=T0 + timedelta(days=30))


def produce_project_created(session: Session) -> None:
    create_project(
        session,
        actor=EDITOR,
        name="Kassel",
        kind="municipality",
        round=2,
        federal_states=["Hessen"],
        description={"de": "Modellprojekt"},
        topics=["Mobilität"],
    )


def produce_project_updated(session: Session) -> None:
    project = create_project(
        session,
        actor=EDITOR,
        name="Jena",
        kind="municipality",
        round=2,
        federal_states=["Thüringen"],
        description={"de": "x"},
    )
    update_project(session, project, actor=EDITOR, changes={"topics": ["daten"], "description": {"de": "y", "en": "y"}})


def produce_announcement_broadcast(session: Session) -> None:
    broadcast_announcement(session, actor=EDITOR, title={"de": "Hinweis", "en": "Notice"}, body={"de": "<p>Text</p>"})


# One real producer per event type: adding a type without adding it here fails the suite.
PRODUCERS: dict[str, Callable[[Session], None]] = {
    "news.published": produce_news_published,
    "news.updated": produce_news_updated,
    "news.retracted": produce_news_retracted,
    "call.announced": produce_call_announced,
    "call.opened": produce_call_opened,
    "call.deadline_changed": produce_call_deadline_changed,
    "call.reminder": produce_call_reminder,
    "call.closed": produce_call_closed,
    "project.created": produce_project_created,
    "project.updated": produce_project_updated,
    "announcement.broadcast": produce_announcement_broadcast,
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
