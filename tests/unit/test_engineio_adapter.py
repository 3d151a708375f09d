"""The engine.io/socket.io adapter against the pinned libraries: each function on a real server.

The server is a real python-socketio Server (threading mode) driven through its WSGI entry
point, so every internal the adapter touches is the installed library's own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import pytest
import simple_websocket
import socketio
from engineio import socket as eio_socket
from werkzeug.test import EnvironBuilder

from dialog.realtime import engineio as adapter
from dialog.realtime.engineio import IncompatibleLibrary, SocketServer

NS = "/live"


class Recording(socketio.Namespace):
    """Records what the adapter says while a real connect and disconnect are under way."""

    def __init__(self) -> None:
        super().__init__(NS)
        self.io: SocketServer | None = None
        self.seen: list[tuple[str, str, bool, bool]] = []

    def on_connect(self, sid: str, _environ: Any, _auth: Any = None) -> None:
        assert self.io is not None
        self.seen.append(("connect", sid, self.io.connecting(sid), self.io.disconnecting(sid)))

    def on_disconnect(self, sid: str, *_reason: Any) -> None:
        assert self.io is not None
        self.seen.append(("disconnect", sid, self.io.connecting(sid), self.io.disconnecting(sid)))


def http(server: socketio.Server, method: str, query: str, body: str = "") -> tuple[str, str]:
    """One WSGI request to the Engine.IO endpoint: (status line, body)."""
    environ = EnvironBuilder(
        path="/socket.io/", method=method, query_string=query, data=body.encode(), content_type="text/plain"
    ).get_environ()
    status: list[str] = []
    out = server.handle_request(environ, lambda s, _headers: status.append(s))
    return status[0], b"".join(out).decode()


@pytest.fixture
def setup() -> Iterator[tuple[socketio.Server, SocketServer, Recording]]:
    server = socketio.Server(async_mode="threading", async_handlers=False)
    namespace = Recording()
    server.register_namespace(namespace)
    namespace.io = SocketServer(server, NS)
    yield server, namespace.io, namespace
    server.eio.dialog_outbox_factory = None


def open_session(server: socketio.Server) -> tuple[str, str]:
    """A long-poll Engine.IO session connected to /live: (eio sid, socket.io sid)."""
    status, body = http(server, "GET", "EIO=4&transport=polling")
    assert status.startswith("200") and body.startswith("0")
    eio_sid = body.split('"sid":"')[1].split('"')[0]
    assert http(server, "POST", f"EIO=4&transport=polling&sid={eio_sid}", f"40{NS},")[0].startswith("200")
    status, body = http(server, "GET", f"EIO=4&transport=polling&sid={eio_sid}")
    assert body.startswith(f"40{NS},")  # the CONNECT answer, with the socket.io sid
    return eio_sid, body.split('"sid":"')[1].split('"')[0]


def test_installed_versions_are_the_verified_ones_and_others_are_refused() -> None:
    adapter.check_versions()
    adapter.check_internals()
    with pytest.raises(IncompatibleLibrary, match=r"python-engineio >=4\.15\.1,<4\.16; 4\.16\.0 is installed"):
        adapter.check_versions(lambda name: "4.16.0" if name == "python-engineio" else version(name))
    with pytest.raises(IncompatibleLibrary, match="python-socketio"):
        adapter.check_versions(lambda name: "5.11.0" if name == "python-socketio" else version(name))


def test_a_missing_internal_is_named_with_the_installed_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(eio_socket.Socket, "handle_post_request")
    with pytest.raises(IncompatibleLibrary, match=r"Socket\.handle_post_request is gone .*python-engineio 4\."):
        adapter.check_internals()


def test_session_lookups_queue_and_rooms(setup: tuple[socketio.Server, SocketServer, Recording]) -> None:
    server, io, _namespace = setup
    eio_sid, sid = open_session(server)
    assert io.eio_sid(sid) == eio_sid and io.eio_sid("nobody") is None
    assert io.socket(eio_sid) is server.eio.sockets[eio_sid] and io.socket(None) is None
    assert io.outbox(eio_sid) is None  # a long-poll session has no outbox
    assert io.queued(sid) == 0 and io.queued("nobody") == 0
    io.send_messages(eio_sid, [f'2{NS},["event",{{"id":1}}]', f'2{NS},["event",{{"id":2}}]'])
    assert io.queued(sid) == 2
    status, body = http(server, "GET", f"EIO=4&transport=polling&sid={eio_sid}")
    assert body.split("\x1e") == [f'42{NS},["event",{{"id":1}}]', f'42{NS},["event",{{"id":2}}]']
    assert io.participants(["a"]) == set()
    server.enter_room(sid, "a", namespace=NS)
    server.enter_room(sid, "b", namespace=NS)
    assert io.participants(["a", "b"]) == {sid}


def test_connecting_and_disconnecting_are_true_only_inside_the_real_handlers(
    setup: tuple[socketio.Server, SocketServer, Recording],
) -> None:
    server, io, namespace = setup
    _eio_sid, sid = open_session(server)
    assert not io.connecting(sid) and not io.disconnecting(sid)
    server.disconnect(sid, namespace=NS)
    assert namespace.seen == [("connect", sid, True, False), ("disconnect", sid, False, True)]
    assert not io.disconnecting(sid)


def test_a_bad_polling_post_is_answered_400_at_once_and_ends_the_session(
    setup: tuple[socketio.Server, SocketServer, Recording],
) -> None:
    server, _io, namespace = setup
    eio_sid, sid = open_session(server)
    answers: list[str] = []
    post = threading.Thread(
        target=lambda: answers.append(http(server, "POST", f"EIO=4&transport=polling&sid={eio_sid}", "9")[0]),
        daemon=True,
    )
    post.start()
    post.join(5)
    assert answers and answers[0].startswith("400"), "the POST hangs in close(wait=True)"
    assert eio_sid not in server.eio.sockets
    assert namespace.seen[-1][:2] == ("disconnect", sid)


class FakeWebSocketWSGI:
    """What Engine.IO hands `_websocket_handler`: `.ws` is the simple-websocket connection."""

    def __init__(self, raw: object) -> None:
        self.ws = simple_websocket.Server.__new__(simple_websocket.Server)
        self.ws.sock = raw

    def wait(self) -> None:
        return None  # the peer closed at once

    def send(self, _data: object) -> None:
        raise AssertionError("nothing is sent")

    def close(self) -> None:
        pass


def test_websocket_connections_get_the_socket_and_outbox_of_the_factory(
    setup: tuple[socketio.Server, SocketServer, Recording],
) -> None:
    server, io, _namespace = setup
    made: list[tuple[object, object]] = []
    outbox, replacement, raw = object(), object(), object()

    def factory(sock: object, spawn: Any) -> tuple[object, object]:
        made.append((sock, spawn))
        return replacement, outbox

    io.on_websocket_open(factory)
    session = eio_socket.Socket(server.eio, "ws-session")
    server.eio.sockets["ws-session"] = session
    ws = FakeWebSocketWSGI(raw)
    assert session._websocket_handler(ws) == []
    assert made == [(raw, server.eio.start_background_task)]
    assert ws.ws.sock is replacement and session.dialog_outbox is outbox
    # The session ended (the peer closed): it is forgotten at once, not at the next sweep.
    assert session.closed and "ws-session" not in server.eio.sockets


def test_a_direct_websocket_is_read_by_its_handler_and_its_reader_task_never_runs() -> None:
    """On gevent the handler runs simple-websocket's reader loop itself: one greenlet per connection fewer."""
    import socket

    import gevent.event
    from engineio.async_drivers.gevent import Thread

    served, peer = socket.socketpair()
    peer.settimeout(5)
    environ = {
        "gunicorn.socket": served,
        "HTTP_HOST": "localhost",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }
    conn = simple_websocket.Server(environ, thread_class=Thread, event_class=gevent.event.Event)
    assert peer.recv(4096).startswith(b"HTTP/1.1 101")
    task = conn.thread
    assert adapter._stop_reader_task(conn)
    assert task.dead and conn.thread is None  # cancelled before it ever ran, and not kept

    def masked(opcode: int, payload: bytes) -> bytes:  # a client frame, with a zero mask key
        return bytes((0x80 | opcode, 0x80 | len(payload), 0, 0, 0, 0)) + payload

    # The open WebSocket lets go of wsproto's HTTP handshake and still reads and answers frames.
    assert adapter._forget_handshake(conn)
    assert conn.ws.handshake is adapter._OPENED
    peer.sendall(masked(0x1, b"40/live,") + masked(0x9, b"hi") + masked(0x8, (1000).to_bytes(2, "big")))
    assert list(adapter._read_inline(conn)) == ["40/live,", None]
    answered = peer.recv(4096)
    assert answered.startswith(b"\x8a\x02hi")  # the ping was answered, then the close
    assert b"\x88" in answered[4:]
    peer.close()


