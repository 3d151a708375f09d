"""Data rights end to end (issue 12): a member's export over REST holds each part; their erasure ends
their live connection at once, leaves none of their personal data or post text in the database file
(log included), and others' threads still read cleanly; bad requests are refused with clear errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import call, me, ok
from tests.support.dbgrep import tables_holding
from tests.support.live_client import Recorder
from tests.support.server import ADMIN, DEMO_PASSWORD, MEMBER, LiveServer

pytestmark = pytest.mark.e2e
PUBLIC = "nationale-dialogplattform"
PASSWORD = "zeldas long password"
# ASCII and distinctive: the file grep looks for these bytes.
NAME, EMAIL, HANDLE = "Zelda Quux", "zelda.quux@example.org", "zelda.quux"
BIO = "Bio-zq-e2e-6f0a"
TITLE = "Thema-zq-e2e-3a9b"
FIRST = "Beitrag-zq-e2e-5e1f"
EDITED = "Fassung-zq-e2e-7c2d"
REPLY = "Antwort-zq-e2e-2b8c"
FLAG_REASON = "Meldung-zq-e2e-8d4e"


@dataclass
class Zelda:
    """A member with a history: a thread (edited first post), a reply, a reaction, a flag, a follow, a mention."""

    id: int
    token: str
    thread: int
    first_post: int
    reply: int
    others_thread: int
    others_post: int
    mention: int
    announcement: int


@pytest.fixture(scope="module")
def tokens(server: LiveServer) -> dict[str, str]:
    return {"admin": server.token(ADMIN), "member": server.token(MEMBER)}


@pytest.fixture(scope="module")
def zelda(server: LiveServer, tokens: dict[str, str]) -> Zelda:
    admin, member = tokens["admin"], tokens["member"]
    invited = ok(call(server, "POST", "/invitations", admin, json={"email": EMAIL, "role": "member"}), 201)
    body = {"token": invited["token"], "name": NAME, "password": PASSWORD, "language": "de", "handle": HANDLE}
    token = ok(call(server, "POST", "/invitations/accept", json=body), 201)["token"]
    zelda_id = me(server, token)
    ok(call(server, "PATCH", "/me", token, json={"bio": BIO}))

    def thread(who: str, title: str, text: str) -> dict[str, Any]:
        opened = call(server, "POST", f"/spaces/{PUBLIC}/threads", who, json={"title": title, "body": text})
        return ok(opened, 201)  # type: ignore[no-any-return]

    hers = thread(token, TITLE, f"<p>{FIRST}</p>")
    ok(call(server, "PATCH", f"/posts/{hers['first_post']['id']}", token, json={"body": f"<p>{EDITED}</p>"}))
    others = thread(member, "Offenes Thema e2e", "<p>Hallo</p>")
    mention = call(server, "POST", f"/threads/{hers['id']}/posts", member, json={"body": f"<p>Danke @{HANDLE}!</p>"})
    reply_body = {"body": f"<p>{REPLY}</p>", "parent_id": others["first_post"]["id"]}
    reply = ok(call(server, "POST", f"/threads/{others['id']}/posts", token, json=reply_body), 201)
    ok(call(server, "POST", f"/posts/{others['first_post']['id']}/reactions", token, json={"kind": "like"}), 201)
    ok(call(server, "POST", f"/posts/{others['first_post']['id']}/flags", token, json={"reason": FLAG_REASON}), 201)
    ok(call(server, "PUT", f"/follows/space/{PUBLIC}", token))
    news = {"title": {"de": "Hinweis"}, "body": {"de": "<p>Wartung</p>"}}
    announcement = ok(call(server, "POST", "/announcements", admin, json=news), 201)["id"]
    call(server, "POST", f"/announcements/{announcement}/read", token)
    return Zelda(
        zelda_id,
        token,
        hers["id"],
        hers["first_post"]["id"],
        reply["id"],
        others["id"],
        others["first_post"]["id"],
        ok(mention, 201)["id"],
        announcement,
    )


@pytest.fixture
def clients() -> Iterator[list[Recorder]]:
    opened: list[Recorder] = []
    yield opened
    for client in opened:
        client.disconnect()


def _database(server: LiveServer) -> Path:
    return server.instance / "dialog.sqlite3"


def test_a_members_export_holds_each_part(server: LiveServer, tokens: dict[str, str], zelda: Zelda) -> None:
    exported = ok(call(server, "GET", "/me/export", zelda.token))
    assert exported["member_id"] == zelda.id
    profile = exported["profile"]
    assert (profile["name"], profile["email"], profile["handle"], profile["bio"]) == (NAME, EMAIL, HANDLE, BIO)
    assert "password_hash" not in profile and all("token" not in key for s in exported["sessions"] for key in s)
    assert exported["sessions"] and exported["mail_preferences"]["digest"] == "off"
    assert exported["mail_preferences"]["notifications"]["mention"] == {"mail": True}
    posts = {p["id"]: p for p in exported["posts"]}
    assert set(posts) == {zelda.first_post, zelda.reply}
    assert EDITED in posts[zelda.first_post]["body"] and FIRST in posts[zelda.first_post]["revisions"][0]["body"]
    assert [t["title"] for t in exported["threads"]] == [TITLE]
    assert [(r["post_id"], r["kind"]) for r in exported["reactions"]] == [(zelda.others_post, "like")]
    assert [f["reason"] for f in exported["flags"]] == [FLAG_REASON]
    assert {(f["kind"], f["key"]) for f in exported["follows"]} == {
        ("space", PUBLIC),
        ("thread", str(zelda.thread)),
        ("thread", str(zelda.others_thread)),
    }
    assert {n["kind"] for n in exported["notifications"]} == {"mention", "announcement"}
    assert exported["invitations"]["accepted"]["email"] == EMAIL and exported["invitations"]["sent"] == []
    assert [r["announcement_id"] for r in exported["announcements_read"]] == [zelda.announcement]
    assert exported["mails"][0]["kind"] == "invitation"
    # An admin may export a member (an Art. 15 request); nobody else may, and nobody anonymously.
    by_admin = ok(call(server, "GET", f"/members/{zelda.id}/export", tokens["admin"]))
    assert by_admin["profile"]["email"] == EMAIL
    refused = call(server, "GET", f"/members/{zelda.id}/export", tokens["member"])
    assert refused.status_code == 403
    assert call(server, "GET", f"/members/{zelda.id}/export", zelda.token).status_code == 403
    assert call(server, "GET", "/me/export").status_code == 401
    assert call(server, "GET", "/members/99999/export", tokens["admin"]).status_code == 404


def test_bad_erasure_requests_change_nothing(server: LiveServer, tokens: dict[str, str], zelda: Zelda) -> None:
    admin = tokens["admin"]
    assert call(server, "DELETE", "/me", json={"password": PASSWORD, "posts": "erase"}).status_code == 401
    no_choice = call(server, "DELETE", "/me", zelda.token, json={"password": PASSWORD})
    assert no_choice.status_code == 422 and "posts" in no_choice.json()["error"]["details"]["json"]
    assert call(server, "DELETE", "/me", zelda.token, json={"password": PASSWORD, "posts": "x"}).status_code == 422
    no_reason = call(server, "POST", f"/members/{zelda.id}/erasure", admin, json={"posts": "erase"})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["details"]["json"]
    not_admin = call(
        server, "POST", f"/members/{zelda.id}/erasure", tokens["member"], json={"posts": "erase", "reason": "r"}
    )
    assert not_admin.status_code == 403
    last = call(server, "DELETE", "/me", admin, json={"password": DEMO_PASSWORD, "posts": "keep"})
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_admin"
    own = call(server, "POST", f"/members/{me(server, admin)}/erasure", admin, json={"posts": "keep", "reason": "r"})
    assert own.status_code == 409
    assert ok(call(server, "GET", "/me", zelda.token))["name"] == NAME


def test_erasure_ends_the_live_connection_and_leaves_no_personal_data(
    server: LiveServer, tokens: dict[str, str], zelda: Zelda, clients: list[Recorder]
) -> None:
    live = Recorder(server.url, zelda.token, transports=["websocket"]).connect()
    clients.append(live)
    assert live.subscribe([f"user.{zelda.id}", f"space.{PUBLIC}"])["ok"]
    # Before: the texts are in the file (so the checks after can fail).
    assert {"member", "event_log"} <= tables_holding(_database(server), HANDLE)
    assert {"forum_post", "event_log"} <= tables_holding(_database(server), REPLY)

    ok(call(server, "DELETE", "/me", zelda.token, json={"password": PASSWORD, "posts": "erase"}), 204)

    assert live.wait_until(lambda c: any(name == "disconnect" for name, _ in c.timeline), timeout=15)
    assert call(server, "GET", "/me", zelda.token).status_code == 401
    assert call(server, "POST", "/auth/tokens", json={"email": EMAIL, "password": PASSWORD}).status_code == 401
    # Others' threads still read cleanly: their posts, and tombstones where hers were.
    member = tokens["member"]
    posts = ok(call(server, "GET", f"/threads/{zelda.others_thread}/posts", member))["items"]
    assert [(p["id"], p["state"], p["body"] is None) for p in posts] == [
        (zelda.others_post, "visible", False),
        (zelda.reply, "deleted", True),
    ]
    assert posts[1]["author"] == {"id": zelda.id, "name": "Former member"}
    assert posts[0]["reactions"] == {}
    hers = ok(call(server, "GET", f"/threads/{zelda.thread}/posts", member))["items"]
    assert [(p["state"], p["body"]) for p in hers] == [("deleted", None), ("visible", "<p>Danke @former-member!</p>")]
    assert ok(call(server, "GET", f"/threads/{zelda.thread}", member))["title"] == "[removed]"
    # An admin's export of the tombstone holds nothing personal.
    left = ok(call(server, "GET", f"/members/{zelda.id}/export", tokens["admin"]))
    assert left["profile"]["name"] == "Former member" and left["profile"]["erased_at"]
    assert not any(left[part] for part in ("reactions", "flags", "follows", "notifications", "announcements_read"))
    # Nowhere in the database file (the log, the search index, the outbox, free pages, the WAL).
    for text in (NAME, EMAIL, HANDLE, BIO, FLAG_REASON, TITLE, FIRST, EDITED, REPLY):
        assert tables_holding(_database(server), text) == set(), text
    # Once is enough.
    again = call(server, "POST", f"/members/{zelda.id}/erasure", tokens["admin"], json={"posts": "keep", "reason": "r"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_erased"
