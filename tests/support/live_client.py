"""A real python-socketio client on /live that records what it receives."""

from __future__ import annotations

import threading
import time
from typing import Any

import socketio


class Recorder:
    """Connects to /live, collects `event` envelopes in arrival order."""

    def __init__(self, url: str, token: str | None = None, transports: list[str] | None = None) -> None:
        self.url = url
        self.token = token
        self.transports = transports
        self.events: list[dict[str, Any]] = []
        # Other messages (`typing`, `presence`, `revoked`) in arrival order, as (name, data).
        self.messages: list[tuple[str, dict[str, Any]]] = []
        # Everything received, events included, in arrival order, as (name, data); a server-side
        # disconnect of /live is recorded as ("disconnect", reason).
        self.timeline: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self._on_event, namespace="/live")
        for name in ("typing", "presence", "revoked"):
            self.client.on(name, self._recorder_of(name), namespace="/live")
        self.client.on("disconnect", self._on_disconnect, namespace="/live")
        self._dispatch_in_arrival_order()

    def _dispatch_in_arrival_order(self) -> None:
        # python-engineio's sync client runs every incoming message's handler in a new thread,
        # so two events can reach `_on_event` swapped. Browsers' socket.io-client handles them in
        # order; so must the recorder, or it would blame the server for the client's threads.
        eio = self.client.eio
        trigger = eio._trigger_event

        def in_order(event: str, *args: Any, **kwargs: Any) -> Any:
            # Not a DISCONNECT packet ("1..."): its handler joins the read loop, so it cannot run
            # on it; everything before it has been handled by then anyway.
            if event == "message" and not (args and isinstance(args[0], str) and args[0].startswith("1")):
                kwargs["run_async"] = False
            return trigger(event, *args, **kwargs)

        eio._trigger_event = in_order  # type: ignore[method-assign]

    def _recorder_of(self, name: str) -> Any:
        def record(data: dict[str, Any]) -> None:
            with self.changed:
                self.messages.append((name, data))
                self.timeline.append((name, data))
                self.changed.notify_all()

        return record

    def _on_event(self, envelope: dict[str, Any]) -> None:
        with self.changed:
            self.events.append(envelope)
            self.timeline.append(("event", envelope))
            self.changed.notify_all()

    def _on_disconnect(self, reason: Any = None) -> None:
        with self.changed:
            self.timeline.append(("disconnect", reason))
            self.changed.notify_all()

    def connect(self) -> Recorder:
        """Connect (with the token as `auth`, if any)."""
        auth = {"token": self.token} if self.token else None
        self.client.connect(self.url, namespaces=["/live"], auth=auth, transports=self.transports, wait_timeout=10)
        return self

    def call(self, message: str, data: Any = None) -> Any:
        """Send a message and return its ack."""
        return self.client.call(message, data, namespace="/live", timeout=15)

    def subscribe(self, topics: list[str], **cursor: Any) -> dict[str, Any]:
        """`subscribe` and return the ack."""
        ack: dict[str, Any] = self.call("subscribe", {"topics": topics, **cursor})
        return ack

    @property
    def ids(self) -> list[int]:
        """Ids received so far, in arrival order."""
        with self.changed:
            return [e["id"] for e in self.events]

    def wait_for_id(self, event_id: int, timeout: float = 20) -> bool:
        """Wait until an event with id >= `event_id` arrived."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not (self.events and self.events[-1]["id"] >= event_id):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
        return True

    def wait_until(self, predicate: Any, timeout: float = 20) -> bool:
        """Wait until `predicate(self)` holds (checked whenever something arrives)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
        return True

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        """The events of one type received so far."""
        with self.changed:
            return [e for e in self.events if e["type"] == event_type]

    def quiet_for(self, seconds: float) -> list[dict[str, Any]]:
        """Wait `seconds` and return whatever arrived meanwhile."""
        before = len(self.events)
        time.sleep(seconds)
        with self.changed:
            return self.events[before:]

    def disconnect(self) -> None:
        """Close the connection without waiting for the close handshake (see `disconnect_soon`)."""
        disconnect_soon(self.client)


def disconnect_soon(client: socketio.Client) -> None:
    """Disconnect `client` in the background: its WebSocket close waits 3 s for nothing.

    python-engineio's client sends its CLOSE packet, then has websocket-client close the socket,
    which waits up to 3 s for the server's close frame; but the server answers the CLOSE packet at
    once with that frame (a bare websocket-client closes in about a millisecond), and the client's
    own read loop takes it, so the wait always runs out. Nothing a test checks depends on it.
    """
    if client.connected:
        threading.Thread(target=client.disconnect, daemon=True).start()


def connect_refusal(url: str, http: Any = None) -> dict[str, Any] | None:
    """Connect to /live over polling (through `http`, a requests session, if given) and disconnect.

    None if the connect was accepted, else the `connect_error` data the server sent.
    """
    client = socketio.Client(reconnection=False, http_session=http)
    refusals: list[dict[str, Any]] = []
    client.on("connect_error", refusals.append, namespace="/live")
    try:
        client.connect(url, namespaces=["/live"], transports=["polling"], wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        assert refusals, "refused without a connect_error"
        return refusals[0]
    finally:
        # In about a third of polling disconnects python-engineio's client never sends its CLOSE (the
        # server's Engine.IO log shows neither it nor the namespace's disconnect; the same against
        # plain Flask-SocketIO) and then waits for its pending long-poll until the server's next ping,
        # 25 s. Ask for the close and do not wait for that poll.
        client.eio.disconnect(abort=True)
    return None
