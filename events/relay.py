"""The relay: pushes committed events, in id order, to the live transports of this process.

It tails the event log itself (woken at once by commits in this process, and polling for
commits made by other processes such as the scheduler or the CLI), so anything committed is
pushed even if the process that committed it died before pushing. Events committed by this
process on its database are pushed from memory when they follow `position` without a gap (on
one SQLite process: always), which saves reading back what was just written; anything else
(another process's commit, a gap, a wake-up from elsewhere) is read from the log. `position` is the id of the
last event pushed; `CatchUp` uses it to hand a replaying client over to live delivery with no
gap and no duplicate.

Access changes (a member removed from a space, a token revoked ...) are events too, and every
relay applies them in log order: each batch is split at access-change events, and every sink
is told `revoke(event)` after the events before it and before the event itself and any later
one. A reader who lost access is therefore never pushed one event published after the change,
in any process.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from events.db import Database
from events.envelope import Event
from events.log import EncodedEvent, log_state, read_page
from events.pages import PageCache, SharedPage
from events.registry import registry

log = logging.getLogger(__name__)
# Redactions remembered for pages read before they committed (a page is read and pushed in well
# under a second; this bounds memory, not correctness of the log).
REMEMBERED_REDACTIONS = 10_000
# Commits waiting for the relay to look at them; beyond this it reads the log instead.
MAX_LOCAL_BATCHES = 1_000


class Sink(Protocol):
    """Something that delivers events live (the Socket.IO gateway, the HTTP stream hub)."""

    def push(self, events: list[Event]) -> None:
        """Deliver a batch of committed events, oldest first; must not block."""

    def revoke(self, event: Event) -> None:
        """Apply an access-change event before it or anything after it is pushed (under the relay lock)."""


class Relay:
    """Tails the log and pushes each committed event once to every sink."""

    def __init__(self, db: Database, *, page_size: int = 500, poll_interval: float = 0.5) -> None:
        self.db = db
        self.page_size = page_size
        self.poll_interval = poll_interval
        # -1 until the relay knows the log's head: nobody goes live before that (see CatchUp).
        self.position = -1
        # Re-entrant so a sink (or a go-live callback) may call back into the relay.
        self.lock = threading.RLock()
        self._advanced = threading.Condition(self.lock)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.sinks: list[Sink] = []
        # Bumped (under the lock) by every access change applied. Whoever authorises a reader
        # outside the lock and registers it inside checks that it did not move in between.
        self.access_version = 0
        # Events redacted by commits of this process: id -> redacted data (see `redacted`).
        self._redactions: OrderedDict[int, dict[str, Any]] = OrderedDict()
        # Called when events this process may hold copies of were redacted (see `on_forget`).
        self._forget: list[Callable[[], None]] = []
        # Batches committed on `db` by this process, in commit order, not yet looked at (`committed`).
        self._local: deque[list[Event]] = deque()
        # A wake-up that did not come with this process's events: the log must be read.
        self._read_needed = False

    def add_sink(self, sink: Sink) -> None:
        """Deliver every future event to `sink` as well."""
        with self.lock:
            self.sinks.append(sink)

    def start_at_head(self) -> None:
        """Start pushing after the newest committed event (live clients resume by cursor)."""
        with self.db.read() as session:
            head = log_state(session).head
        with self.lock:
            self.position = head
            self._advanced.notify_all()

    def notify(self, _events: object = None) -> None:
        """Wake the relay now: something was committed (it reads the log)."""
        self._read_needed = True
        self._wake.set()

    def committed(self, events: list[Event]) -> None:
        """Wake the relay now: this process committed `events` on the relay's database (`Database.on_commit`)."""
        if len(self._local) >= MAX_LOCAL_BATCHES:
            # Nobody is pumping (not started, or the database is away): the log has them all.
            self._local.clear()
            self._read_needed = True
        else:
            self._local.append(events)
        self._wake.set()

    def on_forget(self, callback: Callable[[], None]) -> None:
        """Call `callback()` whenever stored events may have been redacted (to drop cached copies of them).

        That is on a redaction committed in this process, and, for those committed elsewhere,
        when the relay reaches the withdrawal event published with it (`EventType.withdraws`).
        """
        with self.lock:
            self._forget.append(callback)

    def redacted(self, changes: dict[int, dict[str, Any]]) -> None:
        """A commit in this process redacted these events (id -> their data now).

        A page read before that commit still holds the old data: `scrub` replaces it before
        anything is pushed or replayed. Sinks with a `redact(changes)` method (the HTTP stream
        hub) rewrite what they still hold; `on_forget` callbacks drop cached pages. Packets
        already queued for a Socket.IO socket are out of reach; other processes drop their
        cached pages when their relay reaches the withdrawal event.
        """
        with self.lock:
            self._forget_copies()
            for event_id in sorted(changes):
                self._redactions[event_id] = changes[event_id]
                self._redactions.move_to_end(event_id)
            while len(self._redactions) > REMEMBERED_REDACTIONS:
                self._redactions.popitem(last=False)
            for sink in self.sinks:
                redact = getattr(sink, "redact", None)
                if redact is not None:
                    redact(changes)

    def scrub(self, events: list[Any]) -> list[Any]:
        """`events` (`Event` or `EncodedEvent`) with the redactions this process committed applied."""
        redactions = self._redactions
        if not redactions:
            return events
        out = []
        for event in events:
            data = redactions.get(event.id)
            if data is None:
                out.append(event)
            elif isinstance(event, EncodedEvent):
                envelope = {**json.loads(event.json), "data": data}
                out.append(
                    dataclasses.replace(event, json=json.dumps(envelope, ensure_ascii=False, separators=(",", ":")))
                )
            else:
                out.append(dataclasses.replace(event, data=data))
        return out

    def stop(self) -> None:
        """Ask `run()` to return."""
        self._stop.set()
        self._wake.set()

    def pump(self) -> int:
        """Push everything committed after `position`; return how many events were pushed."""
        read_needed, self._read_needed = self._read_needed, False
        total, covered = self._push_local()
        if covered and not read_needed:
            # Everything this wake-up was for came from memory. A commit of another process
            # after these wakes us again (or the poll finds it).
            return total
        while True:
            with self.db.read() as session:
                batch = read_page(session, self.position, None, limit=self.page_size, with_topics=True)
            if not batch:
                return total
            with self.lock:
                batch = self.scrub(batch)
                self._deliver(batch)
                self.position = batch[-1].id or self.position
                self._advanced.notify_all()
            total += len(batch)
            if len(batch) < self.page_size:
                # A short page is the end of the log as of this read; a later commit wakes us
                # again (or the poll finds it), so a second, empty read would only cost time.
                return total

    def _push_local(self) -> tuple[int, bool]:
        """Push this process's committed events if they follow `position`; (pushed, whether they covered it)."""
        events: list[Event] = []
        while self._local:
            events.extend(self._local.popleft())
        if not events:
            return 0, False
        with self.lock:
            fresh = [event for event in events if event.id is not None and event.id > self.position]
            if not fresh:
                return 0, self.position >= 0  # read already (a wake-up of their own)
            ids = [event.id for event in fresh if event.id is not None]
            if self.position < 0 or ids != list(range(self.position + 1, self.position + 1 + len(ids))):
                # Another process committed in between (or an id was drawn by a rolled-back
                # transaction on PostgreSQL): only the log knows what lies between.
                return 0, False
            batch = self.scrub(fresh)
            self._deliver(batch)
            self.position = ids[-1]
            self._advanced.notify_all()
        return len(fresh), True

    def _forget_copies(self) -> None:
        for callback in self._forget:
            try:
                callback()
            except Exception:  # a broken cache must not stop the relay
                log.exception("relay forget callback %r failed", callback)

    def _deliver(self, batch: list[Event]) -> None:
        # Split at access changes: what came before is pushed, then the change is applied, then
        # the change itself and what follows are pushed (to whoever may still read them).
        if any(registry.withdraws(event.type) for event in batch):
            # Redactions committed by any process come with a withdrawal event: copies of the
            # log this process cached before them (shared replay pages) must not be served again.
            self._forget_copies()
        segment: list[Event] = []
        for event in batch:
            if registry.is_access_change(event.type):
                self._push(segment)
                segment = []
                for sink in self.sinks:
                    try:
                        sink.revoke(event)
                    except Exception:  # one broken transport must not stop the others
                        log.exception("relay sink %r failed to apply %s %s", sink, event.type, event.id)
                self.access_version += 1
            segment.append(event)
        self._push(segment)

    def _push(self, events: list[Event]) -> None:
        if not events:
            return
        for sink in self.sinks:
            try:
                sink.push(events)
            except Exception:  # one broken transport must not stop the others
                log.exception("relay sink %r failed", sink)

    def run(self) -> None:
        """Push until `stop()`; meant to be a background task of the web process."""
        failing = False
        while not self._stop.is_set():
            if not self._wake.wait(self.poll_interval):
                self._read_needed = True  # the poll: commits of processes that wake nobody
            self._wake.clear()
            try:
                if self.position < 0:
                    self.start_at_head()
                self.pump()
                if failing:
                    log.warning("relay recovered at event %s", self.position)
                failing = False
            except Exception as exc:  # the database may be away for a while: keep trying, log once
                if not failing:
                    log.error("relay cannot read the event log (%s); retrying", exc.__class__.__name__, exc_info=True)
                failing = True
                time.sleep(self.poll_interval)

    def wait_until(self, predicate: Callable[[int], bool], timeout: float) -> bool:
        """Block until `predicate(position)` holds or `timeout` passes; return whether it holds."""
        with self._advanced:
            return self._advanced.wait_for(lambda: predicate(self.position), timeout)

    def follow(
        self,
        cursor: int,
        topics: Callable[[], Iterable[str]],
        go_live: Callable[[int], None],
        cancelled: Callable[[], bool] = lambda: False,
        reader: Callable[..., list[Any]] | None = None,
        shared: PageCache | None = None,
    ) -> CatchUp:
        """Replay events after `cursor` on `topics`, then call `go_live` under the relay lock.

        `reader` reads a page (default `read_page`; `read_page_json` yields pre-serialised events);
        with `shared`, pages are read once for every client replaying the same range.
        """
        return CatchUp(self, cursor, topics, go_live, cancelled, reader or read_page, shared)


