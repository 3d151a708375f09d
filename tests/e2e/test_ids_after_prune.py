"""After retention pruned the whole log, new events get ids above the watermark and reach everyone."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.support.live_client import Recorder
from tests.support.server import EDITOR, LiveServer
from tests.support.sse import Frame, frames

pytestmark = pytest.mark.e2e


def _age_every_event(server: LiveServer) -> None:
    with sqlite3.connect(server.instance / "dialog.sqlite3") as db:
        db.execute("UPDATE event_log SET occurred_at = '2000-01-01 00:00:00'")


def _first_event(reader: Iterator[Frame], event_type: str, within: float) -> Frame:
    # Heartbeats (1 s here) keep the stream readable, so a missing event fails instead of hanging.
    deadline = time.monotonic() + within
    for frame in reader:
        if frame.event == event_type:
            return frame
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"no {event_type} on the SSE stream within {within} s")


def test_a_log_pruned_to_empty_goes_on_above_its_watermark_on_every_transport(server: LiveServer) -> None:
    token = server.token(EDITOR)
    assert server.post_news(token, "alt").ok
    _age_every_event(server)
    watermark = int(server.cli("prune-events").split("up to id ")[1].split()[0])
    log = requests.get(server.url + "/api/v1/log", timeout=10).json()
    assert log["head"] == watermark and log["earliest"] == watermark + 1
    assert server.log_events("news", since=0) == []

    recorder = Recorder(server.url).connect()
    try:
        ack = recorder.subscribe(["news"], since=watermark, epoch=log["epoch"])
        assert ack["ok"] and ack["recovered"] and ack["head"] == watermark
        with requests.get(
            server.url + "/api/v1/stream", params={"topics": "news", "since": watermark}, stream=True, timeout=20
        ) as response:
            reader = frames(response)
            assert next(reader).event == "subscribed"
            polled: list[dict] = []
            poller = threading.Thread(
                target=lambda: polled.append(
                    requests.get(
                        server.url + "/api/v1/events",
                        params={"topics": "news", "since": watermark, "wait": 15},
                        timeout=30,
                    ).json()
                )
            )
            poller.start()
            news_id = server.post_news(token, "neu nach dem Leeren").json()["id"]
            sse = _first_event(reader, "news.published", within=15)
            poller.join(30)
        assert recorder.wait_until(lambda r: r.of_type("news.published"), timeout=15), "Socket.IO got nothing"
        live = recorder.of_type("news.published")[0]
        assert live["id"] > watermark and live["data"]["news_id"] == news_id
        assert sse.data["id"] == live["id"] and int(sse.id or 0) == live["id"]
        assert [e["id"] for e in polled[0]["items"]] == [live["id"]]
        assert requests.get(server.url + "/api/v1/log", timeout=10).json()["head"] == live["id"]
    finally:
        recorder.disconnect()
