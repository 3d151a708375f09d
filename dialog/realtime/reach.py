"""Proof of reach: a relay sink that counts who each broadcast was pushed to in this process.

For every tracked event (`announcement.broadcast`, `call.opened`) the sink counts, at push
time, the live Socket.IO sessions in the rooms of the event's topics (deduplicated: a session in
two of those rooms got the event once) and the SSE listeners following any of its topics. The
counts are written by a background task (a sink must not block the relay), each process adding
its own to the broadcast's row. Long-poll clients are not counted: they fetch from the log.
"""

from __future__ import annotations

import logging
import threading

from dialog.extensions import db, socketio
from dialog.realtime.engineio import SocketServer
from dialog.realtime.protocol import room_of
from events import Event, StreamHub
from services.announcements import TRACKED, record_deliveries

log = logging.getLogger(__name__)


class ReachRecorder:
    """Relay sink: counts the live recipients of tracked broadcasts; `run()` stores the counts."""

    def __init__(self, io: SocketServer, hub: StreamHub, *, flush_seconds: float = 0.5) -> None:
        self.io = io
        self.hub = hub
        self.flush_seconds = flush_seconds
        self.pending: dict[int, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def push(self, events: list[Event]) -> None:
        """Count recipients of the tracked events in this batch (called by the relay, in order)."""
        counted = False
        for event in events:
            if event.type not in TRACKED or event.id is None:
                continue
            counts = (self.live_sessions(event.topics), self.hub.listeners_for(event.topics))
            with self._lock:
                sessions, streams = self.pending.get(event.id, (0, 0))
                self.pending[event.id] = (sessions + counts[0], streams + counts[1])
            counted = True
        if counted:
            self._wake.set()

    def live_sessions(self, topics: tuple[str, ...]) -> int:
        """Distinct /live sessions in the rooms of `topics` (this process's only)."""
        return len(self.io.participants([room_of(t) for t in topics]))

    def revoke(self, _event: Event) -> None:
        """Access changes do not change what was pushed: nothing to do."""

    def flush(self) -> int:
        """Write the collected counts; return how many broadcasts were updated."""
        with self._lock:
            taken, self.pending = self.pending, {}
        if not taken:
            return 0
        try:
            with db.write() as session:
                return record_deliveries(session, taken)
        except Exception:
            with self._lock:  # keep them for the next try
                for event_id, (s, c) in taken.items():
                    old = self.pending.get(event_id, (0, 0))
                    self.pending[event_id] = (old[0] + s, old[1] + c)
            raise

    def run(self) -> None:
        """Background task: flush whenever something was counted (at most every `flush_seconds`)."""
        while True:
            self._wake.wait(timeout=30)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("writing broadcast reach failed; retrying")
            socketio.sleep(self.flush_seconds)
