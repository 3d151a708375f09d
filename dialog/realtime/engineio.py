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

import contextlib
import functools
import gc
import inspect
import io
import queue
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import version
from typing import Any

import simple_websocket
import wsproto
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio import server as eio_server
from engineio import socket as eio_socket
from socketio import base_manager
from socketio import packet as sio_packet
from wsproto.utilities import LocalProtocolError

# distribution -> (lowest verified, first unverified): keep in step with pyproject.toml.
VERIFIED = {
    "python-engineio": ((4, 15, 1), (4, 16)),
    "python-socketio": ((5, 18, 1), (5, 19)),
    "simple-websocket": ((1, 1, 0), (1, 2)),
    "wsproto": ((1, 3, 2), (1, 4)),
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
    (eio_socket.Socket, "_websocket_handler", "wrapped: WebSocket outbox, forgotten at close; its loop is redone"),
    (eio_socket.Socket, "send", "wrapped to write a direct WebSocket session's packets at once"),
    (eio_socket.Socket, "schedule_ping", "wrapped to ping from a timer on gevent"),
    (eio_socket.Socket, "check_ping_timeout", "called before each direct send, as Engine.IO's send does"),
    (eio_exceptions, "UnknownPacketError", "ignored by the WebSocket loop, as Engine.IO's"),
    (eio_exceptions, "SocketIsClosedError", "ends the WebSocket loop, as Engine.IO's"),
    (eio_packet, "PING", "the ping packet"),
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
    (simple_websocket.ws.Base, "_handle_events", "run by the handler instead of simple-websocket's reader task"),
    (simple_websocket.ws.Base, "_thread", "the reader task whose loop the handler runs inline"),
    (wsproto.WSConnection, "events", "yields the handshake's events, then the open connection's"),
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


def _install_session_wraps() -> None:
    """Wrap Engine.IO's WebSocket handler, send, close and ping scheduling, once per process.

    One wrap of the private `Socket._websocket_handler` does both jobs that need it: it gives a
    connection that opens as WebSocket the outbox of `dialog_outbox_factory` (if one is set) and
    forgets the session as soon as it is closed.
    """
    if "session" in _wrapped:
        return
    _wrapped.add("session")
    handler = eio_socket.Socket._websocket_handler
    send = eio_socket.Socket.send
    close = eio_socket.Socket.close
    schedule_ping = eio_socket.Socket.schedule_ping

    def _websocket_handler(self: Any, ws: Any) -> Any:
        try:
            factory: OutboxFactory | None = getattr(self.server, "dialog_outbox_factory", None)
            conn = getattr(ws, "ws", None)  # the simple_websocket.Server of this connection
            # Only connections that open as WebSocket: an upgraded long-poll session keeps one channel.
            if factory is not None and not self.connected and isinstance(conn, simple_websocket.Server):
                cooperative = _cooperative(self.server)
                environ = getattr(conn, "environ", {})
                detach = cooperative and _detachable(environ)
                if detach:
                    conn.sock = _own_connection(conn.sock)
                conn.sock, self.dialog_outbox = factory(conn.sock, self.server.start_background_task)
                _trim_environ(environ)
                if cooperative:
                    return _direct_websocket_handler(self, ws, detach=detach)
            return handler(self, ws)
        finally:
            _forget_if_closed(self)

    def send_direct(self: Any, pkt: Any) -> Any:
        ws = getattr(self, "dialog_ws", None)
        if ws is None:
            return send(self, pkt)
        if self.check_ping_timeout():
            with contextlib.suppress(Exception):  # the connection is going: its reader ends the session
                ws.send(pkt.encode())
        return None

    @functools.wraps(close)  # keeps close()'s signature, which check_internals() reads
    def close_session(self: Any, wait: bool = True, abort: bool = False, reason: Any = None) -> Any:
        ws = getattr(self, "dialog_ws", None)
        try:
            # A direct session has no writer to drain its queue: what it sent is in the outbox already.
            return close(self, wait=wait and ws is None, abort=abort, reason=reason)
        finally:
            if self.closed:
                _end_ping(self)
                if ws is not None:
                    self.dialog_ws = None
                    with contextlib.suppress(Exception):  # the close frame, then the socket, via the outbox
                        ws.close()
                if getattr(self, "dialog_watcher", None) is not None:
                    _stop_watching(self)

    def schedule_ping_on_timer(self: Any) -> Any:
        loop = _event_loop(self.server)
        if loop is None:
            return schedule_ping(self)
        # A libev timer instead of a greenlet that sleeps a whole ping interval per connection:
        # only the moment a ping is due costs a (short-lived) greenlet.
        if self.last_ping:
            self.last_ping = None
            timer = loop.timer(self.server.ping_interval)
            self.dialog_ping_timer = timer
            timer.start(self.server.start_background_task, _ping_now, self)
        return None

    eio_socket.Socket._websocket_handler = _websocket_handler  # type: ignore[method-assign]
    eio_socket.Socket.send = send_direct  # type: ignore[method-assign]
    eio_socket.Socket.close = close_session  # type: ignore[method-assign]
    eio_socket.Socket.schedule_ping = schedule_ping_on_timer  # type: ignore[method-assign]

    # Outside gevent the ping task of a session sleeps a whole ping interval (25 s) holding the
    # session, so every closed connection stayed in memory (socket, queue, outbox, stack) that
    # long: a burst of disconnects kept them all. Known by its task, it is ended with the session.
    send_ping = eio_socket.Socket._send_ping

    def _send_ping(self: Any) -> Any:
        self.dialog_ping_task = _current_task()
        try:
            return send_ping(self)
        finally:
            self.dialog_ping_task = None

    eio_socket.Socket._send_ping = _send_ping  # type: ignore[method-assign]


def _direct_websocket_handler(sock: Any, ws: Any, *, detach: bool = False) -> list[Any]:
    """Engine.IO's WebSocket loop for a connection with an outbox, without a writer task.

    Engine.IO gives every WebSocket a writer greenlet that waits on the session's queue and
    copies each packet to the socket, and simple-websocket a reader greenlet that hands each
    message over through an event. With an outbox, writing never blocks, so `send` writes each
    packet at once (in order, through the same outbox as the fan-out). Reading: with `detach`
    (a server that lets the request end without closing the connection, see `_detachable`), an
    event-loop watcher reads the socket and this greenlet ends, so an idle connection holds no
    greenlet at all; otherwise this loop reads the socket itself (one greenlet instead of three).
    Pings come from a timer instead of a task in both cases.
    """
    server = sock.server
    for attr in ("_sock", "socket"):  # as Engine.IO does: a read timeout of a ping cycle
        if hasattr(ws, attr) and hasattr(getattr(ws, attr), "settimeout"):
            getattr(ws, attr).settimeout(server.ping_interval + server.ping_timeout)
    sock.connected = True
    sock.upgraded = True
    # What was queued before the WebSocket opened (the OPEN packet, the namespace's answer) goes
    # first; nothing can be queued meanwhile, since no write here yields.
    while not sock.queue.empty():
        pkt = sock.queue.get_nowait()
        sock.queue.task_done()
        if pkt is None:
            ws.close()
            return []
        with contextlib.suppress(Exception):
            ws.send(pkt.encode())
    sock.dialog_ws = ws
    # Every packet goes straight to the outbox from now on: Engine.IO's queue stays empty for good.
    sock.queue = _NO_QUEUE
    server.logger.info("%s: Upgrade to websocket successful", sock.sid)
    reader = getattr(ws, "ws", None)
    if not _stop_reader_task(reader):
        messages = _read_via_task(ws)
    elif not _forget_handshake(reader):
        messages = _read_inline(reader)
    elif detach and _start_watching(sock, reader):
        return []  # the request ends here; the connection lives on in the event loop
    else:
        messages = _read_inline(reader)
    for data in messages:
        if data is None or not _receive(sock, data):  # None: closed by the client
            break
    sock.close(wait=False, abort=True, reason=server.reason.TRANSPORT_CLOSE)
    with contextlib.suppress(Exception):
        ws.close()  # a no-op if close() above closed it
    return []


class _NoQueue:
    """Engine.IO's queue of a session whose packets all go straight to its outbox: always empty.

    A gevent JoinableQueue costs ~2.5 KB per connection; Engine.IO still puts its end marker
    (None) at close, and `SocketServer.queued` asks for the size.
    """

    __slots__ = ()

    def put(self, _item: Any, *_args: Any, **_kwargs: Any) -> None:
        return None

    def get(self, *_args: Any, **_kwargs: Any) -> Any:
        raise queue.Empty

    get_nowait = get

    def qsize(self) -> int:
        return 0

    def empty(self) -> bool:
        return True

    def task_done(self) -> None:
        return None

    def join(self) -> None:
        return None


_NO_QUEUE = _NoQueue()
# What a session's environ keeps of the server's per-request objects (see `_trim_environ`).
_EMPTY_INPUT = io.BytesIO(b"")
_PLAIN = (str, bytes, int, float, bool, tuple, type(None))


def _trim_environ(environ: dict[str, Any]) -> None:
    """Drop the server's per-request objects from a WebSocket session's environ (kept per session).

    python-socketio keeps the environ for the session's life and Flask-SocketIO builds a request
    context from it for each event: that needs the CGI variables and headers (plain values) and
    the Flask app, not the request's input stream, its parser and socket (gunicorn), nor the class
    python-engineio's middleware defines per request for `eventlet.input` (~2.5 KB each). The
    WebSocket handshake has read what it needed from them already.
    """
    for key, value in list(environ.items()):
        if key == "wsgi.input":
            environ[key] = _EMPTY_INPUT  # nobody reads a body of a WebSocket's request
        elif key == "wsgi.errors":
            environ[key] = sys.stderr
        elif not isinstance(value, _PLAIN) and key not in _KEPT_OBJECTS:
            del environ[key]


def _receive(sock: Any, data: Any) -> bool:
    """Hand one WebSocket message to Engine.IO as its loop does; False if the session must end."""
    server = sock.server
    if len(data) > server.max_http_buffer_size:
        server.logger.info('%s: Unexpected error "packet is too large", closing connection', sock.sid)
        return False
    try:
        sock.receive(eio_packet.Packet(encoded_packet=data))
    except eio_exceptions.UnknownPacketError:
        pass
    except eio_exceptions.SocketIsClosedError:
        return False
    except Exception:
        server.logger.exception("Unknown receive error")
        return False
    return True


# -- detached sessions: read by an event-loop watcher, no greenlet while idle --------------------
# The WSGI environ key by which a server says it can leave a connection open after its request
# (`detaching_handler`): a `Detach` the adapter marks when it takes the connection. An object, not
# a second key, since Flask-SocketIO hands the application a copy of the server's environ.
DETACHABLE = "dialog.detachable"
# Objects a session's environ keeps (`_trim_environ`): Flask's app, Flask-SocketIO's session copy,
# and the detach mark until the session takes its connection.
_KEPT_OBJECTS = frozenset({"flask.app", "saved_session", DETACHABLE})


class Detach:
    """Set by the adapter once a WebSocket session owns its connection; read by the server's handler."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False


# An Engine.IO PONG as text (what an idle client sends once per ping interval).
_PONG = str(eio_packet.PONG)


def _detachable(environ: dict[str, Any]) -> bool:
    """True if the server of this request lets it end without closing or writing to the connection.

    gunicorn's gevent worker ends a simple-websocket request (StopIteration) by closing its socket
    object only, with no shutdown: a dup of the descriptor keeps the connection. gevent's pywsgi
    reads the next request and closes the socket after a few bytes' read, unless its handler is
    the one of `detaching_handler`, which stops at a request the adapter took over.
    """
    return "gunicorn.socket" in environ or isinstance(environ.get(DETACHABLE), Detach)


def _own_connection(conn_sock: Any) -> Any:
    """A socket on a duplicate of the connection's descriptor, for the session alone (the server closes its own)."""
    owned = conn_sock.dup()
    with contextlib.suppress(OSError):
        conn_sock.close()
    return owned


def _start_watching(sock: Any, conn: Any) -> bool:
    """Read `conn` from an event-loop watcher from now on; False if it cannot (then a loop reads it)."""
    outbox = getattr(sock, "dialog_outbox", None)
    raw = getattr(outbox, "raw", None)  # the non-blocking socket under gevent's
    loop = _event_loop(sock.server)
    if raw is None or loop is None:
        return False
    detach = getattr(conn, "environ", {}).pop(DETACHABLE, None)  # the handler holds it too
    if detach is not None:
        detach.done = True
    watcher = loop.io(raw.fileno(), 1)  # 1: readable
    sock.server.dialog_watchers = getattr(sock.server, "dialog_watchers", 0) + 1
    sock.dialog_watcher = watcher
    sock.dialog_conn = conn
    sock.dialog_raw = raw
    watcher.start(_on_readable, sock)
    return True


def _on_readable(sock: Any) -> None:
    """Read what arrived, in the event loop (never blocks): pongs are taken here, the rest in a task.

    What simple-websocket's reader does per read (`_feed`). Engine.IO runs a Socket.IO connect or
    disconnect handler synchronously inside `receive`, and those use the database: messages go to
    a short-lived task, and the watcher rests until it is done, so they are handled one after the
    other and in order, as by a reader loop, and a client cannot queue more than one read ahead.
    """
    conn = sock.dialog_conn
    try:
        data = sock.dialog_raw.recv(conn.receive_bytes)
    except (BlockingIOError, InterruptedError):
        return
    except OSError:
        data = b""
    try:
        _feed(conn, data)
        if conn.connected and conn.input_buffer and all(m == _PONG for m in conn.input_buffer):
            conn.input_buffer.clear()
            sock.receive(eio_packet.Packet(eio_packet.PONG))  # schedules the next ping on a timer
    except Exception:  # a callback of the event loop must not raise: end the session
        conn.connected = False
    if conn.input_buffer or not conn.connected:
        sock.dialog_watcher.stop()
        sock.server.start_background_task(_dispatch, sock)


def _feed(conn: Any, data: bytes) -> None:
    """Feed one read to the connection's wsproto, as simple-websocket's reader does; empty: the peer closed.

    `_handle_events` answers pings and close frames (through the outbox), collects messages in
    `input_buffer` and says whether the connection stays open.
    """
    if not data:
        conn.connected = False
        return
    conn.ws.receive_data(data)
    conn.connected = conn._handle_events()


def _dispatch(sock: Any) -> None:
    """Hand the messages read to Engine.IO, in order; then read on, or end the session."""
    conn = getattr(sock, "dialog_conn", None)
    if conn is None:  # closed meanwhile
        return
    keep = conn.connected
    while keep and conn.input_buffer:
        keep = _receive(sock, conn.input_buffer.pop(0))
    watcher = getattr(sock, "dialog_watcher", None)
    if keep and conn.connected and watcher is not None and not sock.closed:
        watcher.start(_on_readable, sock)
        return
    sock.close(wait=False, abort=True, reason=sock.server.reason.TRANSPORT_CLOSE)


def _stop_watching(sock: Any) -> None:
    """Stop reading a detached session and close its connection (after what its outbox holds)."""
    watcher, conn = sock.dialog_watcher, sock.dialog_conn
    sock.dialog_watcher = sock.dialog_conn = sock.dialog_raw = None
    watcher.stop()
    watcher.close()
    sock.server.dialog_watchers -= 1
    conn.connected = False
    conn.input_buffer.clear()
    with contextlib.suppress(OSError):
        conn.sock.close()  # the outbox's socket: closed once what is queued is written
    # Its request ended long ago: Engine.IO would only find it closed in its sweep.
    _forget_if_closed(sock)


def _forget_if_closed(sock: Any) -> None:
    # Engine.IO forgets a WebSocket session when its request returns, but under gunicorn
    # simple-websocket ends that request by raising StopIteration, which skips it (and a detached
    # session closes after its request): the closed socket (its queue, WebSocket, outbox and
    # environ) stayed in `sockets` until the service task's sweep, up to two ping timeouts later,
    # so every connect/disconnect cycle left its sessions behind for a while. Forget it at once.
    if sock.closed and sock.server.sockets.get(sock.sid) is sock:
        del sock.server.sockets[sock.sid]


def detaching_handler() -> Any:
    """gevent pywsgi's handler class that lets a detached WebSocket session keep its connection.

    After a request whose connection the adapter took (its `Detach` done), pywsgi would read the
    next request from it (WebSocket frames) and, at the end, read up to 16 KiB and close it.
    This handler reads nothing more and leaves the socket to the session (which owns a dup).
    """
    from gevent import pywsgi  # only where gevent serves

    class DetachingHandler(pywsgi.WSGIHandler):  # type: ignore[misc]
        def get_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().get_environ()
            environ[DETACHABLE] = Detach()
            return environ

        def handle_one_response(self) -> None:
            super().handle_one_response()
            detach = self.environ.get(DETACHABLE)
            if detach is not None and detach.done:
                self.close_connection = True
                self.socket = None

    return DetachingHandler


def server_options(async_mode: str) -> dict[str, Any]:
    """Keyword arguments for `socketio.run` so that its server lets WebSocket sessions detach."""
    if async_mode != "gevent":
        return {}
    try:
        import geventwebsocket  # noqa: F401  # Flask-SocketIO then uses its own handler class
    except ImportError:
        return {"handler_class": detaching_handler()}
    return {}


def _stop_reader_task(conn: Any) -> bool:
    """Cancel simple-websocket's reader task before it first runs; False if it cannot be (it runs already)."""
    task = getattr(conn, "thread", None)
    gevent = sys.modules.get("gevent")
    if gevent is None or not isinstance(task, gevent.Greenlet) or task.dead or task.gr_frame is not None:
        return False
    task.kill(block=False)  # never started: it is only unscheduled, nothing runs
    conn.thread = None  # a greenlet object (~1.5 KB) each connection kept for nothing
    return True


class _Opened:
    """Stands in for wsproto's HTTP handshake once the WebSocket is open: only its events are asked for."""

    __slots__ = ("pending",)

    def __init__(self, pending: list[Any]) -> None:
        self.pending = pending

    def events(self) -> Iterator[Any]:
        """What the handshake had not handed out yet (nothing, as a rule), once."""
        while self.pending:
            yield self.pending.pop(0)


_OPENED = _Opened([])


def _forget_handshake(conn: Any) -> bool:
    """Let go of wsproto's handshake (an h11 connection and its state, ~2 KB) once the WebSocket is open.

    `WSConnection` uses it after the upgrade only for `events()`, which yields what the handshake
    still holds before the open connection's events. True if the stand-in took its place.
    """
    ws_conn = getattr(conn, "ws", None)
    handshake = getattr(ws_conn, "handshake", None)
    if ws_conn is None or handshake is None or getattr(ws_conn, "connection", None) is None:
        return False
    pending = list(handshake.events())
    ws_conn.handshake = _Opened(pending) if pending else _OPENED
    return True


def _read_inline(conn: Any) -> Iterator[Any]:
    """simple-websocket's reader loop, run by the connection's handler: one task per connection fewer.

    What `simple_websocket.Base._thread` does without a ping interval (Engine.IO pings on its own):
    read, `_feed`, hand over the messages collected.
    """
    while conn.connected:
        try:
            _feed(conn, conn.sock.recv(conn.receive_bytes))
        except (OSError, LocalProtocolError):
            conn.connected = False
        while conn.input_buffer:
            yield conn.input_buffer.pop(0)
    with contextlib.suppress(OSError):
        conn.sock.close()
    yield None


def _read_via_task(ws: Any) -> Iterator[Any]:
    """Messages as simple-websocket's reader task hands them over (None once closed)."""
    while True:
        try:
            data = ws.wait()
        except Exception:
            data = None
        yield data
        if data is None:
            return


def _ping_now(sock: Any) -> None:
    """What Engine.IO's ping task does once its interval has passed."""
    sock.dialog_ping_timer = None
    if not sock.closing and not sock.closed:
        sock.last_ping = time.time()
        sock.send(eio_packet.Packet(eio_packet.PING))


def _cooperative(server: Any) -> bool:
    return getattr(server, "async_mode", "threading") == "gevent"


def _event_loop(server: Any) -> Any:
    """gevent's event loop when `server` runs on gevent (for timers), else None."""
    gevent = sys.modules.get("gevent") if _cooperative(server) else None
    return None if gevent is None else gevent.get_hub().loop


def running_greenlets() -> int:
    """Started, unfinished greenlets of this process (0 without gevent); scans the heap, so not cheap."""
    greenlet = sys.modules.get("greenlet")
    if greenlet is None:
        return 0
    kind = greenlet.greenlet
    # type(), not isinstance(): isinstance() asks a proxy (werkzeug's LocalProxy) for its target.
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), kind) and bool(obj))


