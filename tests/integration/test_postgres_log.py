"""The event log on PostgreSQL: commit order under concurrent writers, and the same behaviour as SQLite."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import insert, select

from events import Caller, Database, Event, check_cursor, on_commit, publish, read_page, registry
from events import outbox as outbox_module
from events.models import EventRecord
from events.outbox import remove_commit_listener
from tests.support.news import news_published

ACTOR = Caller(None, "Test")


def visible_ids(db: Database) -> list[int]:
    with db.read() as session:
        return list(session.scalars(select(EventRecord.id).order_by(EventRecord.id)))


def run_early_id_late_commit(db: Database) -> dict[str, Any]:
    """Transaction A draws its id first but commits late; B draws later and tries to commit meanwhile.

    Returns what a tailing reader saw while A was still open, and both ids.
    """
    a_has_id, release_a, b_done = threading.Event(), threading.Event(), threading.Event()
    ids: dict[str, Any] = {}

    def stall_a(session, event: Event) -> None:  # type: ignore[no-untyped-def]
        if event.data["title"]["de"] == "A":
            ids["a"] = event.id
            a_has_id.set()
            assert release_a.wait(20)

    def writer(title: str, done: threading.Event | None) -> None:
        with db.write() as session:
            ids[title.lower()] = publish(session, news_published(title=title), topic="news", actor=ACTOR)
        if done is not None:
            done.set()

    registry.handler("news.published")(stall_a)
    try:
        a = threading.Thread(target=writer, args=("A", None))
        a.start()
        assert a_has_id.wait(20)
        b = threading.Thread(target=writer, args=("B", b_done))
        b.start()
        ids["b_finished_while_a_open"] = b_done.wait(1.0)
        ids["seen_while_a_open"] = visible_ids(db)
        release_a.set()
        a.join(20)
        b.join(20)
    finally:
        registry.handlers["news.published"].remove(stall_a)
    ids["a"], ids["b"] = ids["a"].id if isinstance(ids["a"], Event) else ids["a"], ids["b"].id
    return ids


def test_a_later_commit_never_gets_a_smaller_id_than_an_open_transaction(pg_database: Database) -> None:
    outcome = run_early_id_late_commit(pg_database)
    assert outcome["b_finished_while_a_open"] is False, "B must wait for A's commit"
    assert outcome["seen_while_a_open"] == []
    assert outcome["a"] < outcome["b"]
    assert visible_ids(pg_database) == [outcome["a"], outcome["b"]]


def test_without_the_lock_a_tailing_reader_would_skip_an_event(
    pg_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shows the hazard the lock prevents (so the test above has teeth)."""
    monkeypatch.setattr(outbox_module, "take_commit_order_lock", lambda session: None)
    # The database's lock is part of the statement that draws the id: the same insert without it.
    unlocked = insert(outbox_module.EVENT_LOG).returning(outbox_module.EVENT_LOG.c.id)
    monkeypatch.setattr(outbox_module, "_PG_INSERT_EVENT", unlocked)
    outcome = run_early_id_late_commit(pg_database)
    assert outcome["b_finished_while_a_open"] is True
    assert outcome["seen_while_a_open"] == [outcome["b"]]
    assert outcome["a"] < outcome["b"], "A's id appears later below a cursor already handed out"


def test_concurrent_writers_commit_in_id_order(pg_database: Database) -> None:
    order: list[int] = []
    lock = threading.Lock()

    def record(events: list[Event]) -> None:
        with lock:
            order.extend(e.id for e in events)  # type: ignore[misc]

    listener = on_commit(record)
    try:

        def writer(n: int) -> None:
            for i in range(30):
                with pg_database.write() as session:
                    publish(session, news_published(title=f"{n}-{i}"), topic="news", actor=ACTOR)
                    publish(session, news_published(title=f"{n}-{i}b"), topic="news", extra_topics=["project.1"])

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        remove_commit_listener(listener)
    assert len(order) == 360 and order == sorted(order)
    with pg_database.read() as session:
        assert [e.id for e in read_page(session, 0, ["project.1"], limit=1000)] == order[1::2]
        assert check_cursor(session, order[10], None).recovered


def test_redaction_selects_by_a_data_key_on_postgresql(pg_database: Database) -> None:
    import dataclasses

    from events import redact

    items = [
        dataclasses.replace(news_published(n, "Vertraulich"), space=space)
        for n, space in ((1, "national"), (2, "national"), (3, "berlin"))
    ]
    with pg_database.write() as session:
        events = [publish(session, i, topic="news", extra_topics=("project.2",), actor=ACTOR) for i in items]
    first, second, third = (e.id for e in events)
    with pg_database.write() as session:
        assert redact(session, ["news.published", "news.updated"], "news_id", [1, 3]) == [first, third]
        assert redact(session, ["news.published"], "space", "national", topic="project.2") == [second]
        assert redact(session, ["news.published"], "news_id", 1) == [], "already redacted"
    with pg_database.read() as session:
        page = read_page(session, 0, ["news"], limit=10)
    assert [e.data for e in page] == [
        {"news_id": n, "published_at": "2021-01-15T08:00:00Z", "space": s, "project_id": None, "redacted": True}
        for n, s in ((1, "national"), (2, "national"), (3, "berlin"))
    ]


