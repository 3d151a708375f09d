"""A socket client's catch-up: what it missed, from the log, in pages, then the hand-over to live.

`subscribe` pauses live delivery and starts a replay task. The task streams the events after
the client's cursor (with back-pressure: a slow reader is not given the next page until it
drains), then, under the relay lock and exactly at the relay's position, puts the client in the
rooms of its topics: the hand-over has no gap and no duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dialog.extensions import db, socketio
from dialog.metrics import REPLAYED
from dialog.realtime.clients import Clients, LiveClient
from dialog.realtime.fanout import FanOut
from dialog.realtime.protocol import NAMESPACE
from events import Event, Relay, read_page
from events.log import read_page_json
from events.pages import PageCache, SharedPage

log = logging.getLogger(__name__)

# Topics joining a running stream: (history after, up to, topics).
Backfill = tuple[int, int, list[str]]


class Replayer:
    """Runs each client's catch-up and switches it to live delivery."""

    def __init__(
        self, relay: Relay, clients: Clients, fanout: FanOut, *, max_queued: int, cached_pages: int = 32
    ) -> None:
        self.relay = relay
        self.clients = clients
        self.io = clients.io
        self.fanout = fanout
        self.max_queued = max_queued
        # Clients resuming the same range at once (a reconnect storm) share each page read.
        self.pages = PageCache(cached_pages)
        # A redaction (here or in another process) makes cached pages stale: drop them.
        relay.on_forget(self.pages.clear)
        fanout.on_overflow = self.demote

    def start(self, client: LiveClient, generation: int, backfill: Backfill | None = None) -> None:
        """Replay to `client` in a background task, then make it live (unless a newer generation started)."""
        socketio.start_background_task(self._stream, client, generation, backfill)

    def pause(self, client: LiveClient) -> None:
        """Stop live delivery until a new replay hands over; a live client's cursor is the relay's position.

        The caller holds the relay lock and starts the replay.
        """
        if client.live:
            # Everything up to the relay's position has been emitted to this client.
            self.clients.leave_rooms(client, client.topics)
            client.live = False
            client.cursor = self.relay.position
        client.replaying = True

    def demote(self, sid: str, cursor: int) -> None:
        """A live client's socket backed up past its limit: replay from the event after `cursor`.

        Called by the fast path under the relay lock: everything up to `cursor` was handed to the
        socket; the client catches up from the log at its own pace and goes live again when it has.
        """
        client = self.clients.get(sid)
        if client is None or not client.live:
            return
        self.clients.leave_rooms(client, client.topics)
        client.live = False
        client.replaying = True
        client.cursor = cursor
        client.generation += 1
        self.start(client, client.generation)

    def _stream(self, client: LiveClient, generation: int, backfill: Backfill | None) -> None:
        def cancelled() -> bool:
            return client.generation != generation

        with client.busy:
            if cancelled() or client.cursor is None:
                return
            fast = self._fast_outbox(client.sid)

            def go_live(_cursor: int) -> None:
                self._go_live(client)

            try:
                self._after_ack(client, cancelled)
                if backfill is not None:
                    self._backfill(client, backfill, cancelled)
                reader = read_page_json if fast is not None else read_page
                catch_up = self.relay.follow(
                    client.cursor, lambda: tuple(client.topics), go_live, cancelled, reader, self.pages
                )
                try:
                    if fast is None:
                        for event in catch_up:
                            self._send(client, event, cancelled)
                    else:
                        for page in catch_up.pages():
                            # Each page's frames are built once and the same bytes go to every client.
                            frames = page.derived("frames", self._frames_of)
                            fast.write(frames, len(page.items))
                            # Back-pressure: a slow reader is not given the next page until it drains.
                            while fast.backlog_frames() > self.max_queued and not cancelled():
                                socketio.sleep(0.02)
                            # Fairness: after each page the others (pings, REST, live pushes) get a turn.
                            socketio.sleep(0)
                finally:
                    client.cursor = catch_up.cursor
                    REPLAYED.observe(catch_up.replayed)
            except Exception:
                log.exception("replay for %s failed", client.sid)
                socketio.server.disconnect(client.sid, namespace=NAMESPACE)

    def _frames_of(self, page: SharedPage) -> bytes:
        frame_of_json = self.fanout.frame_of_json
        return b"".join(frame_of_json("event", event.json) for event in page.items)

    def _after_ack(self, client: LiveClient, cancelled: Callable[[], bool]) -> None:
        # The subscribe ack goes first: wait until its handler returned (python-socketio queues
        # the ack right then, without yielding) and Engine.IO's writer took it from the queue
        # (it writes it to the outbox at once, ahead of anything this replay writes).
        while (client.acking or self.io.queued(client.sid)) and not cancelled():
            socketio.sleep(0.005)

    def _backfill(self, client: LiveClient, backfill: Backfill, cancelled: Callable[[], bool]) -> None:
        after, upto, topics = backfill
        while after < upto and not cancelled():
            with db.read() as session:
                page = read_page(session, after, topics, limit=self.relay.page_size, upto=upto)
            page = self.relay.scrub(page)
            for event in page:
                self._send(client, event, cancelled)
            after = page[-1].id if len(page) == self.relay.page_size and page[-1].id else upto
            socketio.sleep(0)  # let the others have a turn between pages

    def _fast_outbox(self, sid: str) -> Any:
        if not self.fanout.enabled:
            return None
        target = self.fanout.target(sid)
        return target.outbox if target is not None else None

    def _go_live(self, client: LiveClient) -> None:
        # Called under the relay lock when the client's cursor equals the relay's position.
        # Access that ended during the replay is told now: after every event sent before it ended,
        # before any live one.
        for notice in client.notices:
            self.clients.send(client, "revoked", notice)
        client.notices.clear()
        client.replaying = False
        client.live = True
        self.clients.enter_rooms(client)

    def _send(self, client: LiveClient, event: Event, cancelled: Callable[[], bool]) -> None:
        # Back-pressure: a client that reads slowly is not sent the next page until it drains,
        # so a client far behind never holds more than about `max_queued` packets in memory.
        while self.clients.queued(client.sid) > self.max_queued and not cancelled():
            socketio.sleep(0.02)
        if cancelled():
            return
        self.clients.send(client, "event", event.envelope())
