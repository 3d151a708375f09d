"""Every list is `{"items", "next", "total"}`, paged with `?limit=` and the opaque `?cursor=`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.api import bearer, every_page, login
from tests.support.openapi import Operation, assert_matches, operations, resolve
from tests.support.server import ADMIN, MEMBER, MODERATOR

SPACE = "nationale-dialogplattform"


def _page_schema(op: Operation) -> dict[str, Any] | None:
    content = op.spec["responses"].get("200", {}).get("content", {}).get("application/json")
    return None if content is None else resolve(content["schema"])


LISTS = [
    op
    for op in operations()
    if op.method == "get" and {"items", "next", "total"} <= set((_page_schema(op) or {}).get("properties", {}))
]


@pytest.fixture(scope="module")
def world(app: Flask) -> dict[str, Any]:
    """Tokens, and at least two of everything the admin can list (one webhook with deliveries)."""
    client = app.test_client()
    admin, member, moderator = login(client, ADMIN), login(client, MEMBER), login(client, MODERATOR)
    login(client, ADMIN)  # a second token of the admin's
    admin_id = client.get("/api/v1/me", headers=bearer(admin)).get_json()["id"]

    def post(path: str, body: Any, token: str, status: int = 201) -> Any:
        response = client.post(path, json=body, headers=bearer(token))
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    hook = post("/api/v1/webhooks", {"url": "https://93.184.215.14/hook", "topics": ["news"]}, admin)
    for n in range(3):
        post("/api/v1/news", {"title": {"de": f"Liste {n}"}, "body": {"de": "<p>x</p>"}, "publish": True}, admin)
    post("/api/v1/network/countries", {"code": "FR", "name": {"de": "Frankreich"}}, admin)
    post("/api/v1/network/organisations", {"name": "Bureau", "country": "FR"}, admin)
    for n in range(2):
        post("/api/v1/network/invitations", {"email": f"guest{n}@example.org", "country": "FR"}, admin)
    for n in range(4):  # mentions fill the admin's inbox; replies make the thread's posts several pages
        body = {"body": f"<p>Antwort {n}</p>", "language": "de", "mentions": [admin_id]}
        post("/api/v1/threads/1/posts", body, member)
    for n in range(2):  # the first post's revisions
        response = client.patch("/api/v1/posts/1", json={"body": f"<p>neu {n}</p>"}, headers=bearer(member))
        assert response.status_code == 200, response.get_data(as_text=True)
    for kind, key in (("space", SPACE), ("thread", "1"), ("project", "1"), ("call", "1")):
        assert client.put(f"/api/v1/follows/{kind}/{key}", headers=bearer(admin)).status_code == 200
    return {"admin": admin, "member": member, "moderator": moderator, "webhook": hook["id"]}


def _url(op: Operation, world: dict[str, Any]) -> str:
    return op.url(call_id=1, thread_id=1, post_id=1, organisation_id=1, slug=SPACE, webhook_id=world["webhook"])


def test_every_list_is_found() -> None:
    """The lists below are the API's lists (a guard against the filter silently matching nothing)."""
    paths = {op.path for op in LISTS}
    assert len(LISTS) >= 18 and {"/api/v1/news", "/api/v1/notifications", "/api/v1/threads/{thread_id}/posts"} <= paths


@pytest.mark.parametrize("op", LISTS, ids=str)
def test_envelope_is_required_in_the_document(op: Operation) -> None:
    """The document promises the three keys on every list."""
    schema = _page_schema(op)
    assert schema is not None and {"items", "next", "total"} <= set(schema.get("required", []))


@pytest.mark.parametrize("op", LISTS, ids=str)
def test_paging_by_cursor_walks_the_whole_list_once(client: FlaskClient, world: dict[str, Any], op: Operation) -> None:
    """One item per page, following `next`: every item once, in the order of one big page."""
    url = _url(op, world)
    extra = op.required_query()  # what a list needs besides paging (the search's `q`)
    limits = [p["schema"]["maximum"] for p in op.parameters("query") if p["name"] == "limit"]
    if not limits:  # one page by design (@-autocomplete): the envelope, and never a next page
        single = client.get(url, query_string=extra, headers=bearer(world["admin"])).get_json()
        assert single["next"] is None and len(single["items"]) == single["total"], single
        assert_matches(op, 200, single)
        return
    largest = limits[0]
    whole = client.get(url, query_string={"limit": largest, **extra}, headers=bearer(world["admin"])).get_json()
    assert set(whole) >= {"items", "next", "total"} and whole["next"] is None, whole
    assert_matches(op, 200, whole)
    pages, cursor = [], None
    while True:
        query = {"limit": 1, **extra, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, query_string=query, headers=bearer(world["admin"])).get_json()
        assert len(body["items"]) <= 1 and body["total"] == whole["total"], body
        pages.extend(body["items"])
        cursor = body["next"]
        assert cursor is None or isinstance(cursor, str)
        if cursor is None:
            break
    assert [json.dumps(i, sort_keys=True) for i in pages] == [json.dumps(i, sort_keys=True) for i in whole["items"]]
    assert len(pages) == whole["total"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/news",
        "/api/v1/auth/tokens",
        "/api/v1/network/countries",
        "/api/v1/network/organisations",
        "/api/v1/network/invitations",
        "/api/v1/notifications",
        "/api/v1/follows",
        "/api/v1/threads/1/posts",
        "/api/v1/posts/1/revisions",
        "/api/v1/webhooks/{webhook}/deliveries",
        "/api/v1/spaces",
        "/api/v1/projects",
    ],
)
def test_lists_with_several_items_take_several_pages(client: FlaskClient, world: dict[str, Any], path: str) -> None:
    """The world has two or more of each of these, so paging above really turned pages."""
    url = path.format(webhook=world["webhook"])
    first = client.get(url, query_string={"limit": 1}, headers=bearer(world["admin"])).get_json()
    assert first["total"] >= 2 and len(first["items"]) == 1 and first["next"], first
    assert len(every_page(client, url, world["admin"], limit=1)) == first["total"]


