"""Calls, announcements, projects and news over HTTP and /live against a live server process."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.support.live_client import Recorder
from tests.support.programme import call_body
from tests.support.server import ADMIN, EDITOR, MEMBER, LiveServer
from tests.support.sse import frames

pytestmark = pytest.mark.e2e


def new_call(server: LiveServer, token: str, **overrides: Any) -> requests.Response:
    body = call_body(
        4,
        {"de": "Testaufruf", "en": "Test call"},
        timedelta(days=10),
        timedelta(days=40),
        summary={"de": "Zusammenfassung"},
        budget="1250000.50",
        application_url="https://www.smart-cities-made-in.de",
    )
    body.update(overrides)
    return requests.post(server.url + "/api/v1/calls", json=body, headers=server.headers(token), timeout=10)


def poll(fetch: Any, done: Any, timeout: float = 20) -> Any:
    """Call `fetch()` until `done(result)` or the timeout; return the last result."""
    deadline = time.monotonic() + timeout
    result = fetch()
    while not done(result) and time.monotonic() < deadline:
        time.sleep(0.1)
        result = fetch()
    return result


def test_demo_data_is_there(server: LiveServer) -> None:
    projects = requests.get(server.url + "/api/v1/projects", params={"round": 2, "limit": 100}, timeout=10).json()
    assert projects["total"] == 32
    assert {"Bamberg", "Hamburg mit Leipzig und München", "Landkreis St. Wendel"} <= {
        p["name"] for p in projects["items"]
    }
    bavaria = requests.get(server.url + "/api/v1/projects", params={"state": "Bayern"}, timeout=10).json()
    assert bavaria["total"] == 5  # Bamberg, Kirchheim, Fuchstal, Hamburg-Leipzig-München, Hof
    calls = requests.get(server.url + "/api/v1/calls", params={"round": 3}, timeout=10).json()
    [round3] = calls["items"]
    assert round3["budget"] == "300000000.00" and round3["currency"] == "EUR"
    assert round3["deadline_local"] == "2021-03-14T23:59:00+01:00" and round3["deadline"] == "2021-03-14T22:59:00Z"
    round2 = requests.get(server.url + "/api/v1/calls", params={"round": 2}, timeout=10).json()["items"][0]
    assert round2["motto"] == "Gemeinwohl und Netzwerkstadt / Stadtnetzwerk"
    assert len(requests.get(server.url + "/api/v1/news", timeout=10).json()["items"]) >= 3


def test_admin_broadcast_of_an_opening_reaches_a_live_subscriber_and_is_counted(server: LiveServer) -> None:
    admin = server.token(ADMIN)
    call = new_call(server, server.token(EDITOR), announce=True)
    assert call.status_code == 201, call.text
    call_id = call.json()["id"]
    listener = Recorder(server.url, transports=["websocket"]).connect()
    try:
        ack = listener.subscribe(["calls"])
        response = requests.post(
            f"{server.url}/api/v1/calls/{call_id}/broadcast-opening", headers=server.headers(admin), timeout=10
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "open"
        assert listener.wait_for_id(ack["head"] + 1)
        opened = [e for e in listener.events if e["type"] == "call.opened"]
        assert len(opened) == 1 and opened[0]["data"]["call_id"] == call_id and opened[0]["data"]["broadcast"]

        def reach() -> dict[str, Any]:
            url = f"{server.url}/api/v1/calls/{call_id}/reach"
            return requests.get(url, headers=server.headers(admin), timeout=10).json()

        counted = poll(reach, lambda r: r["live_sessions"] >= 1)
        assert counted["live_sessions"] >= 1 and counted["event_id"] == opened[0]["id"]
        assert counted["webhooks"] == 0 and counted["inboxes"] == 0
        again = requests.post(
            f"{server.url}/api/v1/calls/{call_id}/broadcast-opening", headers=server.headers(admin), timeout=10
        )
        assert again.status_code == 409 and again.json()["error"]["details"] == {"status": ["open"]}
    finally:
        listener.disconnect()


def test_announcement_reach_counts_live_sessions_streams_and_read_marks(server: LiveServer) -> None:
    admin = server.token(ADMIN)
    listener = Recorder(server.url).connect()
    stream = requests.get(
        server.url + "/api/v1/stream", params={"topics": "announcements"}, stream=True, timeout=(5, 30)
    )
    try:
        assert stream.status_code == 200
        ack = listener.subscribe(["announcements", "calls"])
        # The SSE stream is counted only once it is following: its first heartbeat (1 s of quiet in
        # this module's server) goes out only then.
        assert next(f for f in itertools.islice(frames(stream), 30) if f.comment is not None).comment == "heartbeat"
        body = {"title": {"de": "Wartung heute Abend", "en": "Maintenance tonight"}, "body": {"de": "<p>Ab 20 Uhr</p>"}}
        response = requests.post(
            server.url + "/api/v1/announcements", json=body, headers=server.headers(admin), timeout=10
        )
        assert response.status_code == 201, response.text
        announcement_id = response.json()["id"]
        assert listener.wait_for_id(ack["head"] + 1)
        event = listener.events[-1]
        assert event["type"] == "announcement.broadcast" and event["topic"] == "announcements"
        assert event["data"]["announcement_id"] == announcement_id

        url = f"{server.url}/api/v1/announcements/{announcement_id}"

        def reach() -> dict[str, Any]:
            return requests.get(url + "/reach", headers=server.headers(admin), timeout=10).json()

        counted = poll(reach, lambda r: r["live_sessions"] >= 1 and r["stream_clients"] >= 1)
        assert counted["live_sessions"] >= 1 and counted["stream_clients"] >= 1 and counted["reads"] == 0
        member = server.headers(server.token(MEMBER))
        first = requests.post(url + "/read", headers=member, timeout=10)
        second = requests.post(url + "/read", headers=member, timeout=10)
        assert first.json() == {"announcement_id": announcement_id, "read": True, "first_time": True}
        assert second.status_code == 200 and second.json()["first_time"] is False
        assert reach()["reads"] == 1
    finally:
        stream.close()
        listener.disconnect()


def test_only_admins_broadcast_and_see_reach(server: LiveServer) -> None:
    editor = server.headers(server.token(EDITOR))
    body = {"title": {"de": "x"}, "body": {"de": "y"}}
    assert requests.post(server.url + "/api/v1/announcements", json=body, headers=editor, timeout=10).status_code == 403
    assert requests.post(server.url + "/api/v1/announcements", json=body, timeout=10).status_code == 401
    call_id = new_call(server, server.token(EDITOR)).json()["id"]
    opening = requests.post(f"{server.url}/api/v1/calls/{call_id}/broadcast-opening", headers=editor, timeout=10)
    assert opening.status_code == 403
    assert requests.get(f"{server.url}/api/v1/calls/{call_id}/reach", headers=editor, timeout=10).status_code == 403
    member = server.headers(server.token(MEMBER))
    assert new_call(server, server.token(MEMBER)).status_code == 403
    assert requests.post(server.url + "/api/v1/projects", json={}, headers=member, timeout=10).status_code in (403, 422)


def _fields(response: requests.Response) -> str:
    """The error body as text, to look for the field name in."""
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return str(body["error"]["details"]) + body["error"]["message"]


@pytest.mark.parametrize(
    ("overrides", "field", "status"),
    [
        ({"deadline": "2020-01-01T00:00:00Z", "opens_at": "2020-02-01T00:00:00Z"}, "deadline", 422),
        ({"title": {"de": "x", "fr": "y"}}, "title", 422),
        ({"summary": {"xx": "y"}}, "summary", 422),
        ({"budget": 0}, "budget", 422),
        ({"budget": "-5"}, "budget", 422),
        ({"budget": "12.345"}, "budget", 422),
        ({"budget": "lots"}, "budget", 422),
        ({"deadline": "2021-03-14T23:59:00"}, "deadline", 422),
        ({"reminder_days": [0]}, "reminder_days", 422),
        ({"application_url": "not a url"}, "application_url", 422),
        ({"round": "drei"}, "round", 422),
    ],
)
def test_bad_call_input_is_refused_naming_the_field_and_changes_nothing(
    server: LiveServer, overrides: dict[str, Any], field: str, status: int
) -> None:
    token = server.token(EDITOR)
    before = requests.get(server.url + "/api/v1/calls", headers=server.headers(token), timeout=10).json()["total"]
    head = server.head()
    response = new_call(server, token, **overrides)
    assert response.status_code == status, response.text
    assert field in _fields(response)
    after = requests.get(server.url + "/api/v1/calls", headers=server.headers(token), timeout=10).json()["total"]
    assert after == before and server.head() == head


def test_call_lifecycle_errors_over_http(server: LiveServer) -> None:
    token = server.token(EDITOR)
    headers = server.headers(token)
    call = new_call(server, token, announce=True).json()
    url = f"{server.url}/api/v1/calls/{call['id']}"
    no_reason = requests.post(url + "/deadline", json={"deadline": call["deadline"]}, headers=headers, timeout=10)
    assert no_reason.status_code == 422 and "reason" in _fields(no_reason)
    patch = requests.patch(url, json={"deadline": "2099-01-01T00:00:00Z"}, headers=headers, timeout=10)
    assert patch.status_code == 422 and "deadline" in _fields(patch)
    unknown = requests.patch(url, json={"colour": "blue"}, headers=headers, timeout=10)
    assert unknown.status_code == 422 and "colour" in _fields(unknown)
    moved = requests.post(
        url + "/deadline",
        json={"deadline": "2099-01-01T12:00:00+01:00", "reason": "Verlängert"},
        headers=headers,
        timeout=10,
    )
    assert moved.status_code == 200 and moved.json()["deadline"] == "2099-01-01T11:00:00Z"
    detail = requests.get(url, timeout=10).json()
    assert detail["deadline_changes"][0]["reason"] == "Verlängert"
    reminders = requests.get(url + "/reminders", headers=headers, timeout=10).json()["items"]
    assert {r["outcome"] for r in reminders} == {None, "cancelled"}
    # A closed call (round 3 of the demo) cannot be edited.
    closed = requests.get(server.url + "/api/v1/calls", params={"status": "closed"}, timeout=10).json()["items"][0]
    refused = requests.patch(
        f"{server.url}/api/v1/calls/{closed['id']}", json={"motto": "neu"}, headers=headers, timeout=10
    )
    assert refused.status_code == 409 and "status" in _fields(refused)
    assert requests.get(f"{server.url}/api/v1/calls/{closed['id']}", timeout=10).json()["motto"] == closed["motto"]


def test_news_lifecycle_and_bad_input_over_http(server: LiveServer) -> None:
    headers = server.headers(server.token(EDITOR))
    base = server.url + "/api/v1/news"
    past = requests.post(
        base,
        json={"title": {"de": "x"}, "body": {"de": "y"}, "publish_at": "2020-01-01T00:00:00Z"},
        headers=headers,
        timeout=10,
    )
    assert past.status_code == 422 and "publish_at" in _fields(past)
    bad_lang = requests.post(base, json={"title": {"tlh": "x"}, "body": {"de": "y"}}, headers=headers, timeout=10)
    assert bad_lang.status_code == 422 and "title" in _fields(bad_lang)
    no_project = requests.post(
        base, json={"title": {"de": "x"}, "body": {"de": "y"}, "project_id": 99999}, headers=headers, timeout=10
    )
    assert no_project.status_code == 422 and "project_id" in _fields(no_project)

    project = requests.get(server.url + "/api/v1/projects", params={"q": "kassel"}, timeout=10).json()["items"][0]
    listener = Recorder(server.url).connect()
    try:
        ack = listener.subscribe([project["feed_topic"]])
        created = requests.post(
            base,
            json={
                "title": {"de": "Kassel digital"},
                "body": {"de": "<p>x</p>"},
                "tags": ["Mobilität"],
                "project_id": project["id"],
                "publish": True,
            },
            headers=headers,
            timeout=10,
        ).json()
        item = f"{base}/{created['id']}"
        updated = requests.patch(
            item, json={"title": {"de": "Kassel digital!", "en": "Kassel digital!"}}, headers=headers, timeout=10
        )
        assert updated.status_code == 200
        retracted = requests.post(item + "/retract", json={"reason": "doppelt"}, headers=headers, timeout=10)
        assert retracted.status_code == 200 and retracted.json()["status"] == "retracted"
        again = requests.post(item + "/publish", headers=headers, timeout=10)
        assert again.status_code == 409
        assert listener.wait_for_id(ack["head"] + 3)
        assert [e["type"] for e in listener.events] == ["news.published", "news.updated", "news.retracted"]
        assert listener.events[1]["data"]["changed"] == ["title"]
    finally:
        listener.disconnect()
    tagged = requests.get(base, params={"tag": "mobilität", "project_id": project["id"]}, timeout=10).json()
    assert tagged["total"] == 0  # retracted items are not listed
    english = requests.get(base, params={"language": "en", "limit": 1}, timeout=10).json()
    assert len(english["items"]) == 1 and all("en" in n["title"] for n in english["items"])
    bad_filter = requests.get(base, params={"language": "fr"}, timeout=10)
    assert bad_filter.status_code == 422 and "language" in _fields(bad_filter)


def test_projects_search_and_bad_input(server: LiveServer) -> None:
    headers = server.headers(server.token(EDITOR))
    base = server.url + "/api/v1/projects"
    found = requests.get(base, params={"q": "köln"}, timeout=10).json()
    assert [p["name"] for p in found["items"]] == ["Köln"]
    first = requests.get(base, params={"kind": "district", "limit": 2}, timeout=10).json()
    districts = requests.get(base, params={"kind": "district", "limit": 2, "cursor": first["next"]}, timeout=10).json()
    assert districts["total"] == 4 and len(districts["items"]) == 2 and districts["next"] is None
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in districts["items"]}
    bad_state = requests.post(
        base,
        json={
            "name": "Atlantis",
            "kind": "municipality",
            "round": 3,
            "federal_states": ["Atlantis"],
            "description": {"de": "x"},
        },
        headers=headers,
        timeout=10,
    )
    assert bad_state.status_code == 422 and "federal_states" in _fields(bad_state)
    duplicate = requests.post(
        base,
        json={
            "name": "Köln",
            "kind": "municipality",
            "round": 2,
            "federal_states": ["Nordrhein-Westfalen"],
            "description": {"de": "x"},
        },
        headers=headers,
        timeout=10,
    )
    assert duplicate.status_code == 422 and "name" in _fields(duplicate)
    assert requests.get(base, params={"round": 2}, timeout=10).json()["total"] == 32
