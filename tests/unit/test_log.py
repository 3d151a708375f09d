"""Reading the log: cursor checks (epoch, retention, bounds) and paged replay by topic."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from events import Caller, Database, check_cursor, log_state, prune, publish, read_page, utcnow
from events.models import EventRecord
from tests.support.news import news_published

ACTOR = Caller(1, "Test")


def publish_many(db: Database, topics_of: list[tuple[str, tuple[str, ...]]]) -> list[int]:
    ids = []
    with db.write() as session:
        events = [
            publish(session, news_published(n + 1), topic=topic, extra_topics=extra, actor=ACTOR)
            for n, (topic, extra) in enumerate(topics_of)
        ]
    ids = [e.id for e in events]
    return ids  # type: ignore[return-value]


def test_cursor_checks(database: Database) -> None:
    ids = publish_many(database, [("news", ())] * 5)
    with database.read() as session:
        state = log_state(session)
        assert state.head == ids[-1] and state.earliest == 1
        ok = check_cursor(session, 2, state.epoch)
        assert ok.recovered and ok.start == 2
        fresh = check_cursor(session, None, None)
        assert fresh.recovered and fresh.start == state.head
        other = check_cursor(session, 2, "deadbeef")
        assert not other.recovered and other.reason == "epoch_mismatch" and other.start == state.head
        ahead = check_cursor(session, state.head + 10, None)
        assert not ahead.recovered and ahead.reason == "cursor_ahead"


def test_a_cursor_check_is_one_statement(database: Database) -> None:
    # Every /live subscribe checks a cursor: an ORM `get` of the log's row plus a second query cost
    # ~3x the SQL.
    ids = publish_many(database, [("news", ())] * 2)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    assert database.engine is not None
    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with database.read() as session:
            check = check_cursor(session, None, None)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert check.recovered and check.start == check.state.head == ids[-1]
    assert len(statements) == 1, statements


def test_retention_prunes_old_events_and_expires_old_cursors(database: Database) -> None:
    ids = publish_many(database, [("news", ())] * 6)
    with database.write() as session:
        for record in session.query(EventRecord).filter(EventRecord.id <= ids[3]):
            record.occurred_at = utcnow() - timedelta(days=40)
    with database.write() as session:
        watermark = prune(session, utcnow() - timedelta(days=30))
    assert watermark == ids[3]
    with database.read() as session:
        expired = check_cursor(session, ids[2], None)
        assert not expired.recovered and expired.reason == "expired" and expired.state.earliest == ids[4]
        # A client that had seen everything pruned loses nothing: it may still resume.
        assert check_cursor(session, ids[3], None).recovered
        assert [e.id for e in read_page(session, 0, ["news"], limit=100)] == ids[4:]
        # Head stays where it was even if everything is pruned later.
    with database.write() as session:
        prune(session, utcnow() + timedelta(days=1))
    with database.read() as session:
        assert log_state(session).head == ids[-1]


def test_read_page_merges_topics_in_id_order_without_duplicates(database: Database) -> None:
    ids = publish_many(
        database,
        [("news", ()), ("calls", ()), ("news", ("project.1",)), ("projects", ()), ("calls", ("project.1",))],
    )
    with database.read() as session:
        both = read_page(session, 0, ["news", "project.1"], limit=10)
        assert [e.id for e in both] == [ids[0], ids[2], ids[4]]
        paged = read_page(session, ids[0], ["news", "calls", "project.1"], limit=2)
        assert [e.id for e in paged] == [ids[1], ids[2]]
        bounded = read_page(session, 0, None, limit=10, upto=ids[2])
        assert [e.id for e in bounded] == ids[:3]
        routed = read_page(session, ids[3], None, limit=10, with_topics=True)
        assert routed[0].topics == ("calls", "project.1")


def test_pre_serialised_pages_carry_the_same_envelopes_as_events(database: Database) -> None:
    import json

    from events.log import read_page_json

    publish_many(database, [("news", ()), ("calls", ("news",)), ("news", ()), ("projects", ())] * 3)
    with database.write() as session:
        publish(session, news_published(99, 'ä "q"', tags=("x",)), topic="news")
    with database.read() as session:
        for topics, after, upto in ((["news"], 0, None), (["news", "projects"], 2, 11), (None, 1, None)):
            events = read_page(session, after, topics, limit=5, upto=upto)
            encoded = read_page_json(session, after, topics, limit=5, upto=upto)
            assert [e.id for e in encoded] == [e.id for e in events]
            assert [json.loads(e.json) for e in encoded] == [e.envelope() for e in events]


def test_ids_are_never_reused_after_the_log_was_pruned_to_empty(database: Database) -> None:
    import threading

    from events import ANONYMOUS, Relay, StreamHub, follow_stream, pull
    from events.streams import Follower

    ids = publish_many(database, [("news", ())] * 4)
    with database.write() as session:
        session.query(EventRecord).update({EventRecord.occurred_at: utcnow() - timedelta(days=40)})
    with database.write() as session:
        watermark = prune(session, utcnow() - timedelta(days=30))
    with database.read() as session:
        assert watermark == ids[-1] and session.query(EventRecord).count() == 0
        head = log_state(session).head
    relay = Relay(database, poll_interval=0.01)
    hub = StreamHub()
    relay.add_sink(hub)
    relay.start_at_head()
    stream = follow_stream(relay, hub, head, Follower(ANONYMOUS, ["news"]), heartbeat=0.05)
    assert next(stream) is None  # live (a heartbeat), nothing to replay
    runner = threading.Thread(target=relay.run, daemon=True)
    runner.start()
    try:
        (new,) = publish_many(database, [("news", ())])
        assert new > watermark, "a new event must get an id above the retention watermark"
        streamed = next(e for e in stream if e is not None)
        assert streamed.id == new
        polled = pull(database, relay, ["news"], since=head, epoch=None, limit=10, wait=0)
        assert [e.id for e in polled.events] == [new]
        with database.read() as session:
            assert [e.id for e in read_page(session, head, ["news"], limit=10)] == [new]
    finally:
        relay.stop()
        runner.join(5)


def test_retention_removes_a_prefix_of_the_log_up_to_the_first_event_not_old_enough(database: Database) -> None:
    """No index on the time: prune walks the ids from its watermark, and the watermark stays a prefix."""
    ids = publish_many(database, [("news", ())] * 5)
    ages = {ids[0]: 40, ids[1]: 40, ids[2]: 1, ids[3]: 40, ids[4]: 1}  # days; ids[3] committed late
    with database.write() as session:
        for record in session.query(EventRecord):
            record.occurred_at = utcnow() - timedelta(days=ages[record.id])
    with database.write() as session:
        assert prune(session, utcnow() - timedelta(days=30)) == ids[1]
    with database.read() as session:
        assert [e.id for e in read_page(session, 0, ["news"], limit=10)] == ids[2:]


def test_replay_by_topic_reads_only_index_ranges(database: Database) -> None:
    """Every part of a page by topics is an index range scan (SQLite's plan), however long the log is."""
    from sqlalchemy import text

    from events.log import _page_select

    page = _page_select(0, ["news", "project.1"], 100, 500)
    assert page is not None
    assert database.engine is not None
    sql = str(page.compile(database.engine, compile_kwargs={"literal_binds": True}))
    with database.engine.connect() as connection:
        plan = [row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    reads = [step for step in plan if step.startswith(("SEARCH", "SCAN event"))]
    primary = "SEARCH event_log USING COVERING INDEX ix_event_log_topic (topic=? AND id>? AND id<?)"
    further = (
        "SEARCH event_topic USING COVERING INDEX sqlite_autoindex_event_topic_1 (topic=? AND event_id>? AND event_id<?)"
    )
    assert reads == [primary, further] * 2


def test_event_ids_on_finds_an_event_by_its_primary_and_its_further_topics(database: Database) -> None:
    from sqlalchemy import select

    from events import event_ids_on

    ids = publish_many(database, [("news", ("project.1",)), ("calls", ()), ("project.1", ()), ("news", ())])
    both, other, own, news = ids

    def on(topics: list[str], **bounds: int) -> list[int]:
        with database.read() as session:
            return sorted(session.scalars(event_ids_on(topics, **bounds)))

    assert on(["news"]) == [both, news]  # `both` by its primary topic
    assert on(["project.1"]) == [both, own]  # `both` by its further topic
    assert on(["project.1", "news"]) == [both, own, news]  # once each
    assert on(["project.1"], after=both) == [own]
    assert on(["news"], upto=own) == [both]
    assert on(["news", "calls", "project.1"], after=both, upto=own) == [other, own]
    assert on([]) == [] and on(["nobody"]) == []
    with database.read() as session:
        limited = event_ids_on(["news", "project.1"], after=0, limit=2)
        assert list(session.scalars(limited)) == [both, own]  # the oldest two, in id order
        assert list(session.scalars(select(event_ids_on(["news"], limit=1).subquery()))) == [both]
