"""The REST API end to end: tokens, roles, and a clear JSON error for every kind of bad input."""

from __future__ import annotations

import pytest
import requests

from tests.support.server import EDITOR, MEMBER, LiveServer

pytestmark = pytest.mark.e2e


def error_of(response: requests.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


def test_login_me_list_and_revoke(server: LiveServer) -> None:
    created = requests.post(
        server.url + "/api/v1/auth/tokens",
        json={"email": MEMBER, "password": "smart-city-demo", "label": "laptop"},
        timeout=5,
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("scd_") and created.json()["member"]["role"] == "member"
    me = requests.get(server.url + "/api/v1/me", headers=server.headers(token), timeout=5).json()
    assert me["email"] == MEMBER and "password_hash" not in me
    listed = requests.get(server.url + "/api/v1/auth/tokens", headers=server.headers(token), timeout=5).json()["items"]
    assert created.json()["id"] in [t["id"] for t in listed] and all("token" not in t for t in listed)
    assert (
        requests.delete(
            server.url + "/api/v1/auth/tokens/current", headers=server.headers(token), timeout=5
        ).status_code
        == 204
    )
    after = requests.get(server.url + "/api/v1/me", headers=server.headers(token), timeout=5)
    assert after.status_code == 401 and error_of(after)["code"] == "token_revoked"


def test_wrong_credentials_and_missing_token(server: LiveServer) -> None:
    wrong = requests.post(server.url + "/api/v1/auth/tokens", json={"email": MEMBER, "password": "nope"}, timeout=5)
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "invalid_credentials"
    anonymous = requests.get(server.url + "/api/v1/me", timeout=5)
    assert anonymous.status_code == 401 and error_of(anonymous)["code"] == "login_required"
    scheme = requests.get(server.url + "/api/v1/me", headers={"Authorization": "Basic abc"}, timeout=5)
    assert scheme.status_code == 401 and error_of(scheme)["code"] == "invalid_token"


def test_only_editors_write_news(server: LiveServer) -> None:
    member = server.post_news(server.token(MEMBER), "nicht erlaubt")
    assert member.status_code == 403 and error_of(member)["code"] == "forbidden"
    anonymous = requests.post(server.url + "/api/v1/news", json={"title": {"de": "x"}, "body": {"de": "y"}}, timeout=5)
    assert anonymous.status_code == 401


def test_news_drafts_publish_and_scripts_are_removed(server: LiveServer) -> None:
    token = server.token(EDITOR)
    draft = requests.post(
        server.url + "/api/v1/news",
        json={
            "title": {"de": "Entwurf", "en": "Draft"},
            "body": {"de": '<p onclick="x()">Hi<script>alert(1)</script></p>'},
        },
        headers=server.headers(token),
        timeout=5,
    ).json()
    assert draft["status"] == "draft" and draft["body"]["de"] == "<p>Hi</p>"
    assert requests.get(server.url + f"/api/v1/news/{draft['id']}", timeout=5).status_code == 404
    published = requests.post(
        server.url + f"/api/v1/news/{draft['id']}/publish", headers=server.headers(token), timeout=5
    )
    assert published.status_code == 200 and published.json()["published_at"].endswith("Z")
    again = requests.post(server.url + f"/api/v1/news/{draft['id']}/publish", headers=server.headers(token), timeout=5)
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"
    listing = requests.get(server.url + "/api/v1/news", params={"limit": 2}, timeout=5).json()
    assert listing["items"][0]["id"] == draft["id"] and listing["total"] >= 4 and len(listing["items"]) == 2


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ('{"title": ', 400, "invalid_json", None),
        ({"title": {"de": "x"}, "body": {"de": "y"}, "colour": "red"}, 422, "invalid_input", "colour"),
        ({"title": "x", "body": {"de": "y"}}, 422, "invalid_input", "title"),
        ({"title": {"fr": "x"}, "body": {"de": "y"}}, 422, "invalid_input", "title"),
        ({"title": {}, "body": {"de": "y"}}, 422, "invalid_input", "title"),
        ({"title": {"de": "x"}, "body": {"de": "y"}, "tags": "a"}, 422, "invalid_input", "tags"),
        ({"title": {"de": "x"}, "body": {"de": "y"}, "publish": "maybe"}, 422, "invalid_input", "publish"),
        (["not", "an", "object"], 422, "invalid_input", None),
    ],
)
def test_bad_news_bodies_get_clear_errors_and_change_nothing(server: LiveServer, body, status, code, field) -> None:  # type: ignore[no-untyped-def]
    token = server.token(EDITOR)
    head = server.head()
    total = requests.get(server.url + "/api/v1/news", timeout=5).json()["total"]
    kwargs = (
        {"data": body, "headers": {**server.headers(token), "Content-Type": "application/json"}}
        if isinstance(body, str)
        else {"json": body, "headers": server.headers(token)}
    )
    response = requests.post(server.url + "/api/v1/news", timeout=5, **kwargs)
    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code and error["message"]
    if field:  # details name fields by their dotted path: `title`, or `title.fr.key` inside it
        assert [f for f in error["details"]["json"] if f == field or f.startswith(field + ".")], error
    assert server.head() == head and requests.get(server.url + "/api/v1/news", timeout=5).json()["total"] == total


def test_oversized_body_is_refused_with_413(server: LiveServer) -> None:
    token = server.token(EDITOR)
    huge = {"title": {"de": "x"}, "body": {"de": "y" * 70_000}}  # the test server allows 64 KiB
    response = requests.post(server.url + "/api/v1/news", json=huge, headers=server.headers(token), timeout=5)
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"


def test_unknown_route_and_method_are_json_errors(server: LiveServer) -> None:
    missing = requests.get(server.url + "/api/v1/nothing-here", timeout=5)
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    method = requests.put(server.url + "/api/v1/news", json={}, timeout=5)
    assert method.status_code == 405 and error_of(method)["code"] == "method_not_allowed"
    bad_page = requests.get(server.url + "/api/v1/news", params={"limit": 0}, timeout=5)
    assert bad_page.status_code == 422 and "limit" in error_of(bad_page)["details"]["query"]


def test_openapi_document_describes_the_api(server: LiveServer) -> None:
    spec = requests.get(server.url + "/api/v1/openapi.json", timeout=5).json()
    assert spec["info"]["title"] == "Smart City Dialog"
    for path in (
        "/api/v1/auth/tokens",
        "/api/v1/me",
        "/api/v1/news",
        "/api/v1/events",
        "/api/v1/stream",
        "/api/v1/log",
    ):
        assert path in spec["paths"], path
