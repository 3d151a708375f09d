"""The forum end to end: a live server, real Socket.IO clients, real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.api import call, me, ok
from tests.support.live_client import Recorder
from tests.support.server import ADMIN, EDITOR, MEMBER, MODERATOR, LiveServer

pytestmark = pytest.mark.e2e
NETWORK = "international-network"
PUBLIC = "nationale-dialogplattform"


@pytest.fixture(scope="module")
def tokens(server: LiveServer) -> dict[str, str]:
    return {
        who: server.token(email)
        for who, email in (("admin", ADMIN), ("editor", EDITOR), ("moderator", MODERATOR), ("member", MEMBER))
    }


@pytest.fixture
def clients() -> Iterator[list[Recorder]]:
    opened: list[Recorder] = []
    yield opened
    for client in opened:
        client.disconnect()


def _live(server: LiveServer, clients: list[Recorder], token: str | None) -> Recorder:
    client = Recorder(server.url, token, transports=["websocket"]).connect()
    clients.append(client)
    return client


def _thread(server: LiveServer, token: str, space: str = PUBLIC, **extra: Any) -> dict[str, Any]:
    body = {"title": "Ein Thema", "body": "<p>Worum es geht</p>", "language": "de", **extra}
    result: dict[str, Any] = ok(call(server, "POST", f"/spaces/{space}/threads", token, json=body), 201)
    return result


def test_partner_accepts_posts_with_a_mention_and_members_hear_of_it(
    server: LiveServer, tokens: dict[str, str], clients: list[Recorder]
) -> None:
    admin = tokens["admin"]
    member_id, moderator_id, admin_id = me(server, tokens["member"]), me(server, tokens["moderator"]), me(server, admin)
    ok(call(server, "PUT", f"/spaces/{NETWORK}/members/{member_id}", admin), 204)
    thread = _thread(server, admin, NETWORK, title="Data platforms in partner cities", language="en")
    # The moderator has read the thread so far, then goes offline.
    moderator_cursor = server.head()

    # The member is connected live, following their own topic and the thread.
    member_live = _live(server, clients, tokens["member"])
    ack = member_live.subscribe([f"user.{member_id}", f"thread.{thread['id']}"])
    assert ack["ok"] and ack["denied"] == []
    admin_live = _live(server, clients, admin)
    assert admin_live.subscribe([f"user.{admin_id}", "moderation"])["denied"] == []

    ok(call(server, "POST", "/network/countries", admin, json={"code": "UA", "name": {"en": "Ukraine"}}), 201)
    org = ok(call(server, "POST", "/network/organisations", admin, json={"name": "Kyiv Digital", "country": "UA"}), 201)
    invitation = ok(
        call(
            server,
            "POST",
            "/network/invitations",
            admin,
            json={"email": "olena@kyiv.example", "organisation_id": org["id"]},
        ),
        201,
    )
    assert invitation["token"].startswith("inv_") and invitation["country"] == "UA"
    accepted = ok(
        call(
            server,
            "POST",
            "/network/invitations/accept",
            json={"token": invitation["token"], "name": "Olena K.", "password": "a long password", "language": "en"},
        ),
        201,
    )
    partner = accepted["token"]
    assert accepted["member"]["role"] == "partner" and accepted["member"]["language"] == "en"
    assert {s["slug"] for s in ok(call(server, "GET", "/spaces", partner))["items"]} == {PUBLIC, NETWORK}
    contacts = ok(call(server, "GET", f"/network/organisations/{org['id']}/contacts", admin))["items"]
    assert [c["name"] for c in contacts] == ["Olena K."]

    reply = ok(
        call(
            server,
            "POST",
            f"/threads/{thread['id']}/posts",
            partner,
            json={
                "body": "<p>Hello @Kommune, how do you run it?</p>",
                "language": "en",
                "mentions": [member_id, moderator_id],
            },
        ),
        201,
    )
    assert reply["author"]["name"] == "Olena K." and reply["mentions"] == sorted([member_id, moderator_id])

    # Live: the mention on user.<id>, the post on thread.<id>.
    assert member_live.wait_until(lambda r: r.of_type("notification.created") and r.of_type("post.created"))
    note = member_live.of_type("notification.created")[0]
    assert note["topic"] == f"user.{member_id}"
    assert note["data"]["kind"] == "mention" and note["data"]["subject"]["post_id"] == reply["id"]
    assert note["data"]["unread_count"] >= 1 and "Olena K." in note["data"]["summary"]
    post_event = member_live.of_type("post.created")[0]
    assert post_event["topic"] == f"space.{NETWORK}" and post_event["data"]["post_id"] == reply["id"]
    assert post_event["data"]["body"] == "<p>Hello @Kommune, how do you run it?</p>"
    # The inviting admin hears the invitation accepted on their own topic, moderators the new partner.
    assert admin_live.wait_until(lambda r: r.of_type("invitation.accepted") and r.of_type("partner.joined"))
    joined = admin_live.of_type("partner.joined")[0]["data"]
    assert joined["organisation"] == "Kyiv Digital" and NETWORK in joined["spaces"]
    # The admin opened the thread and so follows it: told of the reply to it.
    assert admin_live.wait_until(lambda r: r.of_type("notification.created"))
    assert admin_live.of_type("notification.created")[0]["data"]["kind"] == "reply"

    # Offline: the moderator finds the mention in the inbox, then catches up on the thread by cursor.
    inbox = ok(call(server, "GET", "/notifications", tokens["moderator"]))
    mention = next(n for n in inbox["items"] if n["subject"].get("post_id") == reply["id"])
    assert mention["kind"] == "mention" and mention["read"] is False and inbox["unread_count"] >= 1
    unread = ok(call(server, "GET", "/notifications/unread-count", tokens["moderator"]))["unread_count"]
    assert ok(call(server, "POST", f"/notifications/{mention['id']}/read", tokens["moderator"]))["read"] is True
    assert ok(call(server, "GET", "/notifications/unread-count", tokens["moderator"]))["unread_count"] == unread - 1

    catching_up = _live(server, clients, tokens["moderator"])
    resumed = catching_up.subscribe([f"thread.{thread['id']}"], since=moderator_cursor, epoch=ack["epoch"])
    assert resumed["recovered"] is True
    assert catching_up.wait_until(lambda r: r.of_type("post.created"))
    assert [e["data"]["post_id"] for e in catching_up.of_type("post.created")] == [reply["id"]]
    posts = ok(call(server, "GET", f"/threads/{thread['id']}/posts", tokens["moderator"], params={"limit": 50}))
    assert [p["id"] for p in posts["items"]] == [thread["first_post"]["id"], reply["id"]]

    # The member marks everything read: `notification.read` arrives live.
    up_to = ok(call(server, "GET", "/notifications", tokens["member"]))["items"][0]["id"]
    marked = ok(call(server, "POST", "/notifications/read", tokens["member"], json={"up_to": up_to}))
    assert marked["unread_count"] == 0 and note["data"]["notification_id"] in marked["notification_ids"]
    assert member_live.wait_until(lambda r: r.of_type("notification.read"))
    assert member_live.of_type("notification.read")[0]["data"]["unread_count"] == 0

    # Reusing the invitation is refused.
    again = call(
        server,
        "POST",
        "/network/invitations/accept",
        json={"token": invitation["token"], "name": "X", "password": "a long password", "language": "en"},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "invitation_used"


def test_a_hidden_post_disappears_from_reads_and_live_clients_are_told(
    server: LiveServer, tokens: dict[str, str], clients: list[Recorder]
) -> None:
    thread = _thread(server, tokens["member"])
    reader = _live(server, clients, None)  # anonymous, public space
    assert reader.subscribe([f"thread.{thread['id']}"])["denied"] == []
    moderators = _live(server, clients, tokens["moderator"])
    assert moderators.subscribe(["moderation"])["denied"] == []
    bad = ok(
        call(
            server,
            "POST",
            f"/threads/{thread['id']}/posts",
            tokens["editor"],
            json={"body": "<p>Werbung!</p>", "language": "de"},
        ),
        201,
    )
    assert reader.wait_until(lambda r: r.of_type("post.created"))
    flag = call(server, "POST", f"/posts/{bad['id']}/flags", tokens["member"], json={"reason": "spam"})
    assert ok(flag, 201)["reason"] == "spam"
    assert moderators.wait_until(lambda r: r.of_type("flag.raised"))
    assert moderators.of_type("flag.raised")[0]["data"]["excerpt"] == "Werbung!"

    hidden = ok(call(server, "POST", f"/posts/{bad['id']}/hide", tokens["moderator"], json={"reason": "spam"}))
    assert hidden["hidden_reason"] == "spam"
    assert reader.wait_until(lambda r: r.of_type("post.hidden"))
    event = reader.of_type("post.hidden")[0]
    assert event["data"]["post_id"] == bad["id"] and event["topic"] == f"space.{PUBLIC}"
    posts = ok(call(server, "GET", f"/threads/{thread['id']}/posts"))["items"]
    assert bad["id"] not in [p["id"] for p in posts]
    assert call(server, "GET", f"/posts/{bad['id']}").status_code == 404
    assert ok(call(server, "GET", f"/threads/{thread['id']}"))["post_count"] == 1
    # Lock and pin reach the thread's subscribers too.
    ok(call(server, "POST", f"/threads/{thread['id']}/lock", tokens["moderator"], json={"locked": True}))
    ok(call(server, "POST", f"/threads/{thread['id']}/pin", tokens["admin"], json={"pinned": True}))
    assert reader.wait_until(lambda r: r.of_type("thread.locked") and r.of_type("thread.pinned"))
    locked = call(
        server, "POST", f"/threads/{thread['id']}/posts", tokens["member"], json={"body": "x", "language": "de"}
    )
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "thread_locked"
    listing = ok(call(server, "GET", f"/spaces/{PUBLIC}/threads"))["items"]
    assert listing[0]["id"] == thread["id"] and listing[0]["pinned"] is True


def test_typing_and_presence_between_real_clients(
    server: LiveServer, tokens: dict[str, str], clients: list[Recorder]
) -> None:
    thread = _thread(server, tokens["editor"])
    topic = f"thread.{thread['id']}"
    watcher = _live(server, clients, tokens["editor"])
    tab1 = _live(server, clients, tokens["member"])
    tab2 = _live(server, clients, tokens["member"])
    for client in (watcher, tab1, tab2):
        assert client.subscribe([topic])["denied"] == []
    head = server.head()
    member_id = me(server, tokens["member"])

    first = tab1.call("view", {"topic": topic})
    assert first["ok"] and [v["id"] for v in first["viewers"]] == [member_id]
    second = tab2.call("view", {"topic": topic})  # the same member's second tab: no second join
    assert second["ok"] and [v["id"] for v in second["viewers"]] == [member_id]
    assert tab1.call("typing", {"thread_id": thread["id"]}) == {"ok": True}
    assert tab1.call("leave", {"topic": topic}) == {"ok": True, "topic": topic}  # tab2 still views: no leave
    assert tab2.call("typing", {"thread_id": thread["id"]}) == {"ok": True}
    tab2.disconnect()  # the member's last tab: leave

    assert watcher.wait_until(lambda r: len(r.messages) >= 4)
    member = {"id": member_id, "name": "Kommune Musterstadt"}
    assert watcher.messages == [
        ("presence", {"topic": topic, "action": "join", "member": member, "viewers": 1}),
        ("typing", {"thread_id": thread["id"], "member": member}),
        ("typing", {"thread_id": thread["id"], "member": member}),
        ("presence", {"topic": topic, "action": "leave", "member": member, "viewers": 0}),
    ]
    assert [name for name, _ in tab1.messages] == []  # never told about its own typing or presence
    assert server.head() == head  # ephemeral: nothing was stored

    # Refusals come back as error acks; the connection stays up.
    anonymous = _live(server, clients, None)
    assert anonymous.call("typing", {"thread_id": thread["id"]})["error"]["code"] == "login_required"
    assert tab1.call("typing", {"thread_id": "7"})["error"]["code"] == "invalid_message"
    assert tab1.call("typing", {"thread_id": 999999})["error"]["code"] == "forbidden"
    assert tab1.call("view", {"topic": "news"})["error"]["code"] == "invalid_message"
    assert tab1.call("leave", {"topic": topic})["error"]["code"] == "not_viewing"
    closed = _thread(server, tokens["admin"], NETWORK)
    partner_free = _live(server, clients, tokens["editor"])  # the editor is not invited to the network
    assert partner_free.call("view", {"topic": f"thread.{closed['id']}"})["error"]["code"] == "forbidden"
    assert partner_free.call("typing", {"thread_id": closed["id"]})["error"]["code"] == "forbidden"
    assert tab1.call("view", {"topic": topic})["ok"] is True


def test_moderators_work_the_flag_queue_live_and_every_step_is_audited(
    server: LiveServer, tokens: dict[str, str], clients: list[Recorder]
) -> None:
    admin, moderator = tokens["admin"], tokens["moderator"]
    watching = _live(server, clients, moderator)
    assert watching.subscribe(["moderation"])["denied"] == []
    assert _live(server, clients, tokens["member"]).subscribe(["moderation"])["denied"][0]["topic"] == "moderation"
    thread = _thread(server, admin, title="Parkraum")
    reply = ok(call(server, "POST", f"/threads/{thread['id']}/posts", admin, json={"body": "<p>Zu laut</p>"}), 201)
    for who, reason in (("member", "Beleidigung"), ("editor", "Spam")):
        ok(call(server, "POST", f"/posts/{reply['id']}/flags", tokens[who], json={"reason": reason}), 201)
    assert watching.wait_until(lambda r: len(r.of_type("flag.raised")) == 2)

    queue = ok(call(server, "GET", "/moderation/flags", moderator, params={"status": "open"}))["items"]
    [entry] = [e for e in queue if e["post"]["id"] == reply["id"]]
    assert entry["flags"] == 2 and sorted(entry["reasons"]) == ["Beleidigung", "Spam"]
    assert {r["reporter"]["name"] for r in entry["reports"]} == {"Kommune Musterstadt", "Redaktion Dialogplattform"}
    assert entry["post"]["excerpt"] == "Zu laut" and entry["post"]["thread_title"] == "Parkraum"

    path = f"/moderation/posts/{reply['id']}/resolve"
    resolved = ok(call(server, "POST", path, moderator, json={"outcome": "dismissed", "reason": "sachlich"}))
    assert len(resolved["flag_ids"]) == 2
    assert watching.wait_until(lambda r: r.of_type("flag.resolved"))
    assert watching.of_type("flag.resolved")[0]["data"]["outcome"] == "dismissed"
    ok(call(server, "POST", f"/posts/{reply['id']}/hide", moderator, json={"reason": "doch beleidigend"}))
    ok(call(server, "POST", f"/posts/{reply['id']}/unhide", moderator))
    ok(call(server, "POST", f"/threads/{thread['id']}/lock", moderator, json={"locked": True}))
    assert watching.wait_until(lambda r: r.of_type("post.unhidden") and r.of_type("thread.locked"))
    assert watching.of_type("post.unhidden")[0]["data"]["body"] == "<p>Zu laut</p>"

    def audited(kind: str, target: int) -> list[tuple[str, str | None]]:
        page = ok(call(server, "GET", "/audit", admin, params={"target_kind": kind, "target_id": target}))
        return [(e["action"], e["reason"]) for e in reversed(page["items"])]

    assert audited("post", reply["id"]) == [
        ("flag.resolved", "sachlich"),
        ("post.hidden", "doch beleidigend"),
        ("post.unhidden", None),
    ]
    assert audited("thread", thread["id"]) == [("thread.locked", None)]
    history = ok(call(server, "GET", f"/moderation/members/{me(server, admin)}/history", moderator))["items"]
    [seen] = [h for h in history if h["post"]["id"] == reply["id"]]
    assert [r["resolution"] for r in seen["reports"]] == ["dismissed", "dismissed"]
    assert [a["action"] for a in seen["actions"]] == ["flag.resolved", "post.hidden", "post.unhidden"]
    for who in ("member", "editor"):
        assert call(server, "GET", "/moderation/flags", tokens[who]).status_code == 403
        assert call(server, "GET", "/audit", tokens[who]).status_code == 403
    assert call(server, "GET", "/moderation/flags").status_code == 401