def test_posts_pages_skip_hidden_posts(client: FlaskClient, world: dict[str, Any]) -> None:
    """Hidden posts are neither listed nor counted for members, also across page boundaries.

    The moderators (and admins) still see them, marked hidden, and count them.
    """
    posts = every_page(client, "/api/v1/threads/1/posts", world["member"], limit=2)
    hidden = posts[1]["id"]
    response = client.post(f"/api/v1/posts/{hidden}/hide", json={}, headers=bearer(world["moderator"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    after = every_page(client, "/api/v1/threads/1/posts", world["member"], limit=2)
    assert [p["id"] for p in after] == [p["id"] for p in posts if p["id"] != hidden]
    total = client.get("/api/v1/threads/1/posts", headers=bearer(world["member"])).get_json()["total"]
    assert total == len(after)
    staff = every_page(client, "/api/v1/threads/1/posts", world["admin"], limit=2)
    assert [(p["id"], p["state"]) for p in staff if p["state"] != "visible"] == [(hidden, "hidden")]
    assert client.get("/api/v1/threads/1/posts", headers=bearer(world["admin"])).get_json()["total"] == len(staff)


def test_inbox_pages_carry_the_unread_count(client: FlaskClient, world: dict[str, Any]) -> None:
    """The inbox is a list like the others, with `unread_count` beside it; `unread_only` filters and counts."""
    first = client.get("/api/v1/notifications?limit=1", headers=bearer(world["admin"])).get_json()
    assert set(first) == {"items", "next", "total", "unread_count"} and first["unread_count"] >= 2
    note = first["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{note}/read", headers=bearer(world["admin"])).status_code == 200
    unread = client.get("/api/v1/notifications?unread_only=true", headers=bearer(world["admin"])).get_json()
    assert unread["total"] == unread["unread_count"] == first["unread_count"] - 1
    assert note not in [n["id"] for n in unread["items"]]


def test_deliveries_filter_by_status_and_count(client: FlaskClient, world: dict[str, Any]) -> None:
    """Deliveries page newest first; a status filter applies to items and total alike."""
    url = f"/api/v1/webhooks/{world['webhook']}/deliveries"
    every = every_page(client, url, world["admin"], limit=2)
    assert [d["id"] for d in every] == sorted((d["id"] for d in every), reverse=True) and len(every) >= 3
    pending = client.get(url, query_string={"status": "pending", "limit": 1}, headers=bearer(world["admin"]))
    failed = client.get(url, query_string={"status": "failed"}, headers=bearer(world["admin"])).get_json()
    assert pending.get_json()["total"] == sum(d["status"] == "pending" for d in every) >= 3  # no relay runs here
    assert failed == {"items": [], "next": None, "total": 0}


def test_a_page_past_the_end_is_empty(client: FlaskClient, world: dict[str, Any]) -> None:
    """A cursor beyond the list gives an empty last page, not an error."""
    first = client.get("/api/v1/projects?limit=30").get_json()
    last = client.get("/api/v1/projects", query_string={"limit": 30, "cursor": first["next"]}).get_json()
    assert last["next"] is None and len(first["items"]) + len(last["items"]) == first["total"]
    beyond = client.get("/api/v1/projects", query_string={"cursor": "cDk5OTk"}).get_json()  # p9999
    assert beyond == {"items": [], "next": None, "total": first["total"]}


def test_events_list_envelopes_under_items(client: FlaskClient) -> None:
    """The pull endpoint lists envelopes under `items`, next to `next` (an event id), head, epoch, recovered."""
    page = client.get("/api/v1/events", query_string={"topics": "news", "since": 0, "limit": 2}).get_json()
    assert {"items", "next", "head", "epoch", "recovered", "topics", "denied"} <= set(page) and "events" not in page
    assert [e["type"] for e in page["items"]] == ["news.published"] * 2 and page["next"] == page["items"][-1]["id"]


def test_a_capped_search_says_its_total_is_a_lower_bound(
    client: FlaskClient, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search pages have `total_is_lower_bound` beside the three keys (documented too); the pages end at the cap."""
    [op] = [op for op in LISTS if op.path == "/api/v1/search"]
    schema = _page_schema(op)
    assert schema is not None and "total_is_lower_bound" in schema["required"]
    assert "1000+" in schema["properties"]["total_is_lower_bound"]["description"]
    exact = client.get("/api/v1/search", query_string={"q": "Smart", "limit": 50}).get_json()
    assert exact["total"] >= 3 and exact["total_is_lower_bound"] is False, exact
    assert_matches(op, 200, exact)
    monkeypatch.setattr("services.search.queries.CANDIDATES", 2)
    capped = every_page(client, "/api/v1/search", None, q="Smart", limit=1)
    first = client.get("/api/v1/search", query_string={"q": "Smart", "limit": 1}).get_json()
    assert (first["total"], first["total_is_lower_bound"], len(capped)) == (2, True, 2)
    assert_matches(op, 200, first)
    assert [h["id"] for h in capped] == [h["id"] for h in exact["items"] if h["id"] in {c["id"] for c in capped}]
