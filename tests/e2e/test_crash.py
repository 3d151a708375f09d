"""Crash safety: SIGKILL while events are being committed loses nothing and repeats nothing."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.conftest import start_server
from tests.support.live_client import Recorder
from tests.support.server import EDITOR, LiveServer

pytestmark = pytest.mark.e2e


def test_sigkill_during_commits_then_restart_resumes_every_committed_event_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = start_server(tmp_path_factory)
    token = server.token(EDITOR)
    start = server.head()
    acknowledged: list[int] = []  # news ids whose POST returned 201: committed for sure
    stop = threading.Event()

    def publisher() -> None:
        with requests.Session() as http:
            http.headers.update(server.headers(token))
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    response = http.post(
                        server.url + "/api/v1/news",
                        json={"title": {"de": f"Absturz {n}"}, "body": {"de": "x"}, "publish": True},
                        timeout=5,
                    )
                    if response.status_code == 201:
                        acknowledged.append(response.json()["id"])
                except requests.RequestException:
                    time.sleep(0.05)  # the server is down: keep trying until it is back

    client = Recorder(server.url).connect()
    client.subscribe(["news"], since=start)
    writer = threading.Thread(target=publisher)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # mid-stream: requests are in flight
        killed_at = len(acknowledged)
        client.disconnect()
        before_crash = client.ids
        server.start()  # same database file, same port
        deadline = time.monotonic() + 30
        while len(acknowledged) < killed_at + 40 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        writer.join()
    resumed = Recorder(server.url, transports=["websocket"]).connect()
    try:
        cursor = before_crash[-1] if before_crash else start
        ack = resumed.subscribe(["news"], since=cursor, epoch=client_epoch(server))
        assert ack["recovered"] is True
        assert resumed.wait_for_id(ack["head"]) or ack["head"] == cursor
        received = before_crash + resumed.ids
    finally:
        resumed.disconnect()
        server.stop()
    committed = server_log(server, start)
    assert len(acknowledged) > killed_at >= 60
    assert received == [e["id"] for e in committed], "a committed event was lost or repeated"
    news_ids = {e["data"]["news_id"] for e in committed}
    assert set(acknowledged) <= news_ids, "a POST answered 201 but its event is not in the log"


def client_epoch(server: LiveServer) -> str:
    return str(requests.get(server.url + "/api/v1/log", timeout=5).json()["epoch"])


def server_log(server: LiveServer, since: int) -> list[dict]:
    """The log read back through a fresh server on the same database."""
    server.start()
    try:
        return server.log_events("news", since=since)
    finally:
        server.stop()


def test_expired_cursor_after_retention_is_not_recovered(tmp_path_factory: pytest.TempPathFactory) -> None:
    server = start_server(tmp_path_factory)
    try:
        token = server.token(EDITOR)
        for n in range(3):
            server.post_news(token, f"alt {n}")
        old_head = server.head()
        # A sweep with zero-day retention prunes everything committed so far.
        assert f"up to id {old_head}" in _prune_all(server)
        client = Recorder(server.url).connect()
        try:
            ack = client.subscribe(["news"], since=1)
            assert ack["recovered"] is False and ack["reason"] == "expired" and ack["earliest"] == old_head + 1
            caught_up = client.subscribe(["calls"], since=old_head)
            assert caught_up["recovered"] is True, "a client that saw everything pruned loses nothing"
        finally:
            client.disconnect()
    finally:
        server.stop()


def _prune_all(server: LiveServer) -> str:
    """Run the retention sweep with zero-day retention against the server's database."""
    time.sleep(0.1)  # the cut-off is "now": let every event be strictly older
    original = dict(server.settings)
    server.settings["DIALOG_EVENT_RETENTION_DAYS"] = "0"
    try:
        return server.cli("prune-events")
    finally:
        server.settings.clear()
        server.settings.update(original)