def test_the_migrations_run_on_postgresql_both_ways(postgres: Any) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect, text

    from dialog.cli import MIGRATIONS

    url = postgres.create_database("migrations")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0011")
    engine = create_engine(url)
    routes = text("SELECT topic, event_id FROM event_topic ORDER BY event_id, topic")
    try:
        with engine.begin() as connection:  # a log as 0011 stored it: every topic has a routing row
            connection.execute(text("INSERT INTO event_log_meta VALUES (1, 'cafe0001', 3, '2021-01-01')"))
            for event_id in (4, 5, 9):
                connection.execute(
                    text(
                        "INSERT INTO event_log (id, topic, type, occurred_at, data) "
                        "VALUES (:id, 'news', 'news.published', '2021-01-01', CAST(:data AS json))"
                    ),
                    {"id": event_id, "data": f'{{"news_id": {event_id}}}'},
                )
                connection.execute(
                    text("INSERT INTO event_topic VALUES ('news', :id), ('project.1', :id)"), {"id": event_id}
                )
            before = connection.execute(routes).all()
        command.upgrade(config, "head")
        with engine.connect() as connection:  # 0013 keeps only the further topics' rows
            assert connection.execute(routes).all() == [("project.1", 4), ("project.1", 5), ("project.1", 9)]
        db = Database()
        db.configure(url)
        try:
            with db.read() as session:
                for topics in (["news"], ["project.1"], ["news", "project.1"]):
                    assert [e.id for e in read_page(session, 0, topics, limit=10)] == [4, 5, 9]
                routed = read_page(session, 0, None, limit=10, with_topics=True)
                assert [e.topics for e in routed] == [("news", "project.1")] * 3
        finally:
            db.dispose()
        command.downgrade(config, "0011")
        with engine.connect() as connection:
            assert connection.execute(routes).all() == before
    finally:
        engine.dispose()
    command.upgrade(config, "head")
    command.downgrade(config, "0006")
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        schema = inspect(engine)
        assert {i["name"] for i in schema.get_indexes("event_log")} == {"ix_event_log_topic"}
        assert "body" not in {c["name"] for c in schema.get_columns("webhook_delivery")}
    finally:
        engine.dispose()


def test_hiding_a_post_redacts_its_events_and_notifications_on_postgresql(pg_database: Database) -> None:
    from services import forum, notifications
    from services.forum import Thread
    from tests.support.world import build_world

    with pg_database.write() as session:
        world = build_world(session)
        thread, _first = forum.create_thread(
            session, **world.as_("member"), space=world.spaces["public"], title="T", body="<p>Start</p>",
            language="de", mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
    with pg_database.write() as session:
        post = forum.create_post(
            session, **world.as_("other"), thread=session.get(Thread, thread.id), body="<p>Vertraulich</p>",
            language="de", mentions=[world.members["member"].id],
        )  # type: ignore[arg-type]  # fmt: skip
    with pg_database.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=post.id, reason=None)  # type: ignore[arg-type]
    with pg_database.read() as session:
        events = read_page(session, 0, None, limit=1000)
        notes, _next = notifications.list_notifications(
            session, world.members["member"].id, before=None, limit=10, unread_only=False
        )
    assert not [e.id for e in events if "Vertraulich" in str(e.data)]
    assert [n.summary for n in notes if n.subject.get("post_id") == post.id] == [""]


def _core_statements_of_one_publish(db: Database, extra_topics: tuple[str, ...] = ()) -> list[str]:
    from sqlalchemy import event as sa_event

    from services.forum.events import ReactionAdded  # a type with no handlers of its own

    def reaction(n: int) -> ReactionAdded:
        return ReactionAdded(space="national", thread_id=1, post_id=n, member_id=1, kind="like", count=1)

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()[:5]))

    assert db.engine is not None
    with db.write() as session:  # warm: the epoch is read once per database
        publish(session, reaction(1), topic="thread.1")
    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.write() as session:
            publish(session, reaction(2), topic="thread.1", extra_topics=extra_topics)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_the_lock_the_id_and_the_row_are_one_round_trip_on_postgresql(pg_database: Database) -> None:
    """A property of the publish path, not a time (the webhook handler's read goes to the DBAPI cursor)."""
    assert _core_statements_of_one_publish(pg_database) == ["WITH commit_order AS MATERIALIZED (SELECT"]
    further = _core_statements_of_one_publish(pg_database, extra_topics=("space.national",))
    assert further == ["WITH commit_order AS MATERIALIZED (SELECT", "INSERT INTO event_topic (topic, event_id)"]
