"""The `/live` connections of this process: who they are, what they follow, and their rooms."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dialog.extensions import socketio
from dialog.realtime.engineio import SocketServer
from dialog.realtime.fanout import FanOut
from dialog.realtime.protocol import NAMESPACE, room_of
from events import Caller


@dataclass
class LiveClient:
    """One connection's stream: its topics, the last id it was given, and whether it is live."""

    sid: str
    caller: Caller
    topics: set[str] = field(default_factory=set)
    cursor: int | None = None
    live: bool = False
    # A replay was started and has not handed over to live yet (set and cleared under the relay lock).
    replaying: bool = False
    # Bumped by every subscribe and by disconnect; a replay task of an older generation stops.
    generation: int = 0
    busy: threading.Lock = field(default_factory=threading.Lock)
    # Topics (space.<slug> / thread.<id>) this connection says it is viewing, for presence.
    viewing: set[str] = field(default_factory=set)
    # `revoked` messages waiting for the replay in progress to reach them (sent in stream order).
    notices: list[dict[str, Any]] = field(default_factory=list)
    # A subscribe is being handled: its ack is not queued yet, so its replay must not write.
    acking: bool = False
    # Why the connection is being closed by the server (its token was revoked ...), else None.
    ending: str | None = None


class Clients:
    """The connections of this process by sid, and their room membership (Socket.IO's and the fan-out's)."""

    def __init__(self, io: SocketServer, fanout: FanOut) -> None:
        self.io = io
        self.fanout = fanout
        self.by_sid: dict[str, LiveClient] = {}

    def add(self, client: LiveClient) -> None:
        """Register a new connection."""
        self.by_sid[client.sid] = client

    def get(self, sid: str) -> LiveClient | None:
        """The connection `sid`, or None."""
        return self.by_sid.get(sid)

    def pop(self, sid: str) -> LiveClient | None:
        """Forget the connection `sid`; return it if it was known."""
        return self.by_sid.pop(sid, None)

    def all(self) -> list[LiveClient]:
        """Every connection (a snapshot)."""
        return list(self.by_sid.values())

    def sids_of(self, member_id: int | None) -> list[str]:
        """The sessions of member `member_id` in this process."""
        return [c.sid for c in self.all() if c.caller.id == member_id]

    def count(self) -> int:
        """How many connections this process holds on `/live`."""
        return len(self.by_sid)

    def subscription_count(self) -> int:
        """How many topics the connections of this process follow, added up."""
        return sum(len(client.topics) for client in self.all())

    # -- rooms (the caller holds the relay lock) --------------------------------------------------
    def enter_rooms(self, client: LiveClient) -> None:
        """Put the client in the rooms of all its topics: live broadcasts reach it from now on."""
        for topic in client.topics:
            socketio.server.enter_room(client.sid, room_of(topic), namespace=NAMESPACE)
        self.fanout.join(client.sid, [room_of(t) for t in client.topics])

    def leave_rooms(self, client: LiveClient, topics: Iterable[str]) -> None:
        """Take the client out of the rooms of `topics`."""
        topics = list(topics)
        for topic in topics:
            socketio.server.leave_room(client.sid, room_of(topic), namespace=NAMESPACE)
        self.fanout.leave(client.sid, [room_of(t) for t in topics])

    # -- one message to one client, in its stream order -------------------------------------------
    def send(self, client: LiveClient, message: str, data: Any) -> None:
        """Send `message` to the client after everything sent to it before."""
        # A fast-path WebSocket gets it through the same ordered outbox as broadcasts and replay;
        # everyone else through Engine.IO's queue, as broadcasts to them go.
        if self.fanout.enabled and self.fanout.send_one(client.sid, message, data):
            return
        socketio.server.emit(message, data, to=client.sid, namespace=NAMESPACE, ignore_queue=True)

    def queued(self, sid: str) -> int:
        """Packets waiting to be written to `sid` (its outbox and Engine.IO's queue)."""
        return self.fanout.backlog(sid) + self.io.queued(sid)