class CatchUp:
    """Iterates the events a client missed, page by page, then switches it to live delivery.

    The switch happens under the relay lock only when the client's cursor equals the relay's
    position: every event up to there came from the log, every later one will come from the
    relay. `cursor` always names the last event the consumer has been given.
    """

    def __init__(
        self,
        relay: Relay,
        cursor: int,
        topics: Callable[[], Iterable[str]],
        go_live: Callable[[int], None],
        cancelled: Callable[[], bool],
        reader: Callable[..., list[Any]] = read_page,
        shared: PageCache | None = None,
    ) -> None:
        self.relay = relay
        self.reader = reader
        self.shared = shared
        self.cursor = cursor
        self.topics = topics
        self.go_live = go_live
        self.cancelled = cancelled
        self.live = False
        self.replayed = 0

    def __iter__(self) -> Iterator[Any]:
        """Each missed event; `cursor` follows every event handed out (the consumer may stop anywhere)."""
        for page in self.pages(whole=False):
            for event in page.items:
                if self.cancelled():
                    return
                yield event
                self.cursor = event.id or self.cursor
                self.replayed += 1

    def pages(self, whole: bool = True) -> Iterator[SharedPage]:
        """The missed events a page at a time; with `whole`, the consumer delivers each page entirely."""
        relay = self.relay
        while not self.cancelled():
            target = relay.position
            if self.cursor < target:
                page = self._read(target)
                if page.items:
                    yield page
                if whole:
                    self.replayed += len(page.items)
                # Every event up to `cover` was in the page (its last one if full, else `target`).
                self.cursor = page.cover
                continue
            with relay.lock:
                if relay.position == self.cursor and not self.cancelled():
                    self.go_live(self.cursor)
                    self.live = True
                    return
            if self.cursor > relay.position:
                # The client starts from a head the relay has not pushed yet: let it catch up.
                relay.wait_until(lambda position: position >= self.cursor, timeout=1.0)

    def _read(self, upto: int) -> SharedPage:
        relay = self.relay
        after = self.cursor
        topics = list(self.topics())

        def load() -> list[Any]:
            with relay.db.read() as session:
                page = self.reader(session, after, topics, limit=relay.page_size, upto=upto)
            return relay.scrub(page)  # what this process redacted since the read began

        if self.shared is None:
            return SharedPage(load(), limit=relay.page_size, upto=upto)
        return self.shared.get(self.reader, after, topics, limit=relay.page_size, upto=upto, load=load)
