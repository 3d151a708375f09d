"""Accounts end to end: invitations mailed to a real SMTP server, self-service, the directory, mentions.

A live server, a `flask dialog scheduler` process that sends the mail outbox, an aiosmtpd server.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import start_server
from tests.support.api import call, me, ok
from tests.support.live_client import Recorder
from tests.support.server import ADMIN, DEMO_PASSWORD, EDITOR, MEMBER, MODERATOR, PARTNER, LiveServer
from tests.support.smtp import Inbox, smtp_server, text_and_html

pytestmark = pytest.mark.e2e
PUBLIC = "nationale-dialogplattform"
BASE_URL = "https://dialog.example"
LINK = re.compile(re.escape(BASE_URL) + r"/[^\s]*token=([A-Za-z0-9_\-]+)")


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[LiveServer]:
    server = start_server(
        tmp_path_factory,
        DIALOG_MAIL_URL=inbox.url,
        DIALOG_PUBLIC_BASE_URL=BASE_URL,
        DIALOG_MAIL_POLL_SECONDS="0.3",
        DIALOG_SCHEDULER_TICK_SECONDS="60",
    )
    scheduler: subprocess.Popen[str] = server.start_scheduler()
    yield server
    scheduler.terminate()
    scheduler.wait(10)
    server.stop()


@pytest.fixture(scope="module")
def tokens(live: LiveServer) -> dict[str, str]:
    return {
        role: live.token(email)
        for role, email in [("admin", ADMIN), ("editor", EDITOR), ("moderator", MODERATOR), ("member", MEMBER)]
        + [("partner", PARTNER)]
    }


def _token_in(message: Any) -> str:
    text, html = text_and_html(message)
    found = LINK.search(text)
    assert found, text
    assert found.group(0).replace("&", "&amp;") in html
    return found.group(1)


def test_an_invited_editor_gets_the_mail_accepts_publishes_and_is_refused_once_demoted(
    live: LiveServer, inbox: Inbox, tokens: dict[str, str]
) -> None:
    admin = tokens["admin"]
    invitation = ok(
        call(
            live, "POST", "/invitations", admin, json={"email": "Eda@Example.org", "role": "editor", "language": "en"}
        ),
        201,
    )
    assert invitation["role"] == "editor" and invitation["email"] == "eda@example.org"
    (mail,) = inbox.wait_for("eda@example.org")
    assert mail["Subject"] == "Your invitation to Smart City Dialog"
    assert _token_in(mail) == invitation["token"]
    accept = {"token": invitation["token"], "name": "Eda Editor", "password": "eda@example.org", "language": "en"}
    weak = call(live, "POST", "/invitations/accept", json=accept)
    assert weak.status_code == 422 and "password" in weak.json()["error"]["details"]["json"]
    accept["password"] = "a long editor password"
    joined = ok(call(live, "POST", "/invitations/accept", json=accept), 201)
    assert joined["member"]["role"] == "editor" and joined["member"]["handle"] == "eda.editor"
    assert call(live, "POST", "/invitations/accept", json=accept).status_code == 409  # used once
    editor = joined["token"]
    assert live.post_news(editor, "Eda's first news").status_code == 201
    moderation = ok(call(live, "GET", "/events", admin, params={"topics": "moderation", "since": 0, "limit": 1000}))
    joined_events = [e for e in moderation["items"] if e["data"].get("member_id") == joined["member"]["id"]]
    assert [(e["type"], e["data"]["role"]) for e in joined_events] == [("member.joined", "editor")]

    ok(call(live, "PATCH", f"/members/{joined['member']['id']}", admin, json={"role": "member"}))
    refused = live.post_news(editor, "after the demotion")
    assert refused.status_code == 403, refused.text


def test_invitation_bad_input_changes_nothing(live: LiveServer, inbox: Inbox, tokens: dict[str, str]) -> None:
    admin = tokens["admin"]
    before = ok(call(live, "GET", "/invitations", admin))
    cases = [
        ({"email": MEMBER, "role": "member"}, 409),
        ({"email": "x@example.org", "role": "overlord"}, 422),
        ({"email": "p@example.org", "role": "partner"}, 422),  # a partner needs a country
        ({"email": "p@example.org", "role": "partner", "country": "XX"}, 422),
    ]
    for body, status in cases:
        answer = call(live, "POST", "/invitations", admin, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert set(answer.json()["error"]) == {"code", "message", "details"}
    assert call(live, "POST", "/invitations", tokens["editor"], json={"email": "y@example.org"}).status_code == 403
    assert ok(call(live, "GET", "/invitations", admin)) == before

    # Re-sending replaces the link; revoking ends it.
    first = ok(call(live, "POST", "/invitations", admin, json={"email": "mo@example.org", "role": "moderator"}), 201)
    again = ok(call(live, "POST", f"/invitations/{first['id']}/resend", admin))
    mails = inbox.wait_for("mo@example.org", count=2)
    assert [_token_in(m) for m in mails] == [first["token"], again["token"]]
    assert mails[0]["Subject"] == "Einladung zum Smart City Dialog"
    accept = {"name": "Mo", "password": "a long moderator password", "language": "de"}
    assert call(live, "POST", "/invitations/accept", json={**accept, "token": first["token"]}).status_code == 404
    ok(call(live, "DELETE", f"/invitations/{first['id']}", admin))
    gone = call(live, "POST", "/invitations/accept", json={**accept, "token": again["token"]})
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "invitation_revoked"
    assert call(live, "POST", f"/invitations/{first['id']}/resend", admin).status_code == 409
    partner = ok(
        call(live, "POST", "/invitations", admin, json={"email": "ola@example.pl", "role": "partner", "country": "pl"}),
        201,
    )
    assert (partner["role"], partner["country"], partner["revoked_at"]) == ("partner", "PL", None)


def test_admins_list_and_filter_members_and_the_last_admin_stays(live: LiveServer, tokens: dict[str, str]) -> None:
    admin = tokens["admin"]
    page = ok(call(live, "GET", "/members", admin, params={"role": "partner"}))
    assert [m["email"] for m in page["items"]] == [PARTNER] and page["total"] == 1 and page["next"] is None
    assert ok(call(live, "GET", "/members", admin, params={"q": "musterstadt"}))["items"][0]["email"] == MEMBER
    assert ok(call(live, "GET", "/members", admin, params={"country": "PL"}))["total"] == 1
    first = ok(call(live, "GET", "/members", admin, params={"limit": 2}))
    second = ok(call(live, "GET", "/members", admin, params={"limit": 2, "cursor": first["next"]}))
    assert len(first["items"]) == 2 and not {m["id"] for m in first["items"]} & {m["id"] for m in second["items"]}
    assert call(live, "GET", "/members", tokens["member"]).status_code == 403
    assert call(live, "GET", "/members", admin, params={"status": "sleeping"}).status_code == 422
    admin_id = me(live, admin)
    last = call(live, "PATCH", f"/members/{admin_id}", admin, json={"role": "member"})
    assert last.status_code == 409
    assert ok(call(live, "GET", "/me", admin))["role"] == "admin"


def test_profile_language_handle_and_mentions(live: LiveServer, tokens: dict[str, str]) -> None:
    member, moderator = tokens["member"], tokens["moderator"]
    profile = ok(call(live, "GET", "/me", member))
    assert profile["handle"] == "kommune.musterstadt" and profile["language"] == "de"
    body = {"title": "Frage", "body": "<p>Was meint @kommune.musterstadt dazu?</p>"}  # no language: the author's
    thread = ok(call(live, "POST", f"/spaces/{PUBLIC}/threads", moderator, json=body), 201)
    posts = ok(call(live, "GET", f"/threads/{thread['id']}/posts", member, params={"after": 0}))["items"]
    assert [p["language"] for p in posts] == ["de"]  # the moderator's preferred language
    note = _newest_note(live, member)
    assert note["kind"] == "mention" and note["summary"].startswith("Moderation Dialogplattform hat Sie erwähnt: ")

    changed = ok(call(live, "PATCH", "/me", member, json={"language": "en", "bio": "Model project North"}))
    assert changed["language"] == "en" and changed["bio"] == "Model project North"
    reply = {"body": "<p>@kommune.musterstadt, any news?</p>"}
    ok(call(live, "POST", f"/threads/{thread['id']}/posts", moderator, json=reply), 201)
    note = _newest_note(live, member)
    assert note["summary"].startswith("Moderation Dialogplattform mentioned you: "), note

    taken = call(live, "PATCH", "/me", member, json={"handle": "partner.contact"})
    assert taken.status_code == 409
    assert call(live, "PATCH", "/me", member, json={"handle": "X"}).status_code == 422
    assert call(live, "PATCH", "/me", member, json={"notification_preferences": {"nope": {}}}).status_code == 422
    assert ok(call(live, "GET", "/me", member))["handle"] == "kommune.musterstadt"


def _newest_note(live: LiveServer, token: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    seen = None
    while time.monotonic() < deadline:
        items = ok(call(live, "GET", "/notifications", token))["items"]
        if items and items[0] != seen:
            return dict(items[0])
        time.sleep(0.2)
    raise AssertionError("no notification")


def test_the_directory_shows_each_caller_whom_they_may_see(live: LiveServer, tokens: dict[str, str]) -> None:
    assert call(live, "GET", "/people").status_code == 401
    assert call(live, "GET", "/people/autocomplete", params={"q": "ko"}).status_code == 401
    everyone = {p["handle"] for p in ok(call(live, "GET", "/people", tokens["member"], params={"limit": 200}))["items"]}
    assert {"kommune.musterstadt", "partner.contact", "redaktion.dialogplattform"} <= everyone
    network = {p["handle"] for p in ok(call(live, "GET", "/people", tokens["partner"], params={"limit": 200}))["items"]}
    assert network == {"geschaeftsstelle.smart.cities", "moderation.dialogplattform", "partner.contact"}
    none = ok(call(live, "GET", "/people/autocomplete", tokens["partner"], params={"q": "kommune"}))
    assert none == {"items": [], "next": None, "total": 0}
    found = ok(call(live, "GET", "/people/autocomplete", tokens["member"], params={"q": "partner"}))["items"]
    assert [p["handle"] for p in found] == ["partner.contact"] and "email" not in found[0]


def test_password_change_ends_other_sessions_and_reset_works_once(live: LiveServer, inbox: Inbox) -> None:
    admin = live.token(ADMIN)
    invitation = ok(call(live, "POST", "/invitations", admin, json={"email": "pia@example.org", "role": "member"}), 201)
    password = "pia's first password"
    joined = ok(
        call(
            live,
            "POST",
            "/invitations/accept",
            json={"token": invitation["token"], "name": "Pia", "password": password, "language": "en", "handle": "pia"},
        ),
        201,
    )
    first, second = joined["token"], live.token("pia@example.org", password)
    wrong = call(live, "POST", "/me/password", second, json={"current_password": "nope", "new_password": "x" * 12})
    assert wrong.status_code == 401
    # Each problem names the field of the request it is about (the web app shows it there).
    assert wrong.json()["error"]["details"] == {"current_password": ["is wrong"]}
    weak = call(live, "POST", "/me/password", second, json={"current_password": password, "new_password": "pia"})
    assert weak.status_code == 422 and list(weak.json()["error"]["details"]["json"]) == ["new_password"]
    own = {"current_password": password, "new_password": "pia@example.org"}
    email_as_password = call(live, "POST", "/me/password", second, json=own)
    assert email_as_password.json()["error"]["details"] == {
        "json": {"new_password": ["must not be your email address or handle"]}
    }
    new = "pia's second password"
    pia = me(live, second)
    other_device = Recorder(live.url, first, transports=["websocket"]).connect()
    this_device = Recorder(live.url, second, transports=["websocket"]).connect()
    try:
        assert other_device.subscribe(["news"])["topics"] == ["news"]
        assert this_device.subscribe(["news", f"user.{pia}"])["topics"] == ["news", f"user.{pia}"]
        ok(call(live, "POST", "/me/password", second, json={"current_password": password, "new_password": new}), 204)
        # The other session's live connection is told and ends; this one stays and hears of both.
        assert other_device.wait_until(lambda r: any(name == "disconnect" for name, _ in r.timeline))
        revoked = [data for name, data in other_device.timeline if name == "revoked"]
        assert revoked and revoked[0]["reason"] == "token_revoked", other_device.timeline
        assert this_device.wait_until(lambda r: bool(r.of_type("member.password_changed")))
        assert [e["data"]["token_id"] for e in this_device.of_type("token.revoked")] == [joined["id"]]
        assert not any(name == "disconnect" for name, _ in this_device.timeline)
    finally:
        other_device.disconnect()
        this_device.disconnect()
    assert call(live, "GET", "/me", first).json()["error"]["code"] == "token_revoked"
    assert ok(call(live, "GET", "/me", second))["handle"] == "pia"
    assert (
        inbox.wait_for("pia@example.org", count=2)[-1]["Subject"] == "Your password was changed"
    )  # after the invitation

    known = call(live, "POST", "/auth/password-reset", json={"email": "PIA@example.org"})
    unknown = call(live, "POST", "/auth/password-reset", json={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202 and known.content == unknown.content
    mails = inbox.wait_for("pia@example.org", count=3)
    assert mails[-1]["Subject"] == "Reset your password"
    token = _token_in(mails[-1])
    short = call(live, "POST", "/auth/password-reset/confirm", json={"token": token, "new_password": "short"})
    assert short.status_code == 422 and list(short.json()["error"]["details"]["json"]) == ["new_password"]
    reset = {"token": token, "new_password": "pia's third password"}
    ok(call(live, "POST", "/auth/password-reset/confirm", json=reset), 204)
    assert call(live, "POST", "/auth/password-reset/confirm", json=reset).status_code == 409
    assert call(live, "GET", "/me", second).status_code == 401  # a reset ends every session
    assert live.token("pia@example.org", "pia's third password")
    with pytest.raises(requests.HTTPError):
        live.token("pia@example.org", new)
    assert not [m for m in inbox.messages if m["To"] == "nobody@example.org"]


def test_sessions_of_others_cannot_be_revoked(live: LiveServer, tokens: dict[str, str]) -> None:
    mine = ok(call(live, "GET", "/auth/tokens", tokens["moderator"]))["items"]
    foreign = call(live, "DELETE", f"/auth/tokens/{mine[0]['id']}", tokens["member"])
    assert foreign.status_code == 404
    assert ok(call(live, "GET", "/me", tokens["moderator"]))


def test_members_erase_their_own_account_but_not_the_last_admin(live: LiveServer, tokens: dict[str, str]) -> None:
    admin = tokens["admin"]
    invitation = ok(
        call(live, "POST", "/invitations", admin, json={"email": "cleo@example.org", "role": "member"}), 201
    )
    body = {"token": invitation["token"], "name": "Cleo", "password": "cleo's long password", "language": "de"}
    cleo = ok(call(live, "POST", "/invitations/accept", json=body), 201)["token"]
    refused = call(live, "DELETE", "/me", cleo, json={"password": "wrong", "posts": "keep"})
    assert refused.status_code == 401 and refused.json()["error"]["details"] == {"password": ["is wrong"]}
    assert call(live, "DELETE", "/me", cleo).status_code == 422
    missing = call(live, "DELETE", "/me", cleo, json={"password": "cleo's long password"})
    assert missing.status_code == 422 and "posts" in missing.json()["error"]["details"]["json"]
    ok(call(live, "DELETE", "/me", cleo, json={"password": "cleo's long password", "posts": "keep"}), 204)
    assert call(live, "GET", "/me", cleo).json()["error"]["code"] == "token_revoked"
    assert ok(call(live, "GET", "/members", admin, params={"q": "cleo@example.org"}))["items"] == []
    last = call(live, "DELETE", "/me", admin, json={"password": DEMO_PASSWORD, "posts": "keep"})
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_admin"
    assert ok(call(live, "GET", "/me", admin))["active"] is True
