"""/live end to end: a real python-socketio client against a live server process."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests
import socketio

from tests.support.live_client import Recorder
from tests.support.programme import call_body
from tests.support.server import EDITOR, MEMBER, MODERATOR, LiveServer

pytestmark = pytest.mark.e2e
# News published while a reader reconnects every 0.3 s: enough for several reconnects mid-stream.
RECONNECT_NEWS = 120


def test_subscriber_receives_news_posted_over_the_api(server: LiveServer) -> None:
    listener = Recorder(server.url, transports=["websocket"]).connect()
    try:
        ack = listener.subscribe(["news", "calls"])
        assert ack["ok"] and ack["topics"] == ["news", "calls"] and ack["denied"] == []
        assert ack["recovered"] is True and isinstance(ack["head"], int) and ack["epoch"]
        response = server.post_news(server.token(EDITOR), "Live aus der Redaktion")
        assert response.status_code == 201
        assert listener.wait_for_id(ack["head"] + 1)
        event = listener.events[-1]
        assert event["type"] == "news.published" and event["topic"] == "news"
        assert event["data"]["news_id"] == response.json()["id"]
        assert event["data"]["title"] == {"de": "Live aus der Redaktion"}
        assert event["actor"]["name"] == "Redaktion Dialogplattform"
        assert event["occurred_at"].endswith("Z") and event["epoch"] == ack["epoch"]
    finally:
        listener.disconnect()


def test_replay_after_disconnect_delivers_every_missed_event_once_in_order(server: LiveServer) -> None:
    token = server.token(EDITOR)
    first = Recorder(server.url).connect()
    ack = first.subscribe(["news"])
    server.post_news(token, "vor der Trennung")
    assert first.wait_for_id(ack["head"] + 1)
    last_seen = first.ids[-1]
    first.disconnect()
    missed = [server.post_news(token, f"verpasst {n}").json()["id"] for n in range(25)]
    second = Recorder(server.url).connect()
    try:
        resumed = second.subscribe(["news"], since=last_seen, epoch=ack["epoch"])
        assert resumed["recovered"] is True
        assert second.wait_for_id(resumed["head"])
        assert [e["data"]["news_id"] for e in second.events] == missed
        assert second.ids == sorted(set(second.ids))
        # Nothing more: one more news item comes next (delivery is in log order), nothing before it.
        after = server.post_news(token, "danach").json()["id"]
        assert second.wait_until(lambda r: after in [e["data"]["news_id"] for e in r.events])
        assert [e["data"]["news_id"] for e in second.events] == [*missed, after]
    finally:
        second.disconnect()


def test_reconnecting_subscriber_gets_exactly_the_published_ids_while_publishing(server: LiveServer) -> None:
    token = server.token(EDITOR)
    start = server.head()
    done = threading.Event()
    failures: list[int] = []

    def publisher() -> None:
        with requests.Session() as http:
            http.headers.update(server.headers(token))
            for n in range(RECONNECT_NEWS):
                body = {"title": {"de": f"Sturm {n}"}, "body": {"de": "x"}, "publish": True}
                response = http.post(server.url + "/api/v1/news", json=body, timeout=10)
                if response.status_code != 201:
                    failures.append(response.status_code)
        done.set()

    thread = threading.Thread(target=publisher)
    thread.start()
    received: list[int] = []
    cursor = start
    reconnects = 0
    try:
        while not done.is_set() or reconnects < 3:
            client = Recorder(server.url, transports=["websocket"] if reconnects % 2 else None).connect()
            client.subscribe(["news"], since=cursor)
            time.sleep(0.3)
            client.disconnect()
            received.extend(client.ids)
            cursor = received[-1] if received else cursor
            reconnects += 1
        thread.join()
        final = Recorder(server.url).connect()
        ack = final.subscribe(["news"], since=cursor)
        assert final.wait_for_id(ack["head"]) or ack["head"] == cursor
        final.disconnect()
        received.extend(final.ids)
    finally:
        thread.join()
    assert failures == []
    expected = [e["id"] for e in server.log_events("news", since=start)]
    assert len(expected) == RECONNECT_NEWS and reconnects >= 3
    assert received == expected, "gap, duplicate or reordering across reconnects"


def test_member_may_not_follow_another_members_user_topic(server: LiveServer) -> None:
    member_token = server.token(MEMBER)
    me = requests.get(server.url + "/api/v1/me", headers=server.headers(member_token), timeout=5).json()
    client = Recorder(server.url, token=member_token).connect()
    try:
        ack = client.subscribe([f"user.{me['id']}", f"user.{me['id'] + 1}", "moderation", "news"])
        assert ack["topics"] == [f"user.{me['id']}", "news"]
        assert {d["topic"]: d["reason"] for d in ack["denied"]} == {  # in the member's own language, German
            f"user.{me['id'] + 1}": "nur dieses Mitglied selbst darf ihm folgen",
            "moderation": "nur für die Moderation und Admins",
        }
    finally:
        client.disconnect()
    moderator = Recorder(server.url, token=server.token(MODERATOR)).connect()
    try:
        assert moderator.subscribe(["moderation"])["topics"] == ["moderation"]
    finally:
        moderator.disconnect()


def test_anonymous_client_gets_only_public_topics(server: LiveServer) -> None:
    client = Recorder(server.url).connect()
    try:
        ack = client.subscribe(
            ["news", "calls", "announcements", "projects", "project.3", "user.1", "moderation", "x.y"]
        )
        assert ack["topics"] == ["news", "calls", "announcements", "projects", "project.3"]
        assert {d["topic"]: d["reason"] for d in ack["denied"]} == {
            "user.1": "login required",
            "moderation": "login required",
            "x.y": "unknown topic",
        }
    finally:
        client.disconnect()


def test_cursor_from_another_epoch_or_from_the_future_is_not_recovered(server: LiveServer) -> None:
    client = Recorder(server.url).connect()
    try:
        other = client.subscribe(["news"], since=1, epoch="00000000")
        assert other["recovered"] is False and other["reason"] == "epoch_mismatch" and "earliest" in other
        ahead = client.subscribe(["calls"], since=other["head"] + 1000)
        assert ahead["recovered"] is False and ahead["reason"] == "cursor_ahead"
        # Anything replayed would come before a news item published now (delivery is in log order).
        after = server.post_news(server.token(EDITOR), "nach dem Abonnieren").json()["id"]
        assert client.wait_until(lambda r: r.events), "the live news item"
        assert [e["data"]["news_id"] for e in client.events] == [after], (
            "an unrecovered cursor must not replay anything"
        )
    finally:
        client.disconnect()


def test_bad_and_revoked_tokens_are_refused_at_connect_with_a_reason(server: LiveServer) -> None:
    token = server.token(MEMBER)
    requests.delete(server.url + "/api/v1/auth/tokens/current", headers=server.headers(token), timeout=5)
    for auth, reason in (
        ({"token": "scd_unknown"}, "invalid_token"),
        ({"token": token}, "token_revoked"),
        ({"token": 7}, "invalid_auth"),
    ):
        client = socketio.Client(reconnection=False)
        errors: list[object] = []
        client.on("connect_error", errors.append, namespace="/live")
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, namespaces=["/live"], auth=auth, wait_timeout=5)
        assert len(errors) == 1 and errors[0]["message"].startswith(reason + ": "), errors  # type: ignore[index]
        client.disconnect()


@pytest.mark.parametrize(
    ("message", "data", "code"),
    [
        ("subscribe", "news", "invalid_message"),
        ("subscribe", {"topics": []}, "invalid_message"),
        ("subscribe", {"topics": ["news"], "since": -1}, "invalid_message"),
        ("subscribe", {"topics": ["news"], "since": "abc"}, "invalid_message"),
        ("subscribe", {"topics": ["news"], "extra": 1}, "invalid_message"),
        ("unsubscribe", {"topics": "news"}, "invalid_message"),
        ("shout", {"x": 1}, "unknown_message"),
    ],
)
def test_malformed_messages_get_an_error_ack_and_the_connection_stays(
    server: LiveServer, message: str, data: object, code: str
) -> None:
    client = Recorder(server.url).connect()
    try:
        ack = client.call(message, data)
        assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
        assert client.subscribe(["news"])["ok"] is True
    finally:
        client.disconnect()


def test_unsubscribe_stops_delivery(server: LiveServer) -> None:
    token = server.token(EDITOR)
    client = Recorder(server.url).connect()
    try:
        ack = client.subscribe(["news", "calls"])
        assert client.call("unsubscribe", {"topics": ["news"]}) == {"ok": True, "topics": ["calls"]}
        news_id = server.post_news(token, "niemand hört zu").json()["id"]
        # A call announced after it still reaches the client (delivery is in log order): the news never came.
        body = call_body(8, {"de": "Nach der Abmeldung"}, timedelta(days=10), timedelta(days=40), announce=True)
        assert requests.post(server.url + "/api/v1/calls", json=body, headers=server.headers(token), timeout=10).ok
        assert client.wait_until(lambda r: r.of_type("call.announced"))
        assert [e["type"] for e in client.events] == ["call.announced"]
        client.subscribe(["news"], since=ack["head"])
        assert client.wait_until(lambda r: r.of_type("news.published")), "re-subscribing with the cursor recovers it"
        assert [e["data"]["news_id"] for e in client.of_type("news.published")] == [news_id]
    finally:
        client.disconnect()
