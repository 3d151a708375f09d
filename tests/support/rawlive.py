"""Many `/live` WebSocket clients in one thread, speaking Engine.IO 4 / Socket.IO 5 frames by hand.

For load tests: a python-socketio Client costs a few threads and ~50 µs of client CPU per event,
which on a shared machine measures the test more than the server. These clients parse only what
the tests check (the ack, each event's id, pings) and answer pings at once, as a browser would.
"""

from __future__ import annotations

import base64
import json
import os
import re
import selectors
import socket
import time
from dataclasses import dataclass, field
from typing import Any

EVENT_ID = re.compile(rb'^42/live,\["event",\{"id":(\d+),')


@dataclass(eq=False)
class RawClient:
    """One WebSocket connection to `/live`: what it received, in arrival order."""

    sock: socket.socket
    buffer: bytearray = field(default_factory=bytearray)
    sid: str | None = None
    ack: dict[str, Any] | None = None
    # The number of events received before the subscribe ack (0 if the ack came first).
    events_before_ack: int = 0
    ids: list[int] = field(default_factory=list)
    closed: str | None = None  # why the connection ended, if it did

    def send_text(self, text: str) -> None:
        """Send one masked WebSocket text frame (clients must mask)."""
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = bytes((0x81, 0x80 | n))
        elif n < 1 << 16:
            header = bytes((0x81, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            header = bytes((0x81, 0x80 | 127)) + n.to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def subscribe(self, topics: list[str], **cursor: Any) -> None:
        """Send `subscribe` with ack id 0; the ack lands in `self.ack`."""
        self.send_text("42/live,0" + json.dumps(["subscribe", {"topics": topics, **cursor}]))

    def close(self) -> None:
        """Drop the connection (a browser tab closed)."""
        try:
            self.sock.close()
        finally:
            self.closed = self.closed or "closed by the test"

    # -- reading ----------------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Consume bytes from the socket: parse whole frames, answer pings."""
        buf = self.buffer
        buf += data
        pos = 0
        end = len(buf)
        while end - pos >= 2:
            opcode = buf[pos] & 0x0F
            n = buf[pos + 1] & 0x7F
            head = 2
            if n == 126:
                if end - pos < 4:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif n == 127:
                if end - pos < 10:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if end - pos < head + n:
                break
            payload = bytes(buf[pos + head : pos + head + n])
            pos += head + n
            if opcode == 0x8:
                self.closed = self.closed or "server closed the WebSocket"
            elif opcode == 0x1:
                self._message(payload)
        del buf[:pos]

    def _message(self, payload: bytes) -> None:
        match = EVENT_ID.match(payload)
        if match is not None:
            self.ids.append(int(match.group(1)))
            if self.ack is None:
                self.events_before_ack += 1
        elif payload == b"2":
            self.send_text("3")  # Engine.IO ping -> pong
        elif payload.startswith(b"40/live,"):
            self.sid = json.loads(payload[8:])["sid"]
        elif payload.startswith(b"43/live,0"):
            self.ack = json.loads(payload[9:])[0]
        elif payload.startswith(b"41/live") or payload.startswith(b"44/live"):
            self.closed = f"server ended the session: {payload!r}"


def open_raw(host: str, port: int, token: str | None = None, timeout: float = 30) -> RawClient:
    """Open a WebSocket Engine.IO session and connect to `/live` (blocking until it is accepted)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("server closed during the WebSocket handshake")
        response += chunk
    head, rest = response.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"no WebSocket upgrade: {head[:200]!r}")
    client = RawClient(sock)
    client.feed(rest)
    auth = json.dumps({"token": token}) if token else ""
    client.send_text("40/live," + auth)
    deadline = time.monotonic() + timeout
    while client.sid is None:
        if client.closed or time.monotonic() > deadline:
            raise ConnectionError(f"/live connect failed: {client.closed or 'timeout'}")
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("server closed during the /live connect")
        client.feed(data)
    sock.setblocking(False)
    return client


def pump(clients: list[RawClient], until: Any, timeout: float) -> bool:
    """Read from all `clients` (one thread, one selector) until `until()` holds or `timeout` passes."""
    selector = selectors.DefaultSelector()
    for client in clients:
        if client.closed is None:
            selector.register(client.sock, selectors.EVENT_READ, client)
    deadline = time.monotonic() + timeout
    try:
        while not until():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for key, _mask in selector.select(min(remaining, 0.2)):
                client = key.data
                try:
                    data = client.sock.recv(1 << 18)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    data = b""
                    client.closed = client.closed or f"socket error {exc}"
                if not data:
                    client.closed = client.closed or "connection closed by the server"
                    selector.unregister(client.sock)
                    continue
                client.feed(data)
        return True
    finally:
        selector.close()
