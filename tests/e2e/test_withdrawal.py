"""Withdrawn content, end to end: hidden and deleted posts and retracted news are gone from every
read path (Socket.IO, SSE and long-poll replay, webhook retries, the inbox, REST) and from the
database file itself, except the post (and revision, and news) tables that keep it for the staff."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import start_server
from tests.support.api import call, me, ok
from tests.support.dbgrep import tables_holding
from tests.support.live_client import Recorder
from tests.support.receiver import Receiver, receiver
from tests.support.server import ADMIN, EDITOR, MEMBER, MODERATOR, PARTNER, LiveServer
from tests.support.sse import frames

pytestmark = pytest.mark.e2e
PUBLIC = "nationale-dialogplattform"
# ASCII tokens: the log stores JSON with non-ASCII escaped; the grep looks for these bytes.
FIRST = "Erstfassung-7f3a1c"
SECOND = "Zweitfassung-9b2c4d"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose scheduler delivers webhooks at once and gives up after one attempt (admins retry)."""
    live = start_server(
        tmp_path_factory,
        DIALOG_SSE_HEARTBEAT_SECONDS="1",
        DIALOG_WEBHOOK_ALLOW_PRIVATE="1",
        DIALOG_WEBHOOK_POLL_SECONDS="0.2",
        DIALOG_WEBHOOK_MAX_ATTEMPTS="1",
        # Small replay pages: full ones are cached and shared, which a redaction must not outlive.
        DIALOG_REPLAY_PAGE_SIZE="2",
    )
    scheduler = live.start_scheduler("--tick-seconds", "0.5")
    yield live
    scheduler.terminate()
    scheduler.wait(10)
    live.stop()


@pytest.fixture(scope="module")
def tokens(site: LiveServer) -> dict[str, str]:
    emails = {"admin": ADMIN, "editor": EDITOR, "moderator": MODERATOR, "member": MEMBER, "partner": PARTNER}
    return {who: site.token(email) for who, email in emails.items()}


@pytest.fixture
def clients() -> Iterator[list[Recorder]]:
    opened: list[Recorder] = []
    yield opened
    for client in opened:
        client.disconnect()


def _term(text: str) -> str:
    """The hex suffix of a test text: a word of its own, as a search index would store it."""
    return text.rsplit("-", 1)[1]


def _database(site: LiveServer) -> Any:
    return site.instance / "dialog.sqlite3"


def _pull_all(site: LiveServer, topic: str, token: str | None) -> list[dict[str, Any]]:
    """Every event of `topic` from the start, page by page through the long-poll endpoint."""
    events: list[dict[str, Any]] = []
    since = 0
    headers = site.headers(token) if token else {}
    while True:
        page = ok(
            requests.get(
                site.url + "/api/v1/events",
                params={"topics": topic, "since": since, "limit": 50, "wait": 0.2},
                headers=headers,
                timeout=15,
            )
        )
        assert page["recovered"] is True and page["denied"] == []
        events.extend(page["items"])
        if not page["items"]:
            return events
        since = page["next"]


def _sse_all(site: LiveServer, topic: str, token: str | None, last_id: int) -> list[dict[str, Any]]:
    """Every event of `topic` from the start over SSE, up to `last_id`."""
    headers = site.headers(token) if token else {}
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    with requests.get(
        site.url + "/api/v1/stream", params={"topics": topic, "since": 0}, headers=headers, stream=True, timeout=20
    ) as response:
        for frame in frames(response):
            if frame.id is not None:
                assert int(frame.id) == frame.data["id"]
                events.append(frame.data)
                if frame.data["id"] >= last_id:
                    return events
            assert time.monotonic() < deadline, f"SSE replay of {topic} stopped at {len(events)} events"
    raise AssertionError("the SSE stream ended")


def _socketio_all(
    site: LiveServer, clients: list[Recorder], topic: str, token: str | None, last_id: int
) -> list[dict[str, Any]]:
    """Every event of `topic` from the start, replayed over Socket.IO (`since: 0`)."""
    client = Recorder(site.url, token, transports=["websocket"]).connect()
    clients.append(client)
    ack = client.subscribe([topic], since=0)
    assert ack["ok"] and ack["denied"] == [] and ack["recovered"] is True
    assert client.wait_for_id(last_id), f"Socket.IO replay of {topic} stopped at {client.ids[-1:]}"
    with client.changed:
        return list(client.events)


