"""The outbox: events are appended in the publishing transaction, in commit order, or not at all."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import func, select

from events import Database, Event, init_log, on_commit, publish, registry
from events.models import EventRecord, EventTopic
from events.outbox import remove_commit_listener
from services.news import NewsItem, create_news
from tests.support.callers import staff


def _news(session, title: str = "Titel") -> NewsItem:  # type: ignore[no-untyped-def]
    return create_news(
        session, caller=staff(session), title={"de": title}, body={"de": "<p>Text</p>"}, tags=[], publish_now=True
    )


def count_events(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(EventRecord)) or 0


def test_committed_change_appends_its_event_with_id_and_epoch(database: Database) -> None:
    with database.write() as session:
        item = _news(session)
    with database.read() as session:
        record = session.scalars(select(EventRecord)).one()
        topics = session.scalars(select(EventTopic.topic).where(EventTopic.event_id == record.id)).all()
    assert record.type == "news.published" and record.data["news_id"] == item.id
    # The primary topic is the row's own column: no routing row for it (one row less per event).
    assert record.topic == "news" and topics == []


def test_rolled_back_transaction_publishes_nothing(database: Database, published: list[Event]) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        _news(session)
        raise RuntimeError("the change fails after publishing")
    assert count_events(database) == 0
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(NewsItem)) == 0
    assert published == []
    # The same session factory still works and publishes normally afterwards.
    with database.write() as session:
        _news(session)
    assert count_events(database) == 1 and len(published) == 1 and published[0].id is not None


def test_handlers_run_in_the_same_transaction_and_may_publish(database: Database) -> None:
    calls: list[int] = []

    def echo(session, event):  # type: ignore[no-untyped-def]
        calls.append(event.id)
        if event.data["title"].get("de") == "first":
            _news(session, "second")

    registry.handler("news.published")(echo)
    try:
        with database.write() as session:
            _news(session, "first")
        with database.read() as session:
            titles = [r.data["title"]["de"] for r in session.scalars(select(EventRecord).order_by(EventRecord.id))]
        assert titles == ["first", "second"]
        assert calls == sorted(calls) and len(calls) == 2

        # A failing handler rolls back its cause as well.
        def explode(session, event):  # type: ignore[no-untyped-def]
            raise ValueError("handler failed")

        registry.handler("news.published")(explode)
        with pytest.raises(ValueError), database.write() as session:
            _news(session, "third")
        assert count_events(database) == 2
    finally:
        registry.handlers["news.published"] = [
            h for h in registry.handlers["news.published"] if h.__name__ not in ("echo", "explode")
        ]


def test_ids_follow_commit_order_under_concurrent_writers(database: Database) -> None:
    """Each commit's ids are above every id committed before it, with 4 threads writing at once."""
    committed_batches: list[list[int]] = []
    lock = threading.Lock()

    def record(events: list[Event]) -> None:
        with lock:
            committed_batches.append([e.id for e in events])  # type: ignore[misc]

    listener = on_commit(record)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with database.write() as session:
                    _news(session, f"w{n}-{i}")
                    _news(session, f"w{n}-{i}b")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        remove_commit_listener(listener)
    assert not errors
    flat = [i for batch in committed_batches for i in batch]
    assert len(flat) == 200
    assert flat == sorted(flat), "an event committed later got a smaller id"
    assert len(set(flat)) == 200


def test_every_new_database_gets_its_outbox_even_when_old_ones_were_collected() -> None:
    """Regression: `event.contains()` keys by id(); a new session factory that reused a collected
    one's address was taken as already installed and silently published nothing (~1 in 40)."""
    # Collections then scan only what the loop makes, not the whole test process (a large heap
    # made each gc.collect() cost seconds in a full run).
    gc.freeze()
    try:
        lost = _new_databases_that_lost_their_event(120)
    finally:
        gc.unfreeze()
    assert lost == 0


def _new_databases_that_lost_their_event(count: int) -> int:
    lost = 0
    for _ in range(count):
        db = Database()
        db.configure("sqlite://")
        db.create_all()
        with db.write() as session:
            init_log(session)
        with db.write() as session:
            _news(session)
        with db.read() as session:
            lost += session.scalar(select(func.count()).select_from(EventRecord)) != 1
        db.dispose()
        del db
        gc.collect()
    return lost


def _statements_of_one_publish(db: Database, extra_topics: tuple[str, ...] = ()) -> list[str]:
    """Every SQL statement SQLite runs for one publishing transaction (without the PRAGMAs of the lock wait)."""
    from sqlalchemy import event as sa_event

    from services.forum.events import ReactionAdded  # a type with no handlers of its own

    def reaction(n: int) -> ReactionAdded:
        return ReactionAdded(space="national", thread_id=1, post_id=n, member_id=1, kind="like", count=1)

    statements: list[str] = []

    def trace(dbapi_connection, *_args) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(statements.append)

    def untrace(dbapi_connection, *_args) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(None)

    assert db.engine is not None
    with db.write() as session:  # warm: the epoch is read once per database, not per publish
        publish(session, reaction(1), topic="thread.1")
    sa_event.listen(db.engine.pool, "checkout", trace)
    sa_event.listen(db.engine.pool, "checkin", untrace)
    try:
        with db.write() as session:
            publish(session, reaction(2), topic="thread.1", extra_topics=extra_topics)
    finally:
        sa_event.remove(db.engine.pool, "checkout", trace)
        sa_event.remove(db.engine.pool, "checkin", untrace)
    return [" ".join(s.split()[:3]) for s in statements if not s.startswith("PRAGMA")]


def test_a_single_topic_event_is_one_insert_in_its_transaction(database: Database) -> None:
    """A property of the publish path, not a time: no routing row for the primary topic, no id read back."""
    assert _statements_of_one_publish(database) == [
        "BEGIN IMMEDIATE",
        "INSERT INTO event_log",  # the id drawn inside it (above the retention watermark)
        "SELECT id, topics",  # the webhook subscriptions (services.webhooks)
        "COMMIT",
    ]


def test_each_further_topic_adds_one_routing_row(database: Database) -> None:
    statements = _statements_of_one_publish(database, extra_topics=("space.national", "moderation"))
    assert statements.count("INSERT INTO event_log") == 1
    assert statements.count("INSERT INTO event_topic") == 2  # one row per further topic (one executemany)
    with database.read() as session:
        record = session.scalars(select(EventRecord).order_by(EventRecord.id.desc())).first()
        assert record is not None
        routes = session.scalars(select(EventTopic.topic).where(EventTopic.event_id == record.id)).all()
    assert record.topic == "thread.1" and sorted(routes) == ["moderation", "space.national"]
