"""The realtime layer of one web process: the relay wired to Socket.IO `/live`, SSE and long-poll.

One module per job:
    protocol.py  message names and schemas, acks, rooms, dispatch rules
    access.py    what an access-change event means for a reader; grants no change slips past
    engineio.py  the one adapter to python-engineio / python-socketio internals
    fanout.py    the broadcast fast path: encode once, one ordered outbox per WebSocket
    clients.py   the connections of this process, their topics and rooms
    replay.py    a socket client's catch-up from the log and hand-over to live
    presence.py  typing and viewers (ephemeral, never stored)
    board.py     where viewers are counted and ephemeral messages told: this process, or all via Redis
    revocation.py access changes applied to the /live connections, in the relay's order
    sink.py      the relay's Socket.IO sink
    gateway.py   the thin `/live` namespace
    reach.py     proof of reach: who each tracked broadcast was pushed to
    wakeup.py    cross-process relay wake-ups through Redis
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from dialog import metrics
from dialog.extensions import db, socketio
from dialog.realtime.access import Reviews
from dialog.realtime.board import RedisBoard
from dialog.realtime.clients import Clients
from dialog.realtime.engineio import SocketServer, running_greenlets
from dialog.realtime.fanout import FanOut
from dialog.realtime.gateway import LiveNamespace
from dialog.realtime.presence import Presence
from dialog.realtime.protocol import NAMESPACE
from dialog.realtime.reach import ReachRecorder
from dialog.realtime.replay import Replayer
from dialog.realtime.revocation import SocketRevoker
from dialog.realtime.sink import SocketIOSink
from dialog.realtime.wakeup import RedisWakeup
from events import Relay, StreamHub, on_redaction, prune, utcnow

log = logging.getLogger(__name__)


class Realtime:
    """The relay, the HTTP stream hub and the /live namespace of one web process."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.relay = Relay(db, page_size=config["REPLAY_PAGE_SIZE"], poll_interval=config["RELAY_POLL_SECONDS"])
        reviews = Reviews()
        self.hub = StreamHub(review=reviews.of)
        self.io = SocketServer(socketio.server, NAMESPACE)
        self.fanout = FanOut(
            self.io,
            enabled=config["FANOUT_FASTPATH"],
            max_bytes=config["FANOUT_MAX_BUFFER_BYTES"],
            sndbuf=config["FANOUT_SOCKET_SNDBUF"],
        )
        self.clients = Clients(self.io, self.fanout)
        replayer = Replayer(
            self.relay,
            self.clients,
            self.fanout,
            max_queued=config["REPLAY_MAX_QUEUED"],
            cached_pages=config["REPLAY_CACHED_PAGES"],
        )
        queue = config["SOCKETIO_MESSAGE_QUEUE"]
        # With Redis, viewers and typing are shared by every web process; without, this one's.
        self.board = RedisBoard(queue) if queue else None
        self.presence = presence = Presence(self.clients, self.board)
        self.live = LiveNamespace(self.relay, self.io, self.clients, replayer, presence)
        self.relay.add_sink(SocketIOSink(self.fanout, SocketRevoker(self.clients, presence, reviews)))
        self.relay.add_sink(self.hub)
        self.relay.add_sink(metrics.MetricsSink())
        metrics.CONNECTIONS.labels("/live").set_function(self.clients.count)
        metrics.SUBSCRIPTIONS.set_function(self.clients.subscription_count)
        metrics.STREAM_CLIENTS.set_function(self.hub.count)
        if config["METRICS_GREENLETS"]:
            metrics.GREENLETS.set_function(running_greenlets)
        for name in self.session_counts():
            metrics.LIVE_SESSIONS.labels(name).set_function(self._session_count_of(name))
        self.wakeup = RedisWakeup(queue, self.relay) if queue else None
        # Last: it counts who the sinks above just pushed each broadcast to.
        self.reach = ReachRecorder(self.io, self.hub, flush_seconds=config["REACH_FLUSH_SECONDS"])
        self.relay.add_sink(self.reach)
        self.retention = timedelta(days=config["EVENT_RETENTION_DAYS"])
        self.retention_check_seconds = config["RETENTION_CHECK_SECONDS"]
        self.started = False
        socketio.on_namespace(self.live)
        _route_engineio_path(app)
        app.extensions["dialog.realtime"] = self

    def session_counts(self) -> dict[str, int]:
        """Per-session entries of /live state, ours and the libraries' (all 0 with nobody connected)."""
        fanout = self.fanout
        return {
            "clients": self.clients.count(),
            "fanout_targets": len(fanout.targets),
            "fanout_room_members": sum(len(members) for members in list(fanout.rooms.values())),
            "presence_viewers": self.presence.session_count(),
            **self.io.session_counts(),
        }

    def _session_count_of(self, name: str) -> Callable[[], float]:
        return lambda: self.session_counts()[name]

    def start(self) -> None:
        """Start pushing: the relay from the current head, and the retention sweep."""
        if self.started:
            return
        self.started = True
        # The relay finds the log's head itself (and waits for the database if it is away).
        # Commits in this process wake the relay at once (their events are pushed from memory);
        # other processes' commits are polled, or announced through Redis (wakeup.py).
        self.relay.db.on_commit(self.relay.committed)
        # Redactions committed here also reach pages read before them and queued HTTP events.
        on_redaction(self.relay.redacted)
        if self.wakeup is not None:
            self.wakeup.start()
        if self.board is not None:
            self.board.start()
        socketio.start_background_task(self.relay.run)
        socketio.start_background_task(self._retention_loop)
        socketio.start_background_task(self.reach.run)

    def stop(self) -> None:
        """Stop the relay loop."""
        self.relay.db.remove_commit_listener(self.relay.committed)
        self.relay.stop()

    def prune_now(self) -> int:
        """Apply the retention setting once; return the new watermark."""
        with db.write() as session:
            return prune(session, utcnow() - self.retention)

    def _retention_loop(self) -> None:
        while True:
            try:
                self.prune_now()
            except Exception:
                log.exception("event retention sweep failed")
            socketio.sleep(self.retention_check_seconds)


# Where Flask-SocketIO's middleware serves Engine.IO (its default, which create_app keeps).
ENGINEIO_PATH = "/socket.io/"


def _route_engineio_path(app: Flask) -> None:
    """Give Engine.IO's path a Flask route, for the request contexts of Socket.IO events.

    Flask-SocketIO runs every event handler in a request context built from the session's
    handshake request, and Flask matches that request's URL against the app's routes: Engine.IO's
    path matched none, so each connect and subscribe raised a NotFound whose traceback held the
    context in a reference cycle (~110 objects of cyclic garbage per client connecting and
    subscribing). Two rules, as werkzeug matches WebSocket requests (`Upgrade: websocket`) to
    WebSocket rules only. Engine.IO's middleware answers this path before Flask: the view never runs.
    """
    for websocket in (False, True):
        app.add_url_rule(
            ENGINEIO_PATH,
            endpoint="engineio_websocket" if websocket else "engineio",
            view_func=_served_by_engineio,
            websocket=websocket,
        )


def _served_by_engineio() -> ResponseReturnValue:
    raise NotFound()


def realtime_of(app: Flask) -> Realtime:
    """The Realtime object bound to `app`."""
    realtime: Realtime = app.extensions["dialog.realtime"]
    return realtime
