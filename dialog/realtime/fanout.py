"""Broadcast fast path (Outbox, FanOut): encode an event once, hand the same WebSocket frame bytes to every socket.

The normal python-socketio path costs, per recipient: a queue put, a wake-up of that
connection's writer greenlet, Engine.IO encoding, wsproto framing and one `send`. Here a
broadcast builds the Socket.IO packet and the WebSocket frame once per event (one joined byte
string per run of events on the same topics) and, for every WebSocket connection in the rooms,
does one non-blocking `send` of those shared bytes.

Order: every byte written to such a connection — our broadcasts and replay pages, and whatever
Engine.IO's own writer sends (acks, pings, typing, close frames), which reaches the socket
through `FastSocket` — goes through the connection's `Outbox`, which keeps one ordered byte
stream. A write goes straight to the kernel only when nothing is waiting; otherwise it queues
behind what is waiting, and a flusher task drains the queue when the socket becomes writable.

Back-pressure: a live broadcast that would push a connection's backlog past `max_bytes` is not
queued; the connection is handed to `on_overflow` (the `/live` namespace drops it back to
replay-from-log mode at the event before, so it resumes by cursor at its own pace, with no gap).
A slow socket therefore never blocks the others and never holds more than about `max_bytes`.

Only connections that opened as WebSocket get an outbox. A connection that started on long-poll
(and maybe upgraded later) keeps Engine.IO's queue for everything, so its order never depends on
two channels; it receives broadcasts through the normal path, from a packet encoded once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from dialog.realtime.engineio import EVENT_PREFIX, SocketServer

log = logging.getLogger(__name__)


def ws_text_frame(payload: bytes) -> bytes:
    """A final, unmasked WebSocket text frame (server to client) carrying `payload`."""
    n = len(payload)
    if n < 126:
        header = bytes((0x81, n))
    elif n < 1 << 16:
        header = bytes((0x81, 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + n.to_bytes(8, "big")
    return header + payload


class Outbox:
    """One connection's ordered outgoing byte stream, written without blocking the writer."""

    __slots__ = (
        "sock",
        "raw",
        "lock",
        "spawn",
        "pending",
        "pending_bytes",
        "pending_frames",
        "inflight",
        "flushing",
        "closed",
        "close_after",
    )

    def __init__(self, sock: Any, *, cooperative: bool, spawn: Callable[..., Any], sndbuf: int = 0) -> None:
        self.sock = sock
        if sndbuf:
            # A fixed kernel send buffer (no autotuning up to megabytes per socket), so a slow
            # reader's backlog shows in `backlog_bytes` and meets `max_bytes` early.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        if sock.gettimeout() is None:
            # A peer that stops reading must not hold the flusher (and the socket) forever.
            sock.settimeout(60.0)
        # With gevent the real socket is non-blocking underneath: try the kernel first. Greenlets
        # switch only where they block, and nothing here blocks, so no lock is needed either.
        raw = getattr(sock, "_sock", None) if cooperative else None
        self.raw = raw if raw is not None and raw.gettimeout() == 0.0 else None
        self.lock: threading.Lock | None = None if cooperative else threading.Lock()
        self.spawn = spawn
        self.pending: list[bytes] = []  # not a deque: an empty one costs ~600 bytes per connection
        self.pending_bytes = 0
        self.pending_frames = 0
        self.inflight = 0
        self.flushing = False
        self.closed = False
        self.close_after = False

    def backlog_frames(self) -> int:
        """About how many frames wait to be written (for replay back-pressure)."""
        return self.pending_frames + (1 if self.inflight else 0)

    def backlog_bytes(self) -> int:
        """Bytes accepted but not yet handed to the kernel."""
        return self.pending_bytes + self.inflight

    def write(self, data: bytes, frames: int = 1, limit: int = 0) -> bool:
        """Queue `data` (whole frames) after everything written before; False if over `limit`."""
        lock = self.lock
        if lock is None:
            return self._write(data, frames, limit)
        with lock:
            return self._write(data, frames, limit)

    def _write(self, data: bytes, frames: int, limit: int) -> bool:
        if self.closed:
            return True  # the connection is going away; its reader ends the session
        if self.flushing or self.pending:
            if limit and self.pending_bytes + self.inflight + len(data) > limit:
                return False
        elif self.raw is not None:
            try:
                sent = self.raw.send(data)
            except BlockingIOError:
                sent = 0
            except OSError:
                self._broken()
                return True
            if sent == len(data):
                return True
            data = data[sent:]
        self.pending.append(data)
        self.pending_bytes += len(data)
        self.pending_frames += frames
        if not self.flushing:
            self.flushing = True
            self.spawn(self._flush)
        return True

    def _flush(self) -> None:
        lock = self.lock or _NO_LOCK
        while True:
            with lock:
                if self.closed or not self.pending:
                    self.flushing = False
                    self.inflight = 0
                    self.pending.clear()
                    self.pending_bytes = self.pending_frames = 0
                    close = self.close_after
                    break
                chunk = b"".join(self.pending) if len(self.pending) > 1 else self.pending[0]
                self.pending.clear()
                self.pending_bytes = self.pending_frames = 0
                self.inflight = len(chunk)
            try:
                self.sock.sendall(chunk)  # blocks this flusher only (a greenlet, or a thread)
            except OSError:
                with lock:
                    self._broken()
        if close:
            self._close_socket()

    def _broken(self) -> None:
        self.closed = True
        self.pending.clear()
        self.pending_bytes = self.pending_frames = self.inflight = 0
        with contextlib.suppress(OSError):  # wake the reader so that Engine.IO ends the session
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the socket once everything queued is written."""
        lock = self.lock or _NO_LOCK
        with lock:
            if self.flushing and not self.closed:
                self.close_after = True
                return
        self._close_socket()

    def _close_socket(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


_NO_LOCK = _NoLock()


class FastSocket:
    """Stands in for the socket of a simple-websocket connection: every send goes via the outbox."""

    def __init__(self, sock: Any, outbox: Outbox) -> None:
        self._fast_sock = sock
        self._fast_outbox = outbox

    def send(self, data: bytes, *_flags: Any) -> int:
        self._fast_outbox.write(bytes(data))
        return len(data)

    def sendall(self, data: bytes, *_flags: Any) -> None:
        self._fast_outbox.write(bytes(data))

    def close(self) -> None:
        self._fast_outbox.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fast_sock, name)


class Target:
    """Where one Socket.IO session's events go: its outbox, or Engine.IO's queue (long-poll)."""

    __slots__ = ("sid", "eio_sid", "outbox", "demoted")

    def __init__(self, sid: str, eio_sid: str, outbox: Outbox | None) -> None:
        self.sid = sid
        self.eio_sid = eio_sid
        self.outbox = outbox
        self.demoted = False


class FanOut:
    """Room membership of the live sessions, and broadcasts that encode each event once."""

    def __init__(
        self,
        io: SocketServer,
        *,
        enabled: bool,
        max_bytes: int,
        sndbuf: int = 0,
        on_overflow: Callable[[str, int], None] | None = None,
    ) -> None:
        self.io = io
        namespace = io.namespace
        self.prefix = f"{EVENT_PREFIX}{namespace}," if namespace != "/" else EVENT_PREFIX
        self.enabled = enabled
        self.max_bytes = max_bytes
        self.sndbuf = sndbuf
        self.on_overflow = on_overflow
        self.cooperative = getattr(io.server, "async_mode", "threading") in ("gevent", "gevent_uwsgi", "eventlet")
        self.rooms: dict[str, dict[str, Target]] = {}
        self.targets: dict[str, Target] = {}
        self.lock = threading.RLock()
        self.overflows = 0
        if enabled:
            io.on_websocket_open(self._open)

    def _open(self, sock: Any, spawn: Callable[..., Any]) -> tuple[Any, Outbox]:
        # A new WebSocket connection: every byte it sends from now on goes through its outbox.
        outbox = Outbox(sock, cooperative=self.cooperative, spawn=spawn, sndbuf=self.sndbuf)
        return FastSocket(sock, outbox), outbox

    # -- membership (the caller holds the relay lock) -------------------------------------------
    def target(self, sid: str) -> Target | None:
        """The target of session `sid` (resolved once), or None if it is gone."""
        target = self.targets.get(sid)
        if target is None:
            eio_sid = self.io.eio_sid(sid)
            if eio_sid is None or self.io.socket(eio_sid) is None:
                return None
            target = Target(sid, eio_sid, self.io.outbox(eio_sid))
            self.targets[sid] = target
        return target

    def join(self, sid: str, rooms: Iterable[str]) -> None:
        """Session `sid` receives broadcasts to `rooms` from now on."""
        target = self.target(sid)
        if target is None:
            return
        target.demoted = False
        with self.lock:
            for room in rooms:
                self.rooms.setdefault(room, {})[sid] = target

    def leave(self, sid: str, rooms: Iterable[str]) -> None:
        """Session `sid` no longer receives broadcasts to `rooms`."""
        with self.lock:
            for room in rooms:
                members = self.rooms.get(room)
                if members is not None:
                    members.pop(sid, None)
                    if not members:
                        del self.rooms[room]

    def forget(self, sid: str) -> None:
        """Session `sid` disconnected."""
        with self.lock:
            self.targets.pop(sid, None)
            for room in [r for r, members in self.rooms.items() if sid in members]:
                self.leave(sid, [room])

    # -- encoding ---------------------------------------------------------------------------------
    def encode(self, event: str, data: Any) -> tuple[str, bytes]:
        """The Engine.IO text of a Socket.IO EVENT packet, and the WebSocket frame carrying it."""
        # What python-socketio's Packet.encode() makes of an EVENT without binary attachments or
        # ack id ("2" + namespace + "," + JSON), with the stdlib encoder (the envelope is plain
        # JSON already; Flask's provider costs ~20 µs more per event).
        eio_text = self.prefix + json.dumps([event, data], ensure_ascii=False, separators=(",", ":"))
        return eio_text, ws_text_frame(eio_text.encode())

    def frame_of_json(self, event: str, data_json: str) -> bytes:
        """The WebSocket frame of an EVENT whose argument is already JSON text."""
        return ws_text_frame(f'{self.prefix}["{event}",{data_json}]'.encode())

    def send_one(self, sid: str, event: str, data: Any) -> bool:
        """Send one packet to one session in its stream order; False if it has no outbox (use emit)."""
        target = self.target(sid)
        if target is None or target.outbox is None:
            return False
        target.outbox.write(self.encode(event, data)[1])
        return True

    def backlog(self, sid: str) -> int:
        """Frames waiting in the outbox of `sid` (0 if it has none)."""
        target = self.targets.get(sid)
        return target.outbox.backlog_frames() if target is not None and target.outbox is not None else 0

    # -- broadcast --------------------------------------------------------------------------------
    def _recipients(self, rooms: tuple[str, ...]) -> list[Target]:
        rooms_map = self.rooms
        if len(rooms) == 1:
            return list(rooms_map.get(rooms[0], {}).values())
        merged: dict[str, Target] = {}
        for room in rooms:
            merged.update(rooms_map.get(room, {}))
        return list(merged.values())

    def broadcast(self, batches: list[tuple[tuple[str, ...], list[tuple[int, Any]]]], event: str = "event") -> int:
        """Deliver runs of `(rooms, [(event id, payload), ...])` in order; return deliveries made.

        Each run is encoded once. Every WebSocket recipient gets everything of the batch that is
        for it in one write: with many small topics a batch holds events of many rooms, and a
        `send` per connection per event (a system call each) was most of the cost of a delivery.
        """
        runs: list[_Run] = []
        for rooms, items in batches:
            recipients = self._recipients(rooms)
            if recipients:
                runs.append(_Run(recipients, [self.encode(event, payload) for _id, payload in items], items[0][0]))
        if not runs:
            return 0
        overflowed: list[tuple[str, int]] = []
        if len(runs) == 1:
            run = runs[0]
            delivered = sum(self._deliver(target, (run,), overflowed) for target in run.recipients)
        else:
            # Who gets which runs, in batch (= id) order: one write per connection per batch.
            plan: dict[Target, list[_Run]] = {}
            for run in runs:
                for target in run.recipients:
                    got = plan.get(target)
                    if got is None:
                        plan[target] = [run]
                    else:
                        got.append(run)
            delivered = sum(self._deliver(target, its_runs, overflowed) for target, its_runs in plan.items())
        for sid, cursor in overflowed:
            self.overflows += 1
            log.info("fan-out: %s reads too slowly; back to replay from event %s", sid, cursor)
            if self.on_overflow is not None:
                self.on_overflow(sid, cursor)
        return delivered

    def _deliver(self, target: Target, runs: Sequence[_Run], overflowed: list[tuple[str, int]]) -> int:
        """Write `runs` to one target (one write on a WebSocket); return the deliveries made."""
        if target.demoted:
            return 0
        count = runs[0].count if len(runs) == 1 else sum(run.count for run in runs)
        outbox = target.outbox
        if outbox is None:
            for run in runs:
                self.io.send_messages(target.eio_sid, run.texts())
            return count
        frames = runs[0].frames if len(runs) == 1 else b"".join(run.frames for run in runs)
        if outbox.write(frames, count, self.max_bytes):
            return count
        target.demoted = True
        overflowed.append((target.sid, runs[0].first_id - 1))
        return 0


class _Run:
    """Consecutive events of a batch for the same rooms, encoded once."""

    __slots__ = ("recipients", "encoded", "frames", "count", "first_id", "_texts")

    def __init__(self, recipients: list[Target], encoded: list[tuple[str, bytes]], first_id: int) -> None:
        self.recipients = recipients
        self.encoded = encoded
        self.frames = b"".join(f for _t, f in encoded) if len(encoded) > 1 else encoded[0][1]
        self.count = len(encoded)
        self.first_id = first_id
        self._texts: list[str] | None = None

    def texts(self) -> list[str]:
        """The Engine.IO MESSAGE payloads (without Engine.IO's "4") for Engine.IO's queue."""
        if self._texts is None:
            self._texts = [t[1:] for t, _f in self.encoded]
        return self._texts