def test_a_websocket_sessions_environ_keeps_plain_values_and_the_app_not_the_servers_request_objects() -> None:
    class Parser:  # stands in for gunicorn's request body, parser and socket
        pass

    app = object()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/socket.io/",
        "HTTP_COOKIE": "session=abc",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.input": Parser(),
        "wsgi.errors": Parser(),
        "gunicorn.socket": Parser(),
        "eventlet.input": Parser(),
        "flask.app": app,
    }
    adapter._trim_environ(environ)
    assert environ["wsgi.input"].read() == b""  # a body nobody reads, not the request's stream
    assert environ["flask.app"] is app
    assert {key for key, value in environ.items() if isinstance(value, Parser)} == set()
    assert {"REQUEST_METHOD", "PATH_INFO", "HTTP_COOKIE", "wsgi.version", "wsgi.multithread"} <= set(environ)
    assert "gunicorn.socket" not in environ and "eventlet.input" not in environ


def test_only_a_server_that_can_leave_a_connection_open_gets_detached_sessions() -> None:
    assert adapter._detachable({"gunicorn.socket": object()})
    assert adapter._detachable({adapter.DETACHABLE: adapter.Detach()})
    assert not adapter._detachable({"werkzeug.socket": object()})  # the threading server
    assert not adapter._detachable({"SERVER_SOFTWARE": "gevent/24"})  # pywsgi without our handler
    assert adapter.server_options("threading") == {}
    handler = adapter.server_options("gevent")["handler_class"]
    from gevent import pywsgi

    assert issubclass(handler, pywsgi.WSGIHandler)
