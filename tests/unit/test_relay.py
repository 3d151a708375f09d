"""The relay pushes each committed event once, and CatchUp hands a client over with no gap."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from events import ANONYMOUS, Caller, Database, Event, Relay, StreamHub, follow_stream, on_commit, publish
from events.access import Revocation, Verdict
from events.outbox import remove_commit_listener
from events.streams import Follower
from services.identity.events import TokenRevoked
from tests.support.news import news_published

ACTOR = Caller(1, "Test")


def publish_one(db: Database, topic: str = "news") -> int:
    with db.write() as session:
        event = publish(session, news_published(), topic=topic, actor=ACTOR)
    assert event.id is not None
    return event.id


class RoomSink:
    """Stands in for a Socket.IO room: forwards events to the clients that went live."""

    def __init__(self) -> None:
        self.members: list[list[int]] = []
        self.batches: list[list[int]] = []

    def push(self, events: list[Event]) -> None:
        self.batches.append([e.id for e in events])  # type: ignore[misc]
        for received in self.members:
            received.extend(e.id for e in events if "news" in e.topics)  # type: ignore[misc]


def test_pump_pushes_every_committed_event_once_in_order(database: Database) -> None:
    relay = Relay(database, page_size=7)
    sink = RoomSink()
    relay.add_sink(sink)
    relay.start_at_head()
    ids = [publish_one(database) for _ in range(20)]
    assert relay.pump() == 20
    assert relay.pump() == 0
    pushed = [i for batch in sink.batches for i in batch]
    assert pushed == ids and relay.position == ids[-1]


def test_catch_up_hands_over_without_gap_or_duplicate_while_publishing(database: Database) -> None:
    relay = Relay(database, page_size=25, poll_interval=0.01)
    sink = RoomSink()
    relay.add_sink(sink)
    relay.start_at_head()
    listener = on_commit(relay.notify)
    runner = threading.Thread(target=relay.run)
    runner.start()
    received: list[int] = []
    first = [publish_one(database) for _ in range(60)]  # history the client must replay
    done = threading.Event()
    published: list[int] = list(first)

    def publisher() -> None:
        for _ in range(240):
            published.append(publish_one(database))
        done.set()

    writer = threading.Thread(target=publisher)
    try:
        writer.start()
        catch_up = relay.follow(0, lambda: ["news"], lambda _c: sink.members.append(received))
        for event in catch_up:
            received.append(event.id)  # type: ignore[arg-type]
        assert catch_up.live
        writer.join()
        assert relay.wait_until(lambda position: position >= published[-1], timeout=10)
    finally:
        relay.stop()
        runner.join()
        remove_commit_listener(listener)
    assert received == published


def test_stream_listener_that_overflows_resumes_from_the_log(database: Database) -> None:
    relay = Relay(database, page_size=10)
    hub = StreamHub()
    relay.add_sink(hub)
    relay.start_at_head()
    stream = follow_stream(relay, hub, relay.position, Follower(ANONYMOUS, ["news"]), heartbeat=0.05)
    assert next(stream) is None  # live and idle: a heartbeat
    ids = [publish_one(database) for _ in range(30)]
    try:
        # Shrink the live listener's queue so the burst overflows it.
        for listener in {lst for bucket in hub._by_topic.values() for lst in bucket}:
            listener.queue.maxsize = 5
        relay.pump()
        assert hub.count() == 0, "the overflowing listener left live delivery"
        got = [next(stream) for _ in range(30)]
    finally:
        stream.close()
    assert [e.id for e in got if e is not None] == ids


def publish_token_revoked(db: Database, member_id: int = 7) -> int:
    with db.write() as session:
        event = publish(session, TokenRevoked(member_id=member_id, token_id=3), topic=f"user.{member_id}", actor=ACTOR)
    assert event.id is not None
    return event.id


class OrderSink:
    """Records what the relay told it, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int]]] = []

    def push(self, events: list[Event]) -> None:
        self.calls.append(("push", [e.id for e in events]))  # type: ignore[misc]

    def revoke(self, event: Event) -> None:
        self.calls.append(("revoke", [event.id]))  # type: ignore[list-item]


def test_access_changes_are_applied_before_themselves_and_anything_after(database: Database) -> None:
    relay = Relay(database, page_size=100)
    sinks = [OrderSink(), OrderSink()]
    for sink in sinks:
        relay.add_sink(sink)
    relay.start_at_head()
    a, b = publish_one(database), publish_one(database)
    x = publish_token_revoked(database)
    c = publish_one(database)
    y = publish_token_revoked(database)
    assert relay.pump() == 5 and relay.access_version == 2
    expected = [("push", [a, b]), ("revoke", [x]), ("push", [x, c]), ("revoke", [y]), ("push", [y])]
    assert sinks[0].calls == sinks[1].calls == expected


class EndEveryone:
    """A review that ends every stream it is asked about."""

    def __init__(self, event: Event) -> None:
        self.event = event

    def affects(self, caller: Caller, topics: object) -> bool:
        return True

    def verdict(self, caller: Caller, topics: object) -> Verdict:
        return Verdict(None, Revocation(("news",), "token_revoked", final=True))


