"""SSE and long-poll end to end: same cursor semantics as /live, over plain HTTP."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
import requests

from tests.support.server import EDITOR, LiveServer
from tests.support.sse import frames

pytestmark = pytest.mark.e2e


def test_sse_resumes_with_last_event_id_then_streams_live_with_heartbeats(server: LiveServer) -> None:
    token = server.token(EDITOR)
    start = server.head()
    missed = [server.post_news(token, f"vorher {n}").json()["id"] for n in range(3)]
    with requests.get(
        server.url + "/api/v1/stream",
        params={"topics": "news,user.1"},
        headers={"Last-Event-ID": str(start)},
        stream=True,
        timeout=10,
    ) as response:
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/event-stream")
        reader = frames(response)
        hello = next(reader)
        assert hello.event == "subscribed" and hello.data["topics"] == ["news"] and hello.data["recovered"] is True
        assert hello.data["denied"] == [{"topic": "user.1", "reason": "login required"}]
        replayed = [next(reader) for _ in range(3)]
        assert [f.data["data"]["news_id"] for f in replayed] == missed
        assert [int(f.id) for f in replayed] == [f.data["id"] for f in replayed]  # type: ignore[arg-type]
        assert {f.event for f in replayed} == {"news.published"}
        # Caught up, the stream goes live: a heartbeat after a second of quiet says so (none during a replay).
        assert next(reader).comment == "heartbeat"
        assert server.post_news(token, "live").status_code == 201
        # More heartbeats may go out before the event does (on a busy machine): skip them, a bounded number.
        live = next(frame for frame in itertools.islice(reader, 30) if frame.comment is None)
        assert live.event == "news.published"
        assert live.data["data"]["title"] == {"de": "live"} and int(live.id) > int(replayed[-1].id)  # type: ignore[arg-type]
        heartbeat = next(reader)
        assert heartbeat.comment == "heartbeat", "the server heartbeats a quiet stream (1 s in this test)"


def test_sse_says_reset_for_a_cursor_of_another_epoch(server: LiveServer) -> None:
    with requests.get(
        server.url + "/api/v1/stream",
        params={"topics": "news", "since": 1, "epoch": "ffffffff"},
        stream=True,
        timeout=10,
    ) as response:
        reader = frames(response)
        assert next(reader).event == "subscribed"
        reset = next(reader)
        assert reset.event == "reset" and reset.data["recovered"] is False and reset.data["reason"] == "epoch_mismatch"
        assert reset.data["epoch"] != "ffffffff" and "earliest" in reset.data


@pytest.mark.parametrize(
    ("params", "headers", "status", "code"),
    [
        ({"topics": "news", "since": -1}, {}, 422, "invalid_input"),
        ({"topics": "news", "since": "x"}, {}, 422, "invalid_input"),
        ({"topics": "news"}, {"Last-Event-ID": "abc"}, 422, "invalid_input"),
        ({"topics": ""}, {}, 422, "invalid_input"),
        ({"topics": "moderation,user.9"}, {}, 403, "forbidden"),
        ({"topics": "news"}, {"Authorization": "Bearer scd_forged"}, 401, "invalid_token"),
    ],
)
def test_sse_bad_requests_get_json_errors(
    server: LiveServer, params: dict, headers: dict, status: int, code: str
) -> None:
    response = requests.get(server.url + "/api/v1/stream", params=params, headers=headers, timeout=10)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]


def test_pull_pages_through_the_log_with_the_next_cursor(server: LiveServer) -> None:
    token = server.token(EDITOR)
    start = server.head()
    ids = [server.post_news(token, f"Seite {n}").json()["id"] for n in range(5)]
    page = requests.get(
        server.url + "/api/v1/events", params={"topics": "news,calls", "since": start, "limit": 3}, timeout=5
    ).json()
    assert [e["data"]["news_id"] for e in page["items"]] == ids[:3] and page["recovered"] is True
    rest = requests.get(
        server.url + "/api/v1/events", params={"topics": "news", "since": page["next"]}, timeout=5
    ).json()
    assert [e["data"]["news_id"] for e in rest["items"]] == ids[3:]
    assert rest["next"] == rest["head"]
    empty = requests.get(
        server.url + "/api/v1/events", params={"topics": "news", "since": rest["next"]}, timeout=5
    ).json()
    assert empty["items"] == [] and empty["next"] == rest["next"]


def test_long_poll_waits_and_returns_as_soon_as_an_event_commits(server: LiveServer) -> None:
    token = server.token(EDITOR)
    head = server.head()
    threading.Timer(0.5, server.post_news, (token, "geweckt")).start()
    began = time.monotonic()
    page = requests.get(
        server.url + "/api/v1/events", params={"topics": "news", "since": head, "wait": 20}, timeout=30
    ).json()
    assert [e["data"]["title"]["de"] for e in page["items"]] == ["geweckt"]
    assert time.monotonic() - began < 15, "the long-poll returned on the commit, not on its timeout"
    quiet = requests.get(
        server.url + "/api/v1/events", params={"topics": "calls", "since": page["next"], "wait": 0.5}, timeout=10
    ).json()
    assert quiet["items"] == [] and quiet["next"] >= page["next"]


def test_pull_with_a_cursor_of_another_epoch_is_not_recovered(server: LiveServer) -> None:
    page = requests.get(
        server.url + "/api/v1/events", params={"topics": "news", "since": 0, "epoch": "abcdef12"}, timeout=5
    ).json()
    assert page["recovered"] is False and page["items"] == [] and page["reason"] == "epoch_mismatch"
    assert page["next"] == page["head"] and "earliest" in page
