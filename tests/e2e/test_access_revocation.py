"""Access that ends while subscribed, end to end: real Socket.IO clients, SSE streams and long-polls.

Five changes, made while news and forum posts are published for six seconds: a member removed
from an invited space, a space's visibility narrowed, a role changed (member -> partner loses a
members-only space), a token revoked, an account deactivated. Each reader concerned gets
`revoked` and then nothing more of those topics (a session that ended is disconnected); the
others are not disturbed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import socketio

from tests.support.access import (
    Account,
    Scenario,
    change_while_publishing,
    check_lost_access,
    new_account,
    new_space,
    removal,
    token_revocation,
    unwatch,
    watch,
)
from tests.support.api import call, ok
from tests.support.live_client import Recorder
from tests.support.server import ADMIN, MODERATOR, LiveServer

pytestmark = pytest.mark.e2e
ROUNDS = 3  # rounds of publishing (a post to each thread and a news item) before and after the changes


@dataclass
class World:
    admin: str
    threads: dict[str, int]
    scenarios: list[Scenario]
    bystander: Recorder
    bystander_topics: list[str]
    bystander_head: int


@pytest.fixture(scope="module")
def world(server: LiveServer) -> Iterator[World]:
    admin = server.token(ADMIN)
    threads = {
        "removal": new_space(server, admin, "rv-removal", "invited"),
        "visibility": new_space(server, admin, "rv-visibility", "members"),
        "role": new_space(server, admin, "rv-role", "members"),
        "public": new_space(server, admin, "rv-public", "public"),
    }
    quiet = call(
        server, "POST", "/spaces/rv-removal/threads", admin, json={"title": "q", "body": "b", "language": "de"}
    )
    threads["quiet"] = int(ok(quiet, 201)["id"])
    people = {name: new_account(server, admin, "member", name) for name in ("rm", "vis", "role", "tok", "off")}
    ok(call(server, "PUT", f"/spaces/rv-removal/members/{people['rm'].id}", admin), 204)

    def space_of(key: str, slug: str) -> list[str]:
        return [f"space.{slug}", f"thread.{threads[key]}"]

    def own(account: Account) -> str:
        return f"user.{account.id}"

    rm, vis, role, tok, off = (people[n] for n in ("rm", "vis", "role", "tok", "off"))
    scenarios = [
        removal(server, admin, rm, "rv-removal", [*space_of("removal", "rv-removal"), "news"]),
        Scenario(
            "visibility",
            vis,
            [*space_of("visibility", "rv-visibility"), "news"],
            space_of("visibility", "rv-visibility"),
            "space.visibility_changed",
            False,
            lambda: call(server, "PATCH", "/spaces/rv-visibility", admin, json={"visibility": "invited"}),
        ),
        Scenario(
            "role",
            role,
            [*space_of("role", "rv-role"), "news", own(role)],
            space_of("role", "rv-role"),
            "member.role_changed",
            False,
            lambda: call(server, "PATCH", f"/members/{role.id}", admin, json={"role": "partner"}),
        ),
        token_revocation(server, tok, [*space_of("public", "rv-public"), "news", own(tok)]),
        Scenario(
            "deactivated",
            off,
            [*space_of("public", "rv-public"), "news", own(off)],
            [*space_of("public", "rv-public"), "news", own(off)],
            "account_deactivated",
            True,
            lambda: call(server, "PATCH", f"/members/{off.id}", admin, json={"active": False}),
        ),
    ]
    # Someone whose access does not change, following every space topic involved.
    bystander = Recorder(server.url, admin, transports=["websocket"]).connect()
    every = sorted({t for s in scenarios for t in s.lost if not t.startswith(("user.", "news"))})
    watching = bystander.subscribe([*every, "news"])
    assert watching["topics"] == [*every, "news"]
    for n, scenario in enumerate(scenarios):
        watch(scenario, server, server, ["websocket"] if n % 2 == 0 else ["polling"])
    yield World(admin, threads, scenarios, bystander, [*every, "news"], watching["head"])
    for scenario in scenarios:
        unwatch(scenario)
    bystander.disconnect()


def test_readers_losing_access_get_revoked_then_nothing_more_of_those_topics(server: LiveServer, world: World) -> None:
    admin, threads = world.admin, world.threads
    by_name = {s.name: s for s in world.scenarios}
    # A long-poll on a quiet thread of the space the member is removed from, waiting across the change.
    removed = by_name["removal"].account
    quiet_topic = f"thread.{threads['quiet']}"
    waited: list[requests.Response] = []
    waiter = threading.Thread(
        target=lambda: waited.append(
            call(
                server,
                "GET",
                "/events",
                removed.token,
                params={"topics": quiet_topic, "since": server.head(), "wait": 20},
            )
        )
    )
    waiter.start()
    # Something on the quiet thread after the removal: the waiting long-poll wakes up to it.
    quiet = f"/threads/{threads['quiet']}/posts"
    try:
        change_while_publishing(
            [(server, [threads[k] for k in ("removal", "visibility", "role", "public")])],
            admin,
            world.scenarios,
            rounds=ROUNDS,
            then=lambda: ok(call(server, "POST", quiet, admin, json={"body": "q", "language": "de"}), 201),
        )
    finally:
        waiter.join(30)
    last = server.head()
    assert world.bystander.wait_for_id(last, timeout=20)
    for scenario in world.scenarios:
        check_lost_access(server, admin, scenario, [server])
    # The connections that stay hold their caller as they stand now: asking again is refused too
    # (for the role change, only the new role says so).
    for scenario in world.scenarios:
        if not scenario.final:
            again = scenario.socket.subscribe(scenario.lost)  # type: ignore[union-attr]
            assert again["topics"] == [] and [d["topic"] for d in again["denied"]] == scenario.lost, again
    # The long-poll that was waiting when the member was removed is refused, not given the post.
    assert len(waited) == 1 and waited[0].status_code == 403, waited[0].text
    # Whoever kept access saw every event of those topics, the changes included.
    log = server.log_events(",".join(world.bystander_topics), since=world.bystander_head, token=admin)
    assert world.bystander.ids == [e["id"] for e in log]
    assert {"space.member_removed", "space.visibility_changed"} <= {e["type"] for e in log}


def test_the_ended_sessions_cannot_connect_again(server: LiveServer, world: World) -> None:
    by_name = {s.name: s for s in world.scenarios}
    for name, code in (("token", "token_revoked"), ("deactivated", "account_deactivated")):
        client = socketio.Client(reconnection=False)
        errors: list[Any] = []
        client.on("connect_error", errors.append, namespace="/live")
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(
                server.url, namespaces=["/live"], auth={"token": by_name[name].account.token}, wait_timeout=5
            )
        assert len(errors) == 1 and errors[0]["message"].startswith(code + ": "), errors
        client.disconnect()


def test_a_removed_members_inbox_and_own_replay_keep_nothing_of_the_space(server: LiveServer) -> None:
    admin = server.token(ADMIN)
    new_space(server, admin, "rv-inbox", "invited")
    reader = new_account(server, admin, "member", "inbox")
    ok(call(server, "PUT", f"/spaces/rv-inbox/members/{reader.id}", admin), 204)
    ok(call(server, "PUT", "/follows/space/rv-inbox", reader.token))
    body = {"title": "Closed doors", "body": "the secret plan", "language": "de"}
    ok(call(server, "POST", "/spaces/rv-inbox/threads", admin, json=body), 201)
    (note,) = ok(call(server, "GET", "/notifications", reader.token))["items"]
    assert "secret plan" in note["summary"]  # while a member, the inbox says what was written
    ok(call(server, "DELETE", f"/spaces/rv-inbox/members/{reader.id}", admin), 204)
    (note,) = ok(call(server, "GET", "/notifications", reader.token))["items"]
    read = ok(call(server, "POST", f"/notifications/{note['id']}/read", reader.token))
    (exported,) = ok(call(server, "GET", "/me/export", reader.token))["notifications"]
    for seen in (note, read, exported):
        assert seen["summary"] == "", seen
    assert note["redacted"] is True and read["redacted"] is True
    # Nor does a replay of the member's own topic hand out what the inbox said.
    replay = call(server, "GET", "/events", reader.token, params={"topics": f"user.{reader.id}", "since": 0})
    (created,) = [e for e in ok(replay)["items"] if e["type"] == "notification.created"]
    assert created["data"].get("redacted") is True and "summary" not in created["data"], created
    # Given back access, the inbox shows it again: nothing was lost for good.
    ok(call(server, "PUT", f"/spaces/rv-inbox/members/{reader.id}", admin), 204)
    (note,) = ok(call(server, "GET", "/notifications", reader.token))["items"]
    assert "secret plan" in note["summary"] and note["redacted"] is False


def _post_steps(server: LiveServer, token: str, topics: str, since: int, post_id: int) -> list[dict[str, Any]]:
    items = ok(call(server, "GET", "/events", token, params={"topics": topics, "since": since}))["items"]
    return [e for e in items if e["data"].get("post_id") == post_id]


def test_no_text_of_an_invited_space_reaches_the_moderators_who_may_not_read_it(server: LiveServer) -> None:
    admin, moderator = server.token(ADMIN), server.token(MODERATOR)
    head = ok(call(server, "GET", "/log"))["head"]
    thread_id = new_space(server, admin, "rv-mod", "invited")
    body = {"body": "the secret reply", "language": "de"}
    post_id = ok(call(server, "POST", f"/threads/{thread_id}/posts", admin, json=body), 201)["id"]
    ok(call(server, "POST", f"/posts/{post_id}/flags", admin, json={"reason": "spam"}), 201)
    # The moderator is no member of the space: its flag queue and its topics are closed to them ...
    assert ok(call(server, "GET", "/moderation/flags", moderator))["total"] == 0
    assert call(server, "GET", f"/threads/{thread_id}", moderator).status_code == 404
    # ... and `moderation`, which every moderator follows, tells of the steps but carries no text.
    (flagged,) = _post_steps(server, moderator, "moderation", head, post_id)
    assert flagged["type"] == "flag.raised" and flagged["data"]["excerpt"] == "", flagged
    ok(call(server, "POST", f"/posts/{post_id}/hide", admin, json={}))
    ok(call(server, "POST", f"/posts/{post_id}/unhide", admin))
    steps = _post_steps(server, moderator, "moderation", head, post_id)
    assert [e["type"] for e in steps] == ["flag.raised", "post.hidden", "flag.resolved"], steps
    assert "secret" not in str(steps)
    # Whoever may read the space gets the text where they follow it.
    told = _post_steps(server, admin, "space.rv-mod,moderation", head, post_id)
    (unhidden,) = [e for e in told if e["type"] == "post.unhidden"]
    assert "the secret reply" in unhidden["data"]["body"]