def test_a_revoked_live_stream_gets_what_came_before_the_change_then_the_revocation(database: Database) -> None:
    relay = Relay(database, page_size=10)
    hub = StreamHub(review=EndEveryone)
    relay.add_sink(hub)
    relay.start_at_head()
    follower = Follower(Caller(7, "M", "member", 3), ["news"])
    hub.register(follower)
    stream = follow_stream(relay, hub, relay.position, follower, heartbeat=0.05)
    try:
        assert next(stream) is None  # live and idle: a heartbeat
        before = [publish_one(database) for _ in range(3)]
        relay.pump()
        got = [next(stream)]  # the first live event
        publish_token_revoked(database)
        for _ in range(3):
            publish_one(database)
        relay.pump()  # the change, then three more news, in one batch
        got.extend(stream)  # the rest, until the stream ends
    finally:
        stream.close()
    assert [e.id for e in got[:-1]] == before
    assert got[-1] == Revocation(("news",), "token_revoked", final=True)
    assert hub.count() == 0


def test_a_stream_revoked_during_its_replay_stops_before_anything_after_the_change(database: Database) -> None:
    relay = Relay(database, page_size=2)
    hub = StreamHub(review=EndEveryone)
    relay.add_sink(hub)
    start = publish_one(database) - 1
    before = [start + 1, *(publish_one(database) for _ in range(5))]
    publish_token_revoked(database)
    [publish_one(database) for _ in range(5)]
    # The relay has pushed up to just before the change; the follower replays from the start.
    relay.position = before[-1]
    follower = Follower(Caller(7, "M", "member", 3), ["news"])
    hub.register(follower)
    stream = follow_stream(relay, hub, start, follower, heartbeat=5)
    got = [next(stream), next(stream)]  # the first page of the replay
    assert relay.pump() == 6  # applies the change (and pushes the rest) while the replay is under way
    got.extend(stream)
    assert [e.id for e in got[:-1]] == before[:2]  # it stops at once; nothing after the change
    assert isinstance(got[-1], Revocation) and hub.count() == 0


@contextmanager
def relay_hearing_this_process(db: Database) -> Iterator[tuple[Relay, RoomSink]]:
    """A relay at the log's head that hears this process's commits on `db`, as a web process's does."""
    relay = Relay(db)
    sink = RoomSink()
    relay.add_sink(sink)
    relay.start_at_head()
    db.on_commit(relay.committed)
    try:
        yield relay, sink
    finally:
        db.remove_commit_listener(relay.committed)


def _log_reads(db: Database) -> tuple[list[str], Callable[[], None]]:
    """Record the statements that read the event log; returns (statements, stop)."""
    from sqlalchemy import event as sa_event

    reads: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\bevent_log\b(?!_meta)", statement):
            reads.append(statement)

    assert db.engine is not None
    sa_event.listen(db.engine, "before_cursor_execute", record)
    return reads, lambda: sa_event.remove(db.engine, "before_cursor_execute", record)


def test_events_committed_here_are_pushed_from_memory_exactly_as_the_log_holds_them(database: Database) -> None:
    from events.log import read_page

    pushed: list[Event] = []
    with relay_hearing_this_process(database) as (relay, sink):
        reads, stop = _log_reads(database)  # from the head on
        relay.add_sink(type("Keep", (), {"push": lambda _s, evs: pushed.extend(evs), "revoke": lambda _s, _e: None})())
        ids = [publish_one(database) for _ in range(3)]
        with database.write() as session:  # two events in one transaction
            both = [
                publish(session, news_published(), topic="news", extra_topics=("space.national",)),
                publish(session, news_published(), topic="news"),
            ]
        ids += [event.id or 0 for event in both]
        assert relay.pump() == 5
    stop()
    assert reads == []  # nothing read back
    assert [i for batch in sink.batches for i in batch] == ids and relay.position == ids[-1]
    with database.read() as session:
        stored = read_page(session, 0, None, limit=10, with_topics=True)
    assert [e.envelope_json() for e in pushed] == [e.envelope_json() for e in stored]
    assert [set(e.topics) for e in pushed] == [set(e.topics) for e in stored]


def test_a_commit_of_another_process_in_between_is_read_from_the_log(database: Database) -> None:
    assert database.engine is not None
    elsewhere = Database()  # another process on the same database
    elsewhere.configure(str(database.engine.url))
    with relay_hearing_this_process(database) as (relay, sink):
        ids = [publish_one(database), publish_one(elsewhere), publish_one(database)]
        assert relay.pump() == 3  # this process's 1 and 3 have a gap: the log fills it
        ids += [publish_one(database)]
        relay.notify()  # a wake-up from elsewhere (Redis): the log is read even though 4 came from memory
        ids += [publish_one(elsewhere)]
        assert relay.pump() == 2
    elsewhere.dispose()
    assert [i for batch in sink.batches for i in batch] == ids


def test_commits_on_another_database_of_the_process_are_not_pushed_as_this_ones(
    database: Database, tmp_path: Path
) -> None:
    from events import init_log

    other = Database()
    other.configure(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    other.create_all()
    with other.write() as session:
        init_log(session)
    with relay_hearing_this_process(database) as (relay, sink):
        publish_one(other)
        publish_one(other)
        assert relay.pump() == 0 and relay.position == 0
        own = publish_one(database)
        assert relay.pump() == 1
    other.dispose()
    assert sink.batches == [[own]]


def test_commits_piling_up_while_nobody_pumps_are_read_from_the_log(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import events.relay

    monkeypatch.setattr(events.relay, "MAX_LOCAL_BATCHES", 3)
    with relay_hearing_this_process(database) as (relay, sink):
        ids = [publish_one(database) for _ in range(5)]  # more than it keeps in memory
        assert len(relay._local) < 3
        assert relay.pump() == 5
    assert [i for batch in sink.batches for i in batch] == ids
