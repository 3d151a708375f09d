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


def _stored_columns(db: Database, event_id: int) -> tuple[object, ...]:
    """The row's columns as SQLite holds them (text, numbers), below any SQLAlchemy type."""
    assert db.engine is not None
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        row = raw.execute(
            "SELECT topic, type, occurred_at, typeof(occurred_at), actor_id, actor_name, data, typeof(data)"
            " FROM event_log WHERE id = ?",
            (event_id,),
        ).fetchone()
    return tuple(row)


@pytest.mark.parametrize("microsecond", [0, 123456])
def test_events_appended_on_sqlite_are_stored_as_core_stores_them(database: Database, microsecond: int) -> None:
    """The SQLite append runs on the DBAPI connection; its rows must be byte for byte Core's."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from events import Caller
    from events.outbox import EVENT_LOG
    from services.forum.events import ReactionAdded

    when = datetime(2026, 11, 22, 13, 5, 7, microsecond, tzinfo=UTC)
    data = ReactionAdded(space="national", thread_id=1, post_id=2, member_id=3, kind="like", count=1)
    actor = Caller(id=7, name="Jürgen „J“ Österreicher", role="member")
    with database.write() as session:
        published = publish(session, data, topic="thread.1", actor=actor)
        published.occurred_at = when
        batch = [publish(session, data, topic="thread.1") for _ in range(2)]
        batch[0].occurred_at = when
    assert published.id is not None and batch[0].id is not None
    with database.write() as session:
        by_core = (
            session.connection()
            .execute(
                insert(EVENT_LOG).returning(EVENT_LOG.c.id),
                {
                    "topic": "thread.1",
                    "type": published.type,
                    "occurred_at": when,
                    "actor_id": actor.id,
                    "actor_name": actor.name,
                    "data": published.data,
                },
            )
            .scalar_one()
        )
    assert _stored_columns(database, published.id) == _stored_columns(database, by_core)
    one, many = _stored_columns(database, published.id), _stored_columns(database, batch[0].id)
    assert many[:4] == one[:4] and many[6:] == one[6:]  # the batch's executemany: the same values, no actor
    # And they read back through the ORM as published.
    with database.read() as session:
        record = session.get(EventRecord, published.id)
        assert record is not None and record.data == published.data and record.actor_name == actor.name
        assert record.occurred_at.replace(tzinfo=UTC) == when


def test_a_failing_sqlite_append_raises_sqlalchemys_error_and_keeps_nothing(database: Database) -> None:
    """Errors of the DBAPI append are wrapped as Core wraps them (the API answers them), and roll back."""
    from sqlalchemy.exc import IntegrityError

    from services.forum.events import ReactionAdded

    assert database.engine is not None
    with database.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON event_log WHEN NEW.topic = 'thread.9' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    data = ReactionAdded(space="national", thread_id=9, post_id=1, member_id=1, kind="like", count=1)
    with pytest.raises(IntegrityError), database.write() as session:
        publish(session, data, topic="thread.9")  # the one-row statement
    with pytest.raises(IntegrityError), database.write() as session:
        _news(session)
        publish(session, data, topic="thread.9")  # two events: the batch's executemany
    assert count_events(database) == 0
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(NewsItem)) == 0


def test_the_sqlite_append_does_not_run_through_core(database: Database) -> None:
    """Core's per-statement work cost more than SQLite's insert: the log's rows go to the DBAPI."""
    from sqlalchemy import event as sa_event

    from services.forum.events import ReactionAdded

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()[:3]))

    data = ReactionAdded(space="national", thread_id=1, post_id=1, member_id=1, kind="like", count=1)
    assert database.engine is not None
    sa_event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.write() as session:
            publish(session, data, topic="thread.1", extra_topics=("space.national",))
        with database.write() as session:
            for _ in range(3):
                publish(session, data, topic="thread.1", extra_topics=("space.national",))
    finally:
        sa_event.remove(database.engine, "before_cursor_execute", record)
    assert not [s for s in seen if s.startswith(("INSERT INTO event_log", "INSERT INTO event_topic"))]
    assert count_events(database) == 4