def _current_task() -> Any:
    """The running gevent greenlet (None in threads: a thread cannot be ended from outside)."""
    gevent = sys.modules.get("gevent")
    if gevent is None:
        return None
    current = gevent.getcurrent()
    return current if isinstance(current, gevent.Greenlet) else None


def _end_ping(sock: Any) -> None:
    timer = getattr(sock, "dialog_ping_timer", None)
    if timer is not None:
        sock.dialog_ping_timer = None
        timer.stop()
        timer.close()
    task = getattr(sock, "dialog_ping_task", None)
    if task is not None and task is not _current_task():
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
        _install_session_wraps()

    # -- WebSocket outbox hook -------------------------------------------------------------------
    def on_websocket_open(self, factory: OutboxFactory) -> None:
        """Give every WebSocket connection that opens from now on the socket and outbox `factory` makes."""
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
            "engineio_watchers": getattr(self.server.eio, "dialog_watchers", 0),
        }

    def connecting(self, sid: str) -> bool:
        """True while `sid` is inside its connect handler (a real connect, not a client's `connect` event)."""
        return bool(self.server.manager.is_pre_connected(sid, self.namespace))

    def disconnecting(self, sid: str) -> bool:
        """True while `sid` is being disconnected (a real disconnect, not a client's `disconnect` event)."""
        return sid in self.server.manager.pending_disconnect.get(self.namespace, ())
