"""The relay pushes each committed event once, and CatchUp hands a client over with no gap."""

from __future__ import annotations

import threading

from events import Caller, Database, Event, Relay, StreamHub, follow_stream, on_commit, publish
from events.outbox import remove_commit_listener
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
    stream = follow_stream(relay, hub, relay.position, ["news"], heartbeat=0.05)
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
