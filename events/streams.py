"""Live listeners for the HTTP transports (SSE, long-poll): a relay sink with bounded queues.

Each SSE stream is registered as a `Follower` (its caller and topics) for as long as it runs,
replaying or live, so that an access change applied by the relay can end it: the stream sends
what it had before the change, then a `Revocation`, then stops.
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from events.access import ReviewOf, Revocation
from events.caller import Caller
from events.db import Database
from events.envelope import Event
from events.log import CursorCheck, check_cursor, log_state, read_page, read_page_json
from events.relay import Relay

DEFAULT_QUEUE_SIZE = 5000
# Put in a listener's queue to wake its reader when the stream was revoked.
_WAKE = object()


class Listener:
    """One live HTTP stream: its topics and a bounded queue the relay fills.

    A reader too slow to keep up is not allowed to grow the queue without bound: on overflow
    the listener is dropped from live delivery and its reader goes back to replaying from the
    log, starting after the last event it was given.
    """

    def __init__(self, topics: Iterable[str], cursor: int, maxsize: int = DEFAULT_QUEUE_SIZE) -> None:
        self.topics = frozenset(topics)
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=maxsize)
        self.last_enqueued = cursor
        self.overflowed = False

    def offer(self, event: Event) -> bool:
        """Queue `event` without blocking; False (and overflowed) if the reader fell behind."""
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.overflowed = True
            return False
        self.last_enqueued = event.id or self.last_enqueued
        return True

    def get(self, timeout: float) -> Event | None:
        """The next event, or None after `timeout` seconds without one (or when woken)."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        return None if item is _WAKE else item

    def wake(self) -> None:
        """Wake a reader blocked in `get` (if the queue is full, it is not blocked)."""
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(_WAKE)


class Follower:
    """One HTTP stream, replaying or live: who follows which topics, and why it ended if access did."""

    def __init__(self, caller: Caller, topics: Iterable[str]) -> None:
        self.caller = caller
        self.topics = frozenset(topics)
        self.revocation: Revocation | None = None
        self.listener: Listener | None = None


class StreamHub:
    """Relay sink that hands each event to the live listeners of its topics, and ends revoked streams."""

    def __init__(self, review: ReviewOf | None = None) -> None:
        self._by_topic: dict[str, set[Listener]] = {}
        self._lock = threading.Lock()
        self.review = review
        self.followers: set[Follower] = set()

    def register(self, follower: Follower) -> None:
        """Follow `follower` for access changes until `unregister` (call under the relay lock)."""
        with self._lock:
            self.followers.add(follower)

    def unregister(self, follower: Follower) -> None:
        """The stream ended."""
        with self._lock:
            self.followers.discard(follower)

    def revoke(self, event: Event) -> None:
        """Apply an access change: end every stream it takes topics from (called by the relay, in order)."""
        if self.review is None:
            return
        with self._lock:
            followers = [f for f in self.followers if f.revocation is None]
        review = None
        for follower in followers:
            review = review or self.review(event)
            if not review.affects(follower.caller, follower.topics):
                continue
            verdict = review.verdict(follower.caller, follower.topics)
            if verdict.revocation is not None:
                self.end(follower, verdict.revocation)

    def end(self, follower: Follower, revocation: Revocation) -> None:
        """End `follower`'s stream: nothing more is delivered to it; its reader sends `revocation` and stops."""
        follower.revocation = revocation
        listener = follower.listener
        if listener is not None:
            self.remove(listener)
            listener.wake()

    def add(self, listener: Listener) -> None:
        """Start live delivery to `listener` (call under the relay lock, see CatchUp)."""
        with self._lock:
            for topic in listener.topics:
                self._by_topic.setdefault(topic, set()).add(listener)

    def remove(self, listener: Listener) -> None:
        """Stop live delivery to `listener`."""
        with self._lock:
            for topic in listener.topics:
                bucket = self._by_topic.get(topic)
                if bucket is not None:
                    bucket.discard(listener)
                    if not bucket:
                        del self._by_topic[topic]

    def count(self) -> int:
        """How many distinct live listeners there are."""
        with self._lock:
            return len({lst for bucket in self._by_topic.values() for lst in bucket})

    def listeners_for(self, topics: Iterable[str]) -> int:
        """How many distinct live listeners follow any of `topics` (each counted once)."""
        with self._lock:
            return len(set().union(*(self._by_topic.get(t, ()) for t in topics)))

    def redact(self, changes: dict[int, dict[str, Any]]) -> None:
        """Rewrite the data of redacted events still waiting in the listeners' queues."""
        with self._lock:
            listeners = set().union(*self._by_topic.values())
        for listener in listeners:
            with listener.queue.mutex:  # the queue's own lock: its reader waits meanwhile
                waiting = listener.queue.queue
                for index, event in enumerate(waiting):
                    if isinstance(event, Event) and event.id in changes:  # not a wake-up marker
                        waiting[index] = dataclasses.replace(event, data=changes[event.id])

    def push(self, events: list[Event]) -> None:
        """Deliver each event once to every listener following any of its topics."""
        for event in events:
            with self._lock:
                targets = set().union(*(self._by_topic.get(t, ()) for t in event.topics))
            for listener in targets:
                if not listener.overflowed and not listener.offer(event):
                    self.remove(listener)


