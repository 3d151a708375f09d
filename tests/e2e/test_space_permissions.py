"""The permission matrix: role × space visibility × read / write / follow / subscribe, every cell."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import call, me, ok
from tests.support.live_client import Recorder
from tests.support.server import ADMIN, EDITOR, MEMBER, MODERATOR, PARTNER, LiveServer

pytestmark = pytest.mark.e2e

ROLES = ("anonymous", "member", "partner", "moderator", "admin", "editor")
EMAILS = {"member": MEMBER, "partner": PARTNER, "moderator": MODERATOR, "admin": ADMIN, "editor": EDITOR}
SPACES = {  # slug: visibility; every logged-in demo account is an explicit member of "m-invited-in"
    "m-public": "public",
    "m-members": "members",
    "m-invited-in": "invited",
    "m-invited-out": "invited",
}
OK = "ok"

# Expected outcome of each cell: "ok", or the HTTP status of the refusal; for subscribe, "ok" or
# "denied". Read = GET the space's threads; write = open a thread; follow = PUT /follows/space/<slug>;
# subscribe = the space's and one thread's topics over /live.
# fmt: off
EXPECTED: dict[tuple[str, str], dict[str, str | int]] = {
    ("anonymous", "m-public"):      {"read": OK,  "write": 401, "follow": 401, "subscribe": OK},
    ("anonymous", "m-members"):     {"read": 401, "write": 401, "follow": 401, "subscribe": "denied"},
    ("anonymous", "m-invited-in"):  {"read": 401, "write": 401, "follow": 401, "subscribe": "denied"},
    ("anonymous", "m-invited-out"): {"read": 401, "write": 401, "follow": 401, "subscribe": "denied"},
    ("member", "m-public"):         {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("member", "m-members"):        {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("member", "m-invited-in"):     {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("member", "m-invited-out"):    {"read": 404, "write": 404, "follow": 404, "subscribe": "denied"},
    ("partner", "m-public"):        {"read": OK,  "write": 403, "follow": OK,  "subscribe": OK},
    ("partner", "m-members"):       {"read": 403, "write": 403, "follow": 403, "subscribe": "denied"},
    ("partner", "m-invited-in"):    {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("partner", "m-invited-out"):   {"read": 404, "write": 404, "follow": 404, "subscribe": "denied"},
    ("moderator", "m-public"):      {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("moderator", "m-members"):     {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("moderator", "m-invited-in"):  {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("moderator", "m-invited-out"): {"read": 404, "write": 404, "follow": 404, "subscribe": "denied"},
    ("admin", "m-public"):          {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("admin", "m-members"):         {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("admin", "m-invited-in"):      {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("admin", "m-invited-out"):     {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("editor", "m-public"):         {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("editor", "m-members"):        {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("editor", "m-invited-in"):     {"read": OK,  "write": OK,  "follow": OK,  "subscribe": OK},
    ("editor", "m-invited-out"):    {"read": 404, "write": 404, "follow": 404, "subscribe": "denied"},
}
# fmt: on


@pytest.fixture(scope="module")
def setup(server: LiveServer) -> Iterator[tuple[dict[str, str | None], dict[str, int]]]:
    tokens: dict[str, str | None] = {"anonymous": None}
    tokens.update({role: server.token(email) for role, email in EMAILS.items()})
    admin = tokens["admin"]
    threads = {}
    for slug, visibility in SPACES.items():
        body = {"slug": slug, "name": {"de": slug}, "kind": "working_group", "visibility": visibility}
        ok(call(server, "POST", "/spaces", admin, json=body), 201)
        opened = call(
            server, "POST", f"/spaces/{slug}/threads", admin, json={"title": "t", "body": "b", "language": "de"}
        )
        threads[slug] = ok(opened, 201)["id"]
    for role in EMAILS:
        ok(call(server, "PUT", f"/spaces/m-invited-in/members/{me(server, str(tokens[role]))}", admin), 204)
    yield tokens, threads


def _outcome(status: int, success: int) -> str | int:
    return OK if status == success else status


def test_the_expected_table_covers_every_cell() -> None:
    assert set(EXPECTED) == {(role, slug) for role in ROLES for slug in SPACES}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(server: LiveServer, setup: tuple[dict[str, str | None], dict[str, int]], role: str) -> None:
    tokens, threads = setup
    token = tokens[role]
    actual: dict[tuple[str, str], dict[str, str | int]] = {}
    live = Recorder(server.url, token, transports=["websocket"]).connect()
    try:
        topics = [t for slug in SPACES for t in (f"space.{slug}", f"thread.{threads[slug]}")]
        ack = live.subscribe(topics)
    finally:
        live.disconnect()
    granted = set(ack["topics"])
    for slug in SPACES:
        head = server.head()
        read = call(server, "GET", f"/spaces/{slug}/threads", token)
        thread_read = call(server, "GET", f"/threads/{threads[slug]}/posts", token)
        assert thread_read.status_code == read.status_code  # a thread is as readable as its space
        write = call(
            server, "POST", f"/spaces/{slug}/threads", token, json={"title": role, "body": "x", "language": "de"}
        )
        if write.status_code != 201:
            assert server.head() == head, "a refused write published something"
            assert set(write.json()["error"]) == {"code", "message", "details"}
        follow = call(server, "PUT", f"/follows/space/{slug}", token)
        if follow.status_code == 200:
            ok(call(server, "DELETE", f"/follows/space/{slug}", token), 204)
        space_topic, thread_topic = f"space.{slug}", f"thread.{threads[slug]}"
        assert (space_topic in granted) == (thread_topic in granted)
        actual[(role, slug)] = {
            "read": _outcome(read.status_code, 200),
            "write": _outcome(write.status_code, 201),
            "follow": _outcome(follow.status_code, 200),
            "subscribe": OK if space_topic in granted else "denied",
        }
    assert actual == {cell: expected for cell, expected in EXPECTED.items() if cell[0] == role}
