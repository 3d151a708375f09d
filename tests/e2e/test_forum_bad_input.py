# ruff: noqa: E501  (the table of cases reads best one case per line)
"""Bad input to every new endpoint: a 4xx JSON error naming the field or the reason, nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support.api import call, me, ok
from tests.support.server import ADMIN, MEMBER, MODERATOR, PARTNER, LiveServer

pytestmark = pytest.mark.e2e
PUBLIC = "nationale-dialogplattform"


@pytest.fixture(scope="module")
def ctx(server: LiveServer) -> dict[str, Any]:
    tokens = {"admin": server.token(ADMIN), "member": server.token(MEMBER), "moderator": server.token(MODERATOR)}
    tokens["partner"] = server.token(PARTNER)
    thread = ok(
        call(
            server,
            "POST",
            f"/spaces/{PUBLIC}/threads",
            tokens["admin"],
            json={"title": "t", "body": "b", "language": "de"},
        ),
        201,
    )
    other = ok(
        call(
            server,
            "POST",
            f"/spaces/{PUBLIC}/threads",
            tokens["admin"],
            json={"title": "u", "body": "c", "language": "de"},
        ),
        201,
    )
    hidden = ok(
        call(server, "POST", f"/threads/{thread['id']}/posts", tokens["member"], json={"body": "x", "language": "de"}),
        201,
    )
    ok(call(server, "POST", f"/posts/{hidden['id']}/hide", tokens["moderator"], json={}))
    locked = ok(
        call(
            server,
            "POST",
            f"/spaces/{PUBLIC}/threads",
            tokens["admin"],
            json={"title": "l", "body": "l", "language": "de"},
        ),
        201,
    )
    ok(call(server, "POST", f"/threads/{locked['id']}/lock", tokens["moderator"], json={"locked": True}))
    post = thread["first_post"]["id"]
    ok(call(server, "POST", f"/posts/{post}/reactions", tokens["member"], json={"kind": "like"}), 201)
    ok(call(server, "POST", f"/posts/{post}/flags", tokens["member"], json={"reason": "r"}), 201)
    ok(call(server, "POST", "/network/countries", tokens["admin"], json={"code": "CZ", "name": {"en": "Czechia"}}), 201)
    return {
        "tokens": tokens,
        "thread": thread["id"],
        "post": post,
        "foreign": other["first_post"]["id"],
        "hidden": hidden["id"],
        "locked": locked["id"],
        "member_id": me(server, tokens["member"]),
    }


# (who, method, path, json body, status, a string the error's details or code must contain)
CASES: list[tuple[str, str, str, Any, int, str]] = [
    ("admin", "POST", "/spaces", {"slug": "x", "name": {"de": "x"}, "kind": "club", "visibility": "public"}, 422, "kind"),
    ("admin", "POST", "/spaces", {"slug": "Not A Slug", "name": {"de": "x"}, "kind": "platform", "visibility": "public"}, 422, "slug"),
    ("admin", "POST", "/spaces", {"slug": PUBLIC, "name": {"de": "x"}, "kind": "platform", "visibility": "public"}, 409, "slug"),
    ("member", "POST", "/spaces", {"slug": "mine", "name": {"de": "x"}, "kind": "platform", "visibility": "public"}, 403, "forbidden"),
    ("admin", "PUT", f"/spaces/{PUBLIC}/members/999999", None, 404, "not_found"),
    ("member", "POST", f"/spaces/{PUBLIC}/threads", {"body": "b", "language": "de"}, 422, "title"),
    ("member", "POST", f"/spaces/{PUBLIC}/threads", {"title": "t", "body": "b", "language": "fr"}, 422, "language"),
    ("member", "POST", f"/spaces/{PUBLIC}/threads", {"title": "t", "body": "b" * 20_002, "language": "de"}, 422, "body"),
    ("member", "POST", f"/spaces/{PUBLIC}/threads", {"title": "t", "body": "<script>alert(1)</script>", "language": "de"}, 422, "body"),
    ("member", "POST", f"/spaces/{PUBLIC}/threads", {"title": "t", "body": "b", "language": "de", "mentions": [999999]}, 422, "mentions"),
    ("member", "POST", f"/spaces/{PUBLIC}/threads", {"title": "t", "body": "b", "language": "de", "mentions": ["x"]}, 422, "mentions"),
    ("partner", "POST", f"/spaces/{PUBLIC}/threads", {"title": "t", "body": "b", "language": "de"}, 403, "partners"),
    ("member", "POST", "/spaces/no-such-space/threads", {"title": "t", "body": "b", "language": "de"}, 404, "not_found"),
    ("member", "POST", "/threads/{thread}/posts", {"body": "b", "language": "de", "parent_id": "{foreign}"}, 422, "parent_id"),
    ("member", "POST", "/threads/{thread}/posts", {"body": "b", "language": "de", "parent_id": "{hidden}"}, 422, "parent_id"),
    ("member", "POST", "/threads/{locked}/posts", {"body": "b", "language": "de"}, 409, "thread_locked"),
    ("member", "POST", "/threads/{thread}/posts", {"language": "de"}, 422, "body"),
    ("member", "PATCH", "/posts/{post}", {"body": "mine now"}, 403, "author"),
    ("admin", "PATCH", "/posts/{post}", {"body": ""}, 422, "body"),
    ("admin", "PATCH", "/posts/{hidden}", {"body": "again"}, 404, "not_found"),
    ("member", "POST", "/posts/{post}/reactions", {"kind": "love"}, 422, "kind"),
    ("member", "POST", "/posts/{post}/reactions", {"kind": "like"}, 409, "already_reacted"),
    ("member", "POST", "/posts/{post}/flags", {}, 422, "reason"),
    ("member", "POST", "/posts/{post}/flags", {"reason": "r"}, 409, "already_flagged"),
    ("member", "POST", "/posts/{post}/hide", {}, 403, "moderators"),
    ("moderator", "POST", "/posts/{hidden}/hide", {}, 409, "already_hidden"),
    ("moderator", "POST", "/threads/{thread}/lock", {"locked": "maybe"}, 422, "locked"),
    ("member", "POST", "/threads/{thread}/pin", {"pinned": True}, 403, "moderators"),
    ("member", "PUT", "/follows/dog/1", None, 404, "not_found"),
    ("member", "PUT", "/follows/thread/abc", None, 404, "not_found"),
    ("member", "PUT", "/follows/call/424242", None, 404, "no funding call"),
    ("member", "PUT", "/follows/project/424242", None, 404, "no project"),
    ("member", "PUT", "/follows/space/no-such-space", None, 404, "not_found"),
    ("member", "DELETE", "/follows/call/424242", None, 404, "not_found"),
    ("member", "POST", "/notifications/read", {"up_to": -1}, 422, "up_to"),
    ("member", "POST", "/notifications/999999/read", None, 404, "not_found"),
    ("member", "GET", "/notifications?limit=1000", None, 422, "limit"),
    ("admin", "POST", "/network/countries", {"code": "Poland", "name": {"en": "Poland"}}, 422, "code"),
    ("admin", "POST", "/network/countries", {"code": "CZ", "name": {"en": "Czechia"}}, 409, "code"),
    ("admin", "POST", "/network/organisations", {"name": "X", "country": "ZZ"}, 422, "country"),
    ("admin", "POST", "/network/invitations", {"email": "not-an-email"}, 422, "email"),
    ("admin", "POST", "/network/invitations", {"email": MEMBER}, 409, "email"),
    ("admin", "POST", "/network/invitations", {"email": "a@b.example", "organisation_id": 999999}, 422, "organisation_id"),
    ("member", "POST", "/network/invitations", {"email": "a@b.example"}, 403, "forbidden"),
    ("anonymous", "POST", "/network/invitations/accept", {"token": "inv_x", "name": "n", "password": "short", "language": "en"}, 422, "password"),
    ("anonymous", "POST", "/network/invitations/accept", {"token": "inv_x", "name": "n", "password": "long enough pw", "language": "xx"}, 422, "language"),
    ("anonymous", "POST", "/network/invitations/accept", {"token": "inv_unknown", "name": "n", "password": "long enough pw", "language": "en"}, 404, "invitation_unknown"),
    ("anonymous", "GET", "/notifications", None, 401, "login_required"),
]  # fmt: skip


def _fill(value: Any, ctx: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ctx:
        return ctx[value[1:-1]]
    if isinstance(value, str):
        return value.format(**{k: v for k, v in ctx.items() if isinstance(v, int)})
    if isinstance(value, dict):
        return {k: _fill(v, ctx) for k, v in value.items()}
    return value


def _state(server: LiveServer, ctx: dict[str, Any]) -> tuple[Any, ...]:
    admin = ctx["tokens"]["admin"]
    posts = requests.get(f"{server.url}/api/v1/threads/{ctx['thread']}/posts", timeout=10).json()
    return (
        server.head(),
        posts,
        ok(call(server, "GET", "/network/invitations", admin)),
        ok(call(server, "GET", "/follows", ctx["tokens"]["member"])),
        ok(call(server, "GET", "/notifications", ctx["tokens"]["member"])),
    )


@pytest.mark.parametrize(("who", "method", "path", "body", "status", "names"), CASES)
def test_bad_input_is_refused_clearly_and_changes_nothing(
    server: LiveServer, ctx: dict[str, Any], who: str, method: str, path: str, body: Any, status: int, names: str
) -> None:
    before = _state(server, ctx)
    token = ctx["tokens"].get(who)
    kwargs = {} if body is None else {"json": _fill(body, ctx)}
    response = call(server, method, _fill(path, ctx), token, **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert names in f"{error['code']} {error['message']} {error['details']}"
    assert _state(server, ctx) == before