def _read_everywhere(
    site: LiveServer, clients: list[Recorder], topic: str, token: str | None
) -> dict[str, list[dict[str, Any]]]:
    pulled = _pull_all(site, topic, token)
    last = pulled[-1]["id"]
    return {
        "long-poll": pulled,
        "sse": _sse_all(site, topic, token, last),
        "socket.io": _socketio_all(site, clients, topic, token, last),
    }


def _mentions_text(events: list[dict[str, Any]], *texts: str) -> list[str]:
    return [f"{e['id']} {e['type']}" for e in events for t in texts if t in json.dumps(e, ensure_ascii=False)]


def _of_post(events: list[dict[str, Any]], post_id: int) -> dict[str, dict[str, Any]]:
    return {e["type"]: e for e in events if e["data"].get("post_id") == post_id}


def _delivery_log(site: LiveServer, admin: str, hook_id: int) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = ok(call(site, "GET", f"/webhooks/{hook_id}/deliveries", admin))["items"]
    return result


def _wait_for_failed(site: LiveServer, admin: str, hook_id: int, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        failed = [d for d in _delivery_log(site, admin, hook_id) if d["status"] == "failed"]
        if len(failed) >= count:
            return failed
        time.sleep(0.2)
    raise AssertionError(f"expected {count} failed deliveries: {_delivery_log(site, admin, hook_id)}")


def _signed(endpoint: Receiver, secret: str) -> list[dict[str, Any]]:
    bodies = []
    for request in endpoint.received:
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Dialog-Signature"] == expected
        bodies.append(json.loads(request.body))
    return bodies


def test_a_hidden_post_is_gone_from_every_read_path_and_the_file_and_unhiding_restores_it(
    site: LiveServer, tokens: dict[str, str], clients: list[Recorder]
) -> None:
    admin, editor, moderator = tokens["admin"], tokens["editor"], tokens["moderator"]
    member_id = me(site, tokens["member"])
    thread = ok(
        call(site, "POST", f"/spaces/{PUBLIC}/threads", tokens["member"],
             json={"title": "Ein Thema", "body": "<p>Worum es geht</p>", "language": "de"}),
        201,
    )  # fmt: skip
    topic = f"thread.{thread['id']}"
    with receiver(script=[500, 500]) as endpoint:
        hook = ok(
            call(site, "POST", "/webhooks", admin, json={"url": endpoint.url, "topics": [topic], "description": "x"}),
            201,
        )
        post = ok(
            call(site, "POST", f"/threads/{thread['id']}/posts", editor,
                 json={"body": f"<p>{FIRST}</p>", "language": "de", "mentions": [member_id]}),
            201,
        )  # fmt: skip
        ok(call(site, "PATCH", f"/posts/{post['id']}", editor, json={"body": f"<p>{SECOND}</p>"}))
        ok(call(site, "POST", f"/posts/{post['id']}/flags", tokens["member"], json={"reason": "bitte prüfen"}), 201)
        # Both deliveries were attempted with the text, refused by the partner, and given up on.
        failed = _wait_for_failed(site, admin, hook["id"], 2)
        first_attempts = _signed(endpoint, hook["secret"])
        assert _mentions_text(first_attempts, FIRST, SECOND), "before hiding, the text went out"
        notes = ok(call(site, "GET", "/notifications", tokens["member"]))["items"]
        assert any(FIRST in n["summary"] for n in notes)

        # A replay before hiding: its pages are cached and shared with later replays of the range.
        before = _socketio_all(site, clients, topic, None, _pull_all(site, topic, None)[-1]["id"])
        assert _mentions_text(before, SECOND)

        hidden = ok(call(site, "POST", f"/posts/{post['id']}/hide", moderator, json={"reason": "Spam"}))
        assert hidden["hidden_reason"] == "Spam"

        # Replayed from the start by anonymous, member and partner readers over every transport.
        for who in (None, "member", "partner"):
            token = tokens[who] if who else None
            for transport, events in _read_everywhere(site, clients, topic, token).items():
                assert _mentions_text(events, FIRST, SECOND) == [], (who, transport)
                withdrawn = _of_post(events, post["id"])
                assert set(withdrawn) == {"post.created", "post.edited", "post.hidden"}, (who, transport)
                for event_type in ("post.created", "post.edited"):
                    envelope = withdrawn[event_type]
                    assert envelope["data"]["redacted"] is True and "body" not in envelope["data"]
                    assert envelope["topic"] == f"space.{PUBLIC}" and envelope["actor"]["name"]
        # The moderators' flag excerpt and the member's notification went with it.
        moderation = _pull_all(site, "moderation", moderator)
        assert _mentions_text(moderation, FIRST, SECOND) == []
        assert _of_post(moderation, post["id"])["flag.raised"]["data"]["redacted"] is True
        inbox = _pull_all(site, f"user.{member_id}", tokens["member"])
        assert _mentions_text(inbox, FIRST, SECOND) == [] and any(e["data"].get("redacted") for e in inbox)
        notes = ok(call(site, "GET", "/notifications", tokens["member"]))["items"]
        mention = next(n for n in notes if n["subject"].get("post_id") == post["id"])
        assert mention["summary"] == "" and mention["redacted"] is True

        # A webhook retry sends the event as the log holds it now.
        for delivery in failed:
            ok(call(site, "POST", f"/webhooks/{hook['id']}/deliveries/{delivery['id']}/retry", admin))
        retried_ids = {d["event_id"] for d in failed}
        with endpoint.changed:
            sent = endpoint.changed.wait_for(
                lambda: retried_ids <= {int(r.headers["X-Dialog-Event-Id"]) for r in endpoint.received[2:]}, 20
            )
        assert sent, "the retries were not sent"
        later = _signed(endpoint, hook["secret"])[len(first_attempts) :]
        assert _mentions_text(later, FIRST, SECOND) == []
        retried = [e for e in later if e["id"] in retried_ids]
        assert sorted(e["type"] for e in retried) == ["post.created", "post.edited"]
        assert all(e["data"]["redacted"] is True for e in retried)

    # REST: members never see the text; the moderators do.
    for who in (None, "member", "partner", "editor"):
        token = tokens[who] if who else None
        listing = ok(call(site, "GET", f"/threads/{thread['id']}/posts", token))["items"]
        assert post["id"] not in [p["id"] for p in listing]
        assert call(site, "GET", f"/posts/{post['id']}", token).status_code == 404
        assert call(site, "GET", f"/posts/{post['id']}/revisions", token).status_code in (401, 403, 404)
    seen = ok(call(site, "GET", f"/posts/{post['id']}", moderator))
    assert seen["state"] == "hidden" and SECOND in seen["body"]

    # The bytes: only the post table (the current text) and the revisions (the first) hold them,
    # as text or as a search term (the index stores words lower-cased: the suffix is one).
    for text, table in ((SECOND, "forum_post"), (FIRST, "forum_post_revision")):
        assert tables_holding(_database(site), text) == {table}
        assert tables_holding(_database(site), _term(text)) == {table}

    # Unhiding restores the post over REST and publishes it again, as a new event.
    watcher = Recorder(site.url, transports=["websocket"]).connect()
    clients.append(watcher)
    assert watcher.subscribe([topic])["denied"] == []
    shown = ok(call(site, "POST", f"/posts/{post['id']}/unhide", moderator))
    assert shown["state"] == "visible" and SECOND in shown["body"]
    assert call(site, "POST", f"/posts/{post['id']}/unhide", moderator).status_code == 409
    assert call(site, "POST", f"/posts/{post['id']}/unhide", tokens["member"]).status_code == 403
    assert SECOND in ok(call(site, "GET", f"/posts/{post['id']}"))["body"]
    listing = ok(call(site, "GET", f"/threads/{thread['id']}/posts"))["items"]
    assert [p["state"] for p in listing if p["id"] == post["id"]] == ["visible"]
    assert watcher.wait_until(lambda r: r.of_type("post.unhidden"))
    unhidden = watcher.of_type("post.unhidden")[0]
    assert unhidden["data"]["post_id"] == post["id"] and SECOND in unhidden["data"]["body"]
    replay = _pull_all(site, topic, None)
    assert _of_post(replay, post["id"])["post.unhidden"]["data"]["body"] == f"<p>{SECOND}</p>"
    assert _of_post(replay, post["id"])["post.created"]["data"]["redacted"] is True, "what was redacted stays so"


def test_an_author_deletes_their_post_and_its_text_is_gone_but_for_the_moderators(
    site: LiveServer, tokens: dict[str, str], clients: list[Recorder]
) -> None:
    editor, moderator = tokens["editor"], tokens["moderator"]
    text = "Eigenloeschung-5e6f7a"
    thread = ok(
        call(site, "POST", f"/spaces/{PUBLIC}/threads", tokens["member"],
             json={"title": "Noch ein Thema", "body": "<p>Start</p>", "language": "de"}),
        201,
    )  # fmt: skip
    topic = f"thread.{thread['id']}"
    post = ok(
        call(site, "POST", f"/threads/{thread['id']}/posts", editor, json={"body": f"<p>{text}</p>", "language": "de"}),
        201,
    )
    refused = call(site, "DELETE", f"/posts/{post['id']}", tokens["member"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert call(site, "DELETE", f"/posts/{post['id']}").status_code == 401
    tombstone = ok(call(site, "DELETE", f"/posts/{post['id']}", editor))
    assert tombstone["state"] == "deleted" and tombstone["body"] is None
    again = call(site, "DELETE", f"/posts/{post['id']}", editor)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_deleted"

    for who in (None, "member"):
        token = tokens[who] if who else None
        events = _read_everywhere(site, clients, topic, token)
        for transport in ("long-poll", "socket.io"):
            assert _mentions_text(events[transport], text) == [], (who, transport)
            withdrawn = _of_post(events[transport], post["id"])
            assert withdrawn["post.created"]["data"]["redacted"] is True
            assert withdrawn["post.deleted"]["data"]["by_author"] is True
        listing = ok(call(site, "GET", f"/threads/{thread['id']}/posts", token))["items"]
        assert [(p["state"], p["body"]) for p in listing if p["id"] == post["id"]] == [("deleted", None)]
        assert ok(call(site, "GET", f"/posts/{post['id']}", token))["body"] is None
    assert call(site, "GET", f"/posts/{post['id']}/revisions", editor).status_code == 404
    assert text in ok(call(site, "GET", f"/posts/{post['id']}", moderator))["body"]
    assert tables_holding(_database(site), text) == {"forum_post"}
    assert tables_holding(_database(site), _term(text)) == {"forum_post"}


def test_retracted_news_is_gone_from_the_log_replay_and_feeds(
    site: LiveServer, tokens: dict[str, str], clients: list[Recorder]
) -> None:
    title, body = "Zurueckgezogen-1a2b3c", "Falschmeldung-4d5e6f"
    item = ok(site.post_news(tokens["editor"], title, body={"de": f"<p>{body}</p>"}), 201)
    ok(call(site, "PATCH", f"/news/{item['id']}", tokens["editor"], json={"title": {"de": title + " (neu)"}}))
    assert title in requests.get(site.url + "/api/v1/feeds/news.atom", timeout=10).text
    ok(call(site, "POST", f"/news/{item['id']}/retract", tokens["editor"], json={"reason": "falsch"}))
    events = _read_everywhere(site, clients, "news", None)
    for transport in ("long-poll", "socket.io", "sse"):
        assert _mentions_text(events[transport], title, body) == [], transport
        mine = [e for e in events[transport] if e["data"].get("news_id") == item["id"]]
        assert [(e["type"], e["data"].get("redacted", False)) for e in mine] == [
            ("news.published", True),
            ("news.updated", True),
            ("news.retracted", False),
        ], transport
    assert title not in requests.get(site.url + "/api/v1/feeds/news.atom", timeout=10).text
    for text in (title, body, _term(title), _term(body)):
        assert tables_holding(_database(site), text) == {"news_item"}, text


def test_topics_must_name_existing_things_in_canonical_form(site: LiveServer, tokens: dict[str, str]) -> None:
    projects = ok(call(site, "GET", "/projects"))
    project_id = (projects["items"] if isinstance(projects, dict) else projects)[0]["id"]
    thread = ok(
        call(site, "POST", f"/spaces/{PUBLIC}/threads", tokens["member"],
             json={"title": "Themen", "body": "<p>x</p>", "language": "de"}),
        201,
    )  # fmt: skip
    client = Recorder(site.url).connect()
    try:
        ack = client.subscribe(
            [
                f"project.{project_id}",
                f"thread.{thread['id']}",
                "project.999999",
                f"project.0{project_id}",
                "project.-1",
                "thread.999999",
                f"thread.0{thread['id']}",
            ]
        )
    finally:
        client.disconnect()
    assert ack["ok"] is True and ack["topics"] == [f"project.{project_id}", f"thread.{thread['id']}"]
    assert {d["topic"]: d["reason"] for d in ack["denied"]} == {
        "project.999999": "unknown topic: no such project",
        f"project.0{project_id}": f"unknown topic: ids have no leading zeros ({project_id})",
        "project.-1": "unknown topic",
        "thread.999999": "unknown topic",
        f"thread.0{thread['id']}": f"unknown topic: ids have no leading zeros ({thread['id']})",
    }
