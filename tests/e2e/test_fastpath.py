"""The broadcast fast path (dialog/realtime/fanout.py) end to end: order, slow readers, long-poll clients.

Correctness only: nothing here measures time (the benchmark in bench/ does).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import websocket

from tests.conftest import start_server
from tests.support.live_client import Recorder
from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with the fast path on and a tiny per-connection buffer, so a slow reader overflows."""
    live = start_server(
        tmp_path_factory,
        DIALOG_FANOUT_FASTPATH="1",
        DIALOG_FANOUT_MAX_BUFFER_BYTES="4096",
        DIALOG_FANOUT_SOCKET_SNDBUF="8192",
        DIALOG_REPLAY_PAGE_SIZE="50",
        DIALOG_REPLAY_MAX_QUEUED="20",
    )
    yield live
    live.stop()


class RawClient:
    """Engine.IO v4 / Socket.IO v5 over a bare WebSocket, reading only when told to."""

    def __init__(self, url: str, rcvbuf: int | None = None) -> None:
        options: Any = [(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)] if rcvbuf else ()
        ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(ws_url, timeout=20, sockopt=options)
        self.events: list[dict[str, Any]] = []
        self.acks: dict[int, Any] = {}
        assert self.ws.recv().startswith("0")  # Engine.IO open
        self.ws.send("40/live,")
        while not self._read_one().startswith("40/live,"):
            pass

    def _read_one(self) -> str:
        text = str(self.ws.recv())
        if text == "2":
            self.ws.send("3")
        elif text.startswith('42/live,["event",'):
            self.events.append(json.loads(text[len("42/live,") :])[1])
        elif text.startswith("43/live,"):
            body = text[len("43/live,") :]
            ack_id = int(body[: body.index("[")])
            self.acks[ack_id] = json.loads(body[body.index("[") :])[0]
        return text

    def subscribe(self, topics: list[str], ack_id: int = 1, **cursor: Any) -> Any:
        self.ws.send(f"42/live,{ack_id}" + json.dumps(["subscribe", {"topics": topics, **cursor}]))
        while ack_id not in self.acks:
            self._read_one()
        return self.acks[ack_id]

    def read_until(self, event_id: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not (self.events and self.events[-1]["id"] >= event_id) and time.monotonic() < deadline:
            self._read_one()

    @property
    def ids(self) -> list[int]:
        return [e["id"] for e in self.events]

    def close(self) -> None:
        self.ws.close()


def test_websocket_and_polling_clients_get_the_same_events_in_order(fast: LiveServer) -> None:
    token = fast.token(EDITOR)
    on_ws = Recorder(fast.url, transports=["websocket"]).connect()
    on_poll = Recorder(fast.url, transports=["polling"]).connect()
    raw = RawClient(fast.url)
    try:
        head = on_ws.subscribe(["news"])["head"]
        on_poll.subscribe(["news"])
        raw.subscribe(["news"])
        posted = [fast.post_news(token, f"Reihenfolge {n}").json()["id"] for n in range(30)]
        last = fast.head()
        assert on_ws.wait_for_id(last) and on_poll.wait_for_id(last)
        raw.read_until(last)
        expected = [e["id"] for e in fast.log_events("news", since=head)]
        for ids in (on_ws.ids, on_poll.ids, raw.ids):
            assert ids == expected
        assert [e["data"]["news_id"] for e in on_poll.events] == posted
    finally:
        on_ws.disconnect()
        on_poll.disconnect()
        raw.close()


def test_replay_then_live_never_interleaves_out_of_order(fast: LiveServer) -> None:
    token = fast.token(EDITOR)
    for n in range(40):
        fast.post_news(token, f"vorher {n}")
    raw = RawClient(fast.url)
    try:
        # Resume from the start of the log (a replay of many pages) while more news are published.
        ack = raw.subscribe(["news"], since=0)
        assert ack["recovered"] is True
        for n in range(20):
            fast.post_news(token, f"waehrenddessen {n}")
        last = fast.head()
        raw.read_until(last)
        assert raw.ids == [e["id"] for e in fast.log_events("news", since=0)]
    finally:
        raw.close()


def test_a_slow_reader_does_not_block_others_and_resumes_from_the_log_without_gap(fast: LiveServer) -> None:
    token = fast.token(EDITOR)
    slow = RawClient(fast.url, rcvbuf=4096)
    brisk = Recorder(fast.url, transports=["websocket"]).connect()
    try:
        head = slow.subscribe(["news"])["head"]
        brisk.subscribe(["news"])
        # The slow client stops reading; a few hundred kB of events back up behind its socket.
        title = "Langsamer Leser " + "x" * 150
        for n in range(200):
            assert fast.post_news(token, f"{title} {n}", body={"de": "<p>" + "y" * 2000 + "</p>"}).status_code == 201
        last = fast.head()
        # The others are not held up by it.
        assert brisk.wait_for_id(last, timeout=60)
        expected = [e["id"] for e in fast.log_events("news", since=head)]
        assert brisk.ids == expected
        # Its buffer overflowed: it was dropped back to replay from the log, not fed without bound.
        log = (fast.instance / "server.log").read_text()
        assert "reads too slowly; back to replay" in log
        # It now reads, and gets every event once, in order, with no gap.
        slow.read_until(last)
        assert slow.ids == expected
        # And it is live again afterwards.
        fast.post_news(token, "wieder live")
        slow.read_until(fast.head(), timeout=20)
        assert slow.ids[-1] == fast.head() and slow.ids == sorted(set(slow.ids))
    finally:
        brisk.disconnect()
        slow.close()
