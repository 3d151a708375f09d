"""The relay's Socket.IO sink: each committed event once to the rooms of its topics, in this process."""

from __future__ import annotations

from typing import Any

from dialog.extensions import socketio
from dialog.realtime.fanout import FanOut
from dialog.realtime.protocol import NAMESPACE, room_of
from dialog.realtime.revocation import SocketRevoker
from events import Event


class SocketIOSink:
    """Relay sink: emit each event once to the rooms of its topics, in this process only.

    Every web process runs its own relay over the shared log, so events are emitted locally
    (`ignore_queue`): they never depend on the Redis message queue, and a Redis outage cannot
    drop them. Redis still carries what has no log (typing, presence) between processes.

    With the fast path on, runs of events on the same topics are encoded once and written as
    one frame string to every WebSocket in their rooms (see fanout.py).
    """

    def __init__(self, fanout: FanOut, revoker: SocketRevoker) -> None:
        self.fanout = fanout
        self.revoker = revoker

    def revoke(self, event: Event) -> None:
        """Apply an access change to the connections of this process (before anything after it is emitted)."""
        self.revoker.revoke(event)

    def push(self, events: list[Event]) -> None:
        """Emit `events` in order."""
        fanout = self.fanout
        if fanout.enabled:
            runs: list[tuple[tuple[str, ...], list[tuple[int, Any]]]] = []
            for event in events:
                rooms = tuple(room_of(t) for t in event.topics)
                if runs and runs[-1][0] == rooms:
                    runs[-1][1].append((event.id or 0, event.envelope()))
                else:
                    runs.append((rooms, [(event.id or 0, event.envelope())]))
            fanout.broadcast(runs)
            return
        server = socketio.server
        for event in events:
            server.emit(
                "event", event.envelope(), to=[room_of(t) for t in event.topics], namespace=NAMESPACE, ignore_queue=True
            )
