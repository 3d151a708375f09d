"""The one adapter to python-engineio / python-socketio / simple-websocket internals.

Everything the realtime layer needs beyond those libraries' public API goes through here: the
wrap of Engine.IO's WebSocket handler (the fan-out outbox), the guard of long-poll POSTs, the cap
of packets per long-poll answer, the Engine.IO socket and queue behind a Socket.IO session, the
manager's room and connection state.
The versions below are the ones this file was read against and tested with (pyproject.toml pins
them); importing it with other versions, or with one of the attributes gone, fails at once with
an error that says which, instead of misbehaving later under load.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from importlib.metadata import version
from typing import Any

import simple_websocket
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio import server as eio_server
from engineio import socket as eio_socket
from socketio import base_manager
from socketio import packet as sio_packet

# distribution -> (lowest verified, first unverified): keep in step with pyproject.toml.
VERIFIED = {
    "python-engineio": ((4, 15, 1), (4, 16)),
    "python-socketio": ((5, 18, 1), (5, 19)),
    "simple-websocket": ((1, 1, 0), (1, 2)),
}


class IncompatibleLibrary(ImportError):
    """Raised at import when an installed library is not one the adapter was verified with."""


def _parse(text: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in text.split("."):
        digits = "".join(c for c in piece if c.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_versions(installed: Callable[[str], str] = version) -> None:
    """Raise IncompatibleLibrary unless every library is within its verified range."""
    for name, (lowest, beyond) in VERIFIED.items():
        found = installed(name)
        if not lowest <= _parse(found) < beyond:
            raise IncompatibleLibrary(
                f"dialog.realtime.engineio was verified with {name} >={'.'.join(map(str, lowest))},"
                f"<{'.'.join(map(str, beyond))}; {found} is installed. Check the private attributes it uses"
                " against that version, then widen VERIFIED and the pin in pyproject.toml."
            )


# (owner, attribute, what we rely on): class-level members; per-instance ones are checked in SocketServer.
_REQUIRED: list[tuple[Any, str, str]] = [
    (eio_socket.Socket, "_websocket_handler", "wrapped to give WebSocket connections an outbox"),
    (eio_socket.Socket, "handle_post_request", "wrapped to answer a bad long-poll POST without hanging"),
    (eio_socket.Socket, "poll", "replaced to send at most MAX_PACKETS_PER_POLL packets per long-poll answer"),
    (eio_socket.Socket, "close", "close(wait=False, abort=True, reason=...)"),
    (eio_socket.Socket, "_send_ping", "the ping task, ended with its session"),
    (eio_server.Server, "send_packet", "writes an Engine.IO packet to a session's queue"),
    (eio_server.Server, "reason", "disconnect reasons (TRANSPORT_ERROR)"),
    (eio_exceptions, "EngineIOError", "what a failed POST raises"),
    (eio_packet, "Packet", "Engine.IO packets of pre-encoded messages"),
    (eio_packet, "MESSAGE", "the Engine.IO message packet type"),
    (base_manager.BaseManager, "eio_sid_from_sid", "Socket.IO sid -> Engine.IO sid"),
    (base_manager.BaseManager, "get_participants", "the sessions in a set of rooms"),
    (base_manager.BaseManager, "is_pre_connected", "tells a real connect from a client's `connect` event"),
    (sio_packet, "EVENT", "the Socket.IO event packet type"),
    (simple_websocket, "Server", "the WebSocket whose `sock` the outbox writes to"),
]


def check_internals() -> None:
    """Raise IncompatibleLibrary if an internal attribute the adapter uses is missing or changed."""
    for owner, name, purpose in _REQUIRED:
        if not hasattr(owner, name):
            raise IncompatibleLibrary(f"{getattr(owner, '__name__', owner)}.{name} is gone ({purpose}); {_installed()}")
    close = inspect.signature(eio_socket.Socket.close).parameters
    if not {"wait", "abort", "reason"} <= set(close):
        raise IncompatibleLibrary(f"engineio Socket.close() lost wait/abort/reason; {_installed()}")
    if not hasattr(eio_server.Server.reason, "TRANSPORT_ERROR"):
        raise IncompatibleLibrary(f"engineio Server.reason.TRANSPORT_ERROR is gone; {_installed()}")


def _installed() -> str:
    return ", ".join(f"{name} {version(name)}" for name in VERIFIED)


check_versions()
check_internals()

# The Socket.IO EVENT packet prefix as Engine.IO text: "4" (MESSAGE) + "2" (EVENT).
EVENT_PREFIX = f"4{sio_packet.EVENT}"

# -- class-level wraps (installed once per process) ---------------------------------------------
_wrapped: set[str] = set()

# A factory attached to an Engine.IO server: (raw socket, spawn) -> (socket to use, outbox).
OutboxFactory = Callable[[Any, Callable[..., Any]], tuple[Any, Any]]


def guard_polling_posts() -> None:
    """Answer a long-poll POST that Engine.IO rejects (unknown packet type, too long) at once.

    python-engineio 4.x answers such a POST with `Server.disconnect(sid)`, i.e. `close(wait=True)`,
    which waits until the session's queue is drained, and only a long-poll GET drains it: with
    none pending, the request (and its connection) hangs forever. Closing without waiting first
    makes that disconnect a no-op, so the POST gets its 400 at once and the session is gone.
    """
    if "post" in _wrapped:
        return
    _wrapped.add("post")
    original = eio_socket.Socket.handle_post_request

    def handle_post_request(self: Any, environ: dict[str, Any]) -> Any:
        try:
            return original(self, environ)
        except eio_exceptions.EngineIOError:
            self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            raise

    eio_socket.Socket.handle_post_request = handle_post_request  # type: ignore[method-assign]


# python-engineio's client (python-socketio's `Client` without websocket-client) refuses a long-poll
# answer of more packets than this (`Payload.max_decode_packets`, "Too many packets in payload")
# and drops the connection: a replay queued hundreds at once. The rest waits for the next poll,
# which such a client sends at once; a WebSocket writer just loops once more.
MAX_PACKETS_PER_POLL = 16


def cap_polling_responses() -> None:
    """Replace Engine.IO's `Socket.poll` with one that takes at most MAX_PACKETS_PER_POLL packets.

    The same steps as python-engineio 4.15's `poll` (block for the first packet, then take what is
    queued without blocking, a `None` marking the end), with a bound on the second step.
    """
    if "poll" in _wrapped:
        return
    _wrapped.add("poll")

    def poll(self: Any) -> list[Any]:
        queue_empty = self.server.get_queue_empty_exception()
        try:
            packets = [self.queue.get(timeout=self.server.ping_interval + self.server.ping_timeout)]
            self.queue.task_done()
        except queue_empty:
            raise eio_exceptions.QueueEmpty() from None
        if packets == [None]:
            return []
        while len(packets) < MAX_PACKETS_PER_POLL:
            try:
                pkt = self.queue.get(block=False)
                self.queue.task_done()
            except queue_empty:
                break
            if pkt is None:
                self.queue.put(None)  # the end marker stays for the next poll, as upstream does
                break
            packets.append(pkt)
        return packets

    eio_socket.Socket.poll = poll  # type: ignore[method-assign]


def _wrap_websocket_handler() -> None:
    if "websocket" in _wrapped:
        return
    _wrapped.add("websocket")
    original = eio_socket.Socket._websocket_handler

    def _websocket_handler(self: Any, ws: Any) -> Any:
        factory: OutboxFactory | None = getattr(self.server, "dialog_outbox_factory", None)
        conn = getattr(ws, "ws", None)  # the simple_websocket.Server of this connection
        # Only connections that open as WebSocket: an upgraded long-poll session keeps one channel.
        if factory is not None and not self.connected and isinstance(conn, simple_websocket.Server):
            conn.sock, self.dialog_outbox = factory(conn.sock, self.server.start_background_task)
        return original(self, ws)

    eio_socket.Socket._websocket_handler = _websocket_handler  # type: ignore[method-assign]


def forget_closed_sessions() -> None:
    """Release a closed Engine.IO session at once instead of up to a ping interval later."""
    if "forget" in _wrapped:
        return
    _wrapped.add("forget")
    handler = eio_socket.Socket._websocket_handler

    def _websocket_handler(self: Any, ws: Any) -> Any:
        try:
            return handler(self, ws)
        finally:
            # Engine.IO forgets a WebSocket session when its request returns, but under gunicorn
            # simple-websocket ends that request by raising StopIteration, which skips it: the
            # closed socket (its queue, WebSocket, outbox and environ) stayed in `sockets` until
            # the service task's sweep, up to two ping timeouts later, so every connect/disconnect
            # cycle left its sessions behind for a while. Forget it here, as soon as it is closed.
            if self.closed and self.server.sockets.get(self.sid) is self:
                del self.server.sockets[self.sid]

    eio_socket.Socket._websocket_handler = _websocket_handler  # type: ignore[method-assign]

    # The ping task of a session sleeps a whole ping interval (25 s) holding the session, so every
    # closed connection stayed in memory (socket, queue, outbox, greenlet stack) that long: a burst
    # of disconnects kept them all. Known by its greenlet, it is ended when the session ends.
    send_ping = eio_socket.Socket._send_ping

    def _send_ping(self: Any) -> Any:
        self.dialog_ping_task = _current_task()
        try:
            return send_ping(self)
        finally:
            self.dialog_ping_task = None

    eio_socket.Socket._send_ping = _send_ping  # type: ignore[method-assign]
    close = eio_socket.Socket.close

    @functools.wraps(close)  # keeps close()'s signature, which check_internals() reads
    def close_and_end_ping(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return close(self, *args, **kwargs)
        finally:
            _end_ping_task(self)

    eio_socket.Socket.close = close_and_end_ping  # type: ignore[method-assign]


def _current_task() -> Any:
    """The running gevent greenlet (None in threads: a thread cannot be ended from outside)."""
    gevent = sys.modules.get("gevent")
    if gevent is None:
        return None
    current = gevent.getcurrent()
    return current if isinstance(current, gevent.Greenlet) else None


def _end_ping_task(sock: Any) -> None:
    task = getattr(sock, "dialog_ping_task", None)
    if sock.closed and task is not None and task is not _current_task():
        task.kill(block=False)


class SocketServer:
    """One python-socketio Server and namespace, seen through the internals the realtime layer needs."""

    def __init__(self, server: Any, namespace: str) -> None:
        self.server = server
        self.namespace = namespace
        manager = server.manager
        for owner, name in ((manager, "pending_disconnect"), (manager, "rooms")):
            if not hasattr(owner, name):
                raise IncompatibleLibrary(f"socketio manager.{name} is gone; {_installed()}")
        guard_polling_posts()
        cap_polling_responses()
        forget_closed_sessions()

    # -- WebSocket outbox hook -------------------------------------------------------------------
    def on_websocket_open(self, factory: OutboxFactory) -> None:
        """Give every WebSocket connection that opens from now on the socket and outbox `factory` makes."""
        _wrap_websocket_handler()
        eio = self.server.eio
        if not hasattr(eio, "sockets"):
            raise IncompatibleLibrary(f"engineio Server.sockets is gone; {_installed()}")
        eio.dialog_outbox_factory = factory

    # -- sessions ----------------------------------------------------------------------------------
    def eio_sid(self, sid: str) -> str | None:
        """The Engine.IO session behind Socket.IO session `sid` of the namespace (None if gone)."""
        try:
            eio_sid: str | None = self.server.manager.eio_sid_from_sid(sid, self.namespace)
        except KeyError:
            return None
        return eio_sid

    def socket(self, eio_sid: str | None) -> Any:
        """The Engine.IO socket of `eio_sid`, or None."""
        return None if eio_sid is None else self.server.eio.sockets.get(eio_sid)

    def outbox(self, eio_sid: str | None) -> Any:
        """The outbox `on_websocket_open` gave the connection, or None (long-poll, or gone)."""
        return getattr(self.socket(eio_sid), "dialog_outbox", None)

    def queued(self, sid: str) -> int:
        """Packets waiting in Engine.IO's queue of session `sid` (0 if it is gone)."""
        sock = self.socket(self.eio_sid(sid))
        return sock.queue.qsize() if sock is not None else 0

    def send_messages(self, eio_sid: str, texts: Iterable[str]) -> None:
        """Queue pre-encoded Socket.IO packets (Engine.IO MESSAGE payloads) to one Engine.IO session."""
        eio = self.server.eio
        for text in texts:
            eio.send_packet(eio_sid, eio_packet.Packet(eio_packet.MESSAGE, text))

    def participants(self, rooms: list[str]) -> set[str]:
        """The distinct Socket.IO sessions of this process in any of `rooms`."""
        return {sid for sid, _eio_sid in self.server.manager.get_participants(self.namespace, rooms)}

    def session_counts(self) -> dict[str, int]:
        """Per-session entries the libraries hold for this namespace (all 0 with nobody connected)."""
        manager = self.server.manager
        rooms = manager.rooms.get(self.namespace, {})
        return {
            "socketio_sessions": len(rooms.get(None, ())),
            "socketio_room_members": sum(len(members) for room, members in rooms.items() if room is not None),
            "socketio_eio_to_sid": len(manager.eio_to_sid),
            "socketio_callbacks": len(manager.callbacks),
            "socketio_environ": len(getattr(self.server, "environ", ())),
            "engineio_sockets": len(self.server.eio.sockets),
        }

    def connecting(self, sid: str) -> bool:
        """True while `sid` is inside its connect handler (a real connect, not a client's `connect` event)."""
        return bool(self.server.manager.is_pre_connected(sid, self.namespace))

    def disconnecting(self, sid: str) -> bool:
        """True while `sid` is being disconnected (a real disconnect, not a client's `disconnect` event)."""
        return sid in self.server.manager.pending_disconnect.get(self.namespace, ())
