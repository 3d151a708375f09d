"""Redaction: stored events lose their withdrawn content in the caller's transaction, on every read path."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from events import (
    ANONYMOUS,
    Caller,
    Database,
    Event,
    Relay,
    StreamHub,
    field_values,
    follow_stream,
    init_log,
    on_redaction,
    publish,
    read_page,
    redact,
    registry,
)
from events.log import read_event_json, read_page_json
from events.outbox import remove_redaction_listener
from events.pages import PageCache, SharedPage
from events.streams import Follower
from services.news.events import NewsPublished, NewsRetracted, NewsUpdated
from tests.support.news import PUBLISHED_AT

ACTOR = Caller(3, "Autorin")
SECRET = "Streng geheimer Inhalt"


def news_data(news_id: int, title: str = SECRET) -> NewsPublished:
    return NewsPublished(
        news_id=news_id,
        title={"de": title},
        summary={"de": f"{title}, kurz"},
        tags=("geheim",),
        published_at=PUBLISHED_AT,
        space="national",
        project_id=4,
    )


def publish_news(db: Database, news_id: int, event_type: str = "news.published", title: str = SECRET) -> int:
    data: NewsPublished = news_data(news_id, title)
    if event_type == "news.updated":
        data = NewsUpdated(**field_values(data), changed=("title",), updated_at=PUBLISHED_AT + timedelta(days=1))
    with db.write() as session:
        event = publish(session, data, topic="news", extra_topics=("project.4",), actor=ACTOR)
    assert event.id is not None
    return event.id


def test_redaction_keeps_the_envelope_and_ids_and_every_read_shows_it(database: Database) -> None:
    target = publish_news(database, 7)
    other = publish_news(database, 8)
    updated = publish_news(database, 7, "news.updated")
    with database.read() as session:
        before = {e.id: e for e in read_page(session, 0, ["news"], limit=10)}
    with database.write() as session:
        changed = redact(session, ["news.published", "news.updated"], "news_id", 7)
    assert changed == [target, updated]
    with database.read() as session:
        events = {e.id: e for e in read_page(session, 0, ["news", "project.4"], limit=10)}
        encoded = {e.id: json.loads(e.json) for e in read_page_json(session, 0, ["news"], limit=10)}
        single = json.loads(read_event_json(session, target) or "null")
    assert events[other].data == before[other].data, "only the selected events change"
    redacted = events[target]
    assert redacted.data == {
        "news_id": 7,
        "project_id": 4,
        "space": "national",
        "published_at": "2021-01-15T08:00:00Z",
        "redacted": True,
    }
    assert events[updated].data == {
        "news_id": 7,
        "project_id": 4,
        "space": "national",
        "published_at": "2021-01-15T08:00:00Z",
        "changed": ["title"],
        "updated_at": "2021-01-16T08:00:00Z",
        "redacted": True,
    }
    kept = before[target]
    assert (redacted.topic, redacted.type, redacted.occurred_at, redacted.actor, redacted.epoch) == (
        kept.topic,
        kept.type,
        kept.occurred_at,
        kept.actor,
        kept.epoch,
    )
    assert encoded[target] == redacted.envelope() == single
    assert SECRET not in json.dumps(encoded[target]) and SECRET in json.dumps(encoded[other])


def test_selection_by_a_string_key_and_narrowed_to_one_topic(database: Database) -> None:
    on_news = publish_news(database, 1)
    with database.write() as session:
        other = publish(session, news_data(2), topic="calls", actor=ACTOR)
    other_topic = other.id
    with database.write() as session:
        assert redact(session, ["news.published"], "space", "national", topic="calls") == [other_topic]
        assert redact(session, ["news.published"], "space", ["elsewhere", "national"]) == [on_news]
        assert redact(session, ["news.published"], "space", "national") == [], "already redacted"


def test_a_rolled_back_redaction_changes_nothing(database: Database) -> None:
    event_id = publish_news(database, 5)
    with pytest.raises(RuntimeError), database.write() as session:
        redact(session, ["news.published"], "news_id", 5)
        raise RuntimeError("the withdrawal failed")
    with database.read() as session:
        assert read_page(session, event_id - 1, None, limit=1)[0].data["title"] == {"de": SECRET}


def test_an_event_published_and_redacted_in_one_transaction_is_stored_redacted(database: Database) -> None:
    with database.write() as session:
        pending = publish(session, news_data(9), topic="news", actor=ACTOR)
        redact(session, ["news.published"], "news_id", 9)
    with database.read() as session:
        [stored] = read_page(session, 0, ["news"], limit=10)
    assert stored.id == pending.id and stored.data["redacted"] is True and "title" not in stored.data


def test_the_redacted_form_has_its_own_schema_and_the_type_schema_stays_unredacted(database: Database) -> None:
    event_id = publish_news(database, 3)
    with database.write() as session:
        redact(session, ["news.published"], "news_id", 3)
    with database.read() as session:
        [event] = read_page(session, event_id - 1, None, limit=1)
    spec = registry.types["news.published"]
    jsonschema.Draft202012Validator.check_schema(spec.redacted_schema)
    redacted = jsonschema.Draft202012Validator(spec.redacted_schema)
    redacted.validate(event.data)
    assert not jsonschema.Draft202012Validator(spec.schema).is_valid(event.data), "the schema is the unredacted form"
    bad_forms = (
        {**event.data, "title": {"de": "x"}},
        {**event.data, "redacted": False},
        {**event.data, "news_id": "x"},
        {k: v for k, v in event.data.items() if k != "news_id"},
    )
    assert not any(redacted.is_valid(bad) for bad in bad_forms)


def test_unknown_types_and_mixed_values_are_refused(database: Database) -> None:
    with database.write() as session:
        with pytest.raises(LookupError):
            redact(session, ["post.vanished"], "post_id", 1)
        with pytest.raises(TypeError):
            redact(session, ["news.published"], "news_id", [1, "1"])


def test_the_relay_and_the_stream_hub_do_not_deliver_a_queued_unredacted_copy(database: Database) -> None:
    relay = Relay(database)
    hub = StreamHub()
    relay.add_sink(hub)
    relay.start_at_head()
    listener = on_redaction(relay.redacted)
    try:
        stream = follow_stream(relay, hub, relay.position, Follower(ANONYMOUS, ["news"]), heartbeat=0.05)
        assert next(stream) is None  # live now, nothing queued
        event_id = publish_news(database, 11)
        assert relay.pump() == 1  # queued for the stream, unredacted
        with database.read() as session:
            stale = read_page(session, 0, ["news"], limit=10)  # a page read before the redaction
        with database.write() as session:
            redact(session, ["news.published"], "news_id", 11)
        delivered = next(e for e in stream if e is not None)
        assert delivered.id == event_id and delivered.data["redacted"] is True
        assert relay.scrub(stale)[0].data["redacted"] is True
    finally:
        remove_redaction_listener(listener)


def _secure_delete_off(dbapi_connection: Any, _record: Any) -> None:
    # Upstream SQLite's default (some distributions build it ON): our own connect hook must win.
    dbapi_connection.execute("PRAGMA secure_delete=OFF")


def test_the_text_is_gone_from_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "erase.sqlite3"
    sa_event.listen(Engine, "connect", _secure_delete_off)  # runs before the engine's own hook
    try:
        db = Database()
        db.configure(f"sqlite:///{path}")
        db.create_all()
        with db.write() as session:
            init_log(session)
        for news_id in range(1, 40):  # whole pages of rows, and with a long text, overflow pages
            publish_news(db, news_id, title=SECRET + " " + "x" * (5000 if news_id % 2 else 10))
        with db.read() as session:
            assert session.connection().exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        with db.write() as session:
            redact(session, ["news.published"], "news_id", list(range(1, 40)))
        db.dispose()
    finally:
        sa_event.remove(Engine, "connect", _secure_delete_off)
    with sqlite3.connect(path) as raw_db:  # only a checkpoint: the WAL goes into the file, then is emptied
        raw_db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("erase.sqlite3*"))
    assert raw and SECRET.encode() not in raw


def test_cached_replay_pages_are_dropped_once_the_relay_reaches_a_withdrawal(database: Database) -> None:
    relay = Relay(database)
    relay.start_at_head()
    cache = PageCache(8)
    relay.on_forget(cache.clear)
    event_id = publish_news(database, 21)

    def page() -> SharedPage:
        def load() -> list[Event]:
            with database.read() as session:
                return read_page(session, 0, ["news"], limit=10, upto=event_id)

        return cache.get("events", 0, ["news"], limit=10, upto=event_id, load=load)

    assert page().items[0].data["title"] == {"de": SECRET}
    assert relay.pump() == 1
    # Another process redacts (no redaction listener of this one hears it) and publishes the withdrawal.
    with database.write() as session:
        redact(session, ["news.published"], "news_id", 21)
        retracted = NewsRetracted(news_id=21, reason=None, retracted_at=PUBLISHED_AT, project_id=4)
        publish(session, retracted, topic="news", actor=ACTOR)
    assert page().items[0].data["title"] == {"de": SECRET}, "cached until the relay gets there"
    assert relay.pump() == 1
    assert page().items[0].data["redacted"] is True


def test_a_page_read_across_a_clear_is_handed_out_but_not_kept() -> None:
    cache = PageCache(8)

    def load() -> list[Any]:
        cache.clear()  # a redaction committed while the page was being read
        return [SimpleNamespace(id=1)]

    assert [item.id for item in cache.get("r", 0, ["news"], limit=10, upto=5, load=load).items] == [1]
    assert not cache.pages