# Yielded by `follow_stream(..., mark_replayed=True)` when a catch-up from the log has ended.
REPLAYED = object()


def follow_stream(
    relay: Relay,
    hub: StreamHub,
    cursor: int,
    follower: Follower,
    *,
    heartbeat: float,
    mark_replayed: bool = False,
) -> Iterator[Any]:
    """Yield every event on the follower's topics after `cursor`, in order; None as a heartbeat.

    Replayed events come pre-serialised (`EncodedEvent`, from `read_page_json`), live ones as `Event`.
    With `mark_replayed`, `REPLAYED` follows each catch-up (a writer that batches replayed frames
    flushes there instead of waiting for the next live event).

    Replays from the log, then goes live through `hub`; a reader that falls too far behind is
    moved back to replay and resumes exactly after the last event it was given. If the hub ends
    the follower (an access change), the events before the change are yielded, then the
    `Revocation`, and the stream stops: nothing published after the change is yielded.
    """
    topics = follower.topics

    def revoked() -> bool:
        return follower.revocation is not None

    while True:
        if follower.revocation is not None:
            yield follower.revocation
            return
        holder: list[Listener] = []

        def go_live(position: int, holder: list[Listener] = holder) -> None:
            # Under the relay lock, and only if not revoked (CatchUp checks `cancelled` there too).
            listener = Listener(topics, position)
            hub.add(listener)
            follower.listener = listener
            holder.append(listener)

        catch_up = relay.follow(cursor, lambda: topics, go_live, revoked, reader=read_page_json)
        yield from catch_up
        cursor = catch_up.cursor
        if mark_replayed:
            yield REPLAYED
        if not holder:
            continue
        listener = holder[0]
        try:
            while not (listener.overflowed and listener.queue.empty()):
                if revoked() and listener.queue.empty():
                    break  # everything queued before the change was yielded
                event = listener.get(timeout=heartbeat)
                if event is None:
                    if not listener.overflowed and not revoked():
                        yield None
                    continue
                yield event
                cursor = event.id or cursor
        finally:
            hub.remove(listener)
            follower.listener = None


@dataclass(frozen=True)
class PullResult:
    """A long-poll answer: a page of events and the cursor to ask with next."""

    events: list[Event]
    next: int
    check: CursorCheck


def pull(
    db: Database,
    relay: Relay,
    topics: Iterable[str],
    *,
    since: int | None,
    epoch: str | None,
    limit: int,
    wait: float,
    recheck: Callable[[], Iterable[str]] | None = None,
) -> PullResult:
    """A page of events after `since`; with `wait`, hold the request until one arrives or time runs out.

    `recheck` (if given) is asked, after each page is read, which topics the caller may read now
    (it raises if none): events only on topics lost meanwhile are left out. Every event read was
    committed after any access change with a smaller id, so a check made after the read sees
    every change that could concern the page.
    """
    topic_list = sorted(set(topics))
    with db.read() as session:
        check = check_cursor(session, since, epoch)
    if not check.recovered:
        return PullResult([], check.start, check)
    cursor = check.start
    deadline = time.monotonic() + wait
    while True:
        seen = relay.position
        with db.read() as session:
            # Every id up to the head is committed (ids follow commit order), so a short page
            # means nothing else up to the head: the next cursor may skip ahead to it.
            head = log_state(session).head
            page = relay.scrub(
                read_page(session, cursor, topic_list, limit=limit, upto=head, with_topics=recheck is not None)
            )
        if page:
            next_cursor: int = page[-1].id if len(page) == limit else head  # type: ignore[assignment]
            if recheck is not None:
                allowed = set(recheck())
                page = [event for event in page if allowed.intersection(event.topics)]
            return PullResult(page, next_cursor, check)
        cursor = max(cursor, head)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return PullResult([], cursor, check)
        relay.wait_until(partial(operator.lt, seen), timeout=min(remaining, 5.0))
