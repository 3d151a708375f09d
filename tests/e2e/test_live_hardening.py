"""Hostile input on the real-time endpoints: every message is answered, nothing hangs or resets a session."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from tests.conftest import start_server
from tests.support.api import me
from tests.support.live_client import Recorder, disconnect_soon
from tests.support.server import MEMBER, PARTNER, LiveServer

pytestmark = pytest.mark.e2e
TOO_BIG = "9223372036854775808"  # 2**63: no database integer
JUNK_SENDERS = 20


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Served like production: gunicorn with one gevent worker (of 100 connections)."""
    # Few worker connections, as in the report: hung requests would use them all up long before 200.
    live = start_server(tmp_path_factory, gunicorn=True, DIALOG_WORKER_CONNECTIONS="100")
    yield live
    live.stop()


def _open_polling_session(url: str, namespace: bool) -> str:
    opened = requests.get(url + "/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=5)
    assert opened.status_code == 200 and opened.text.startswith("0"), opened.text
    sid = str(json.loads(opened.text[1:])["sid"])
    if namespace:
        joined = requests.post(
            url + "/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}, data=b"40/live,", timeout=5
        )
        assert joined.status_code == 200
    return sid


def test_polling_posts_with_an_unknown_packet_type_are_answered_at_once(production: LiveServer) -> None:
    """200 junk long-poll POSTs at once (a hung one holds a worker connection for good): all answered,
    each session is over, and /healthz answers within a second after them."""
    url = production.url

    def junk(n: int) -> tuple[int, float, int]:
        sid = _open_polling_session(url, namespace=n % 2 == 1)
        params = {"EIO": "4", "transport": "polling", "sid": sid}
        started = time.monotonic()
        # A new connection for each, as curl would: a hung request holds its connection.
        answer = requests.post(url + "/socket.io/", params=params, data=b"9", timeout=15)
        took = time.monotonic() - started
        # The session is over: the next poll is refused, not held.
        return answer.status_code, took, requests.get(url + "/socket.io/", params=params, timeout=15).status_code

    with ThreadPoolExecutor(JUNK_SENDERS) as pool:
        answers = list(pool.map(junk, range(200)))
    assert {(status, after) for status, _, after in answers} == {(400, 400)}
    assert max(took for _, took, _ in answers) < 5, "a junk POST waited instead of being refused"
    started = time.monotonic()
    assert requests.get(url + "/healthz", timeout=5).status_code == 200
    assert requests.get(url + "/api/v1/log", timeout=5).status_code == 200
    assert time.monotonic() - started < 1


def test_ids_beyond_any_database_integer_are_unknown_topics_on_every_transport(server: LiveServer) -> None:
    client = Recorder(server.url).connect()
    try:
        ack = client.subscribe([f"thread.{TOO_BIG}", f"project.{TOO_BIG}", "project.²", "news"])
        assert ack["ok"] is True and ack["topics"] == ["news"]
        assert {d["topic"]: d["reason"] for d in ack["denied"]} == {
            f"thread.{TOO_BIG}": "unknown topic",
            f"project.{TOO_BIG}": "unknown topic",
            "project.²": "unknown topic",
        }
    finally:
        client.disconnect()
    for path in ("/api/v1/events", "/api/v1/stream"):
        refused = requests.get(server.url + path, params={"topics": f"thread.{TOO_BIG}"}, timeout=5)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    # A cursor of digits that are not ASCII ("²".isdigit() is true) is bad input, not a server error.
    bad = requests.get(
        server.url + "/api/v1/stream", params={"topics": "news"}, headers={"Last-Event-ID": "²"}, timeout=5
    )
    error = bad.json()["error"]
    assert bad.status_code == 422 and error["code"] == "invalid_input"
    assert error["details"] == {"headers": {"Last-Event-ID": [error["message"].removeprefix("Last-Event-ID: ")]}}


MALFORMED = ["news", ["news"], 7, True, None]


def test_every_malformed_message_gets_an_error_ack_and_the_connection_stays(server: LiveServer) -> None:
    client = Recorder(server.url, token=server.token(MEMBER)).connect()
    try:
        answers = {}
        for message in ("subscribe", "unsubscribe", "typing", "view", "leave"):
            for payload in MALFORMED:
                answers[(message, repr(payload))] = client.call(message, payload)
        # Extra positional arguments (a tuple is sent as several arguments).
        answers[("subscribe", "two arguments")] = client.call("subscribe", ({"topics": ["news"]}, 1))
        answers[("view", "two arguments")] = client.call("view", ({"topic": "space.x"}, {"topic": "space.y"}))
        answers[("typing", "huge id")] = client.call("typing", {"thread_id": 10**30})
        answers[("typing", "2**63")] = client.call("typing", {"thread_id": int(TOO_BIG)})
        for key, ack in answers.items():
            assert isinstance(ack, dict) and ack["ok"] is False, (key, ack)
            assert ack["error"]["code"] == "invalid_message" and ack["error"]["message"], (key, ack)
        assert client.subscribe(["news"])["ok"] is True
    finally:
        client.disconnect()


def test_reserved_names_sent_by_a_client_are_refused_and_the_session_is_untouched(server: LiveServer) -> None:
    token = server.token(MEMBER)
    own = f"user.{me(server, token)}"
    client = Recorder(server.url, token=token).connect()
    try:
        for name, payload in (
            ("connect", {"token": "scd_someone_else"}),
            ("connect", None),
            ("disconnect", "client namespace disconnect"),
            ("disconnect", None),
            ("connect_error", {"message": "x"}),
            ("disconnecting", None),
        ):
            ack = client.call(name, payload)
            assert ack["ok"] is False and ack["error"]["code"] == "reserved_message", (name, ack)
        # Still logged in as the member (a `connect` message did not log it out) and still known
        # (a `disconnect` message did not make the server forget it).
        ack = client.subscribe([own])
        assert ack["ok"] is True and ack["topics"] == [own] and ack["denied"] == []
        assert client.client.connected
    finally:
        client.disconnect()


def _live_client(
    server: LiveServer, *, query: str = "", auth: dict[str, str] | None = None, **headers: str
) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(
        server.url + query, namespaces=["/live"], transports=["websocket"], headers=headers, auth=auth, wait_timeout=10
    )
    return client


@pytest.mark.parametrize(
    ("query", "headers", "unknown", "denied", "refused"),
    [
        (
            "",
            {"Accept-Language": "de-DE,de;q=0.9"},
            "eine Nachricht 'nonsense' gibt es in /live nicht",
            "Anmeldung erforderlich",
            "invalid_token: das Token ist unbekannt",
        ),
        (  # the web app's pages ask with `?lang=`, whatever the browser prefers
            "?lang=de",
            {"Accept-Language": "en"},
            "eine Nachricht 'nonsense' gibt es in /live nicht",
            "Anmeldung erforderlich",
            "invalid_token: das Token ist unbekannt",
        ),
        ("", {}, "there is no message 'nonsense' in /live", "login required", "invalid_token: the token is not known"),
    ],
)
def test_error_acks_denials_and_refusals_are_in_the_connections_language(
    server: LiveServer, query: str, headers: dict[str, str], unknown: str, denied: str, refused: str
) -> None:
    client = _live_client(server, query=query, **headers)
    try:
        ack = client.call("nonsense", {}, namespace="/live", timeout=10)
        assert ack == {"ok": False, "error": {"code": "unknown_message", "message": unknown}}
        subscribed = client.call("subscribe", {"topics": ["news", "moderation"]}, namespace="/live", timeout=10)
        assert subscribed["topics"] == ["news"] and subscribed["denied"] == [{"topic": "moderation", "reason": denied}]
    finally:
        disconnect_soon(client)
    refused_client = socketio.Client(reconnection=False)
    refusals: list[dict[str, str]] = []
    refused_client.on("connect_error", refusals.append, namespace="/live")
    # Over a WebSocket (3 s of websocket-client's close wait): a polling close can hang for 25 s (see live_client).
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused_client.connect(
            server.url + query,
            namespaces=["/live"],
            transports=["websocket"],
            headers=headers,
            auth={"token": "scd_no-such-token"},
            wait_timeout=10,
        )
    assert refusals and refusals[0]["message"] == refused, refusals


@pytest.mark.parametrize(
    ("member", "query", "headers", "unknown"),
    [
        # the member's own setting (de) before the handshake's Accept-Language
        (MEMBER, "", {"Accept-Language": "en"}, "eine Nachricht 'nonsense' gibt es in /live nicht"),
        (PARTNER, "", {"Accept-Language": "de"}, "there is no message 'nonsense' in /live"),  # the partner's is en
        # a page's `?lang=` says which language the person is reading: it comes first
        (PARTNER, "?lang=de", {}, "eine Nachricht 'nonsense' gibt es in /live nicht"),
    ],
    ids=["member-de", "partner-en", "partner-page-de"],
)
def test_a_signed_in_members_error_acks_are_in_their_own_language(
    server: LiveServer, member: str, query: str, headers: dict[str, str], unknown: str
) -> None:
    client = _live_client(server, query=query, auth={"token": server.token(member)}, **headers)
    try:
        ack = client.call("nonsense", {}, namespace="/live", timeout=10)
        assert ack == {"ok": False, "error": {"code": "unknown_message", "message": unknown}}
        # inside a handler too (Flask-SocketIO's own request context of the message)
        malformed = client.call("subscribe", {"topics": "news"}, namespace="/live", timeout=10)
        german = unknown.startswith("eine")
        assert malformed["error"]["message"] == (
            "topics: eine Liste von Themennamen" if german else "topics: a list of topic names"
        )
    finally:
        disconnect_soon(client)
