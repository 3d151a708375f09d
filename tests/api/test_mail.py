"""Mail over HTTP: announcements also by email and their reach, one-click unsubscribe, the outbox for admins."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from dialog.extensions import db as app_db
from dialog.scheduler import mail_settings
from events import utcnow
from services.mail import send_due, transport_from_url
from services.mail.unsubscribe import unsubscribe_token
from tests.support.api import bearer, every_page
from tests.support.api import login as fresh_login
from tests.support.server import ADMIN
from tests.support.smtp import Inbox, smtp_server

KOMMUNE, REDAKTION, PARTNER = (f"{who}@smart-city-dialog.example" for who in ("kommune", "redaktion", "partner"))
DEMO = (ADMIN, REDAKTION, "moderation@smart-city-dialog.example", KOMMUNE, PARTNER)


_tokens: dict[str, str] = {}


def login(client: FlaskClient, email: str) -> str:
    """A token of `email`, one per member for the module (hashing a password is the slow part)."""
    if email not in _tokens:
        _tokens[email] = fresh_login(client, email)
    return _tokens[email]


def _broadcast(client: FlaskClient, title: str) -> int:
    body = {"title": {"de": title, "en": title}, "body": {"de": "<p>Text &amp; mehr</p>"}, "email": True}
    response = client.post("/api/v1/announcements", json=body, headers=bearer(login(client, ADMIN)))
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.get_json()["id"])


def _send(app: Flask, inbox: Inbox) -> None:
    send_due(app_db, utcnow(), mail_settings(app), transport_from_url(inbox.url))


def _unsubscribe_path(app: Flask, inbox: Inbox, to: str) -> str:
    (mail,) = inbox.wait_for(to)
    return str(mail["List-Unsubscribe"]).strip("<>").removeprefix(app.config["PUBLIC_BASE_URL"])


def test_an_announcement_also_by_email_reaches_as_many_mailboxes_and_inboxes_as_reach_says(
    app: Flask, client: FlaskClient
) -> None:
    announcement_id = _broadcast(client, "Wartung am Freitag")
    assert REGISTRY.get_sample_value("dialog_mail_backlog") == 4  # every demo member but the admin who sent it
    with smtp_server() as inbox:
        inbox.refuse[PARTNER] = "550 5.1.1 no such mailbox"  # accepted mails only count
        _send(app, inbox)
    reach = client.get(f"/api/v1/announcements/{announcement_id}/reach", headers=bearer(login(client, ADMIN)))
    held = 0
    for email in DEMO:
        notes = every_page(client, "/api/v1/notifications", login(client, email))
        held += sum(1 for n in notes if n["subject"].get("announcement_id") == announcement_id)
    assert reach.get_json()["emails"] == len(inbox.messages) == 3
    assert reach.get_json()["inboxes"] == held == 4
    assert REGISTRY.get_sample_value("dialog_mail_backlog") == 0
    admin = bearer(login(client, ADMIN))
    (failed,) = client.get("/api/v1/mail?status=failed", headers=admin).get_json()["items"]
    detail = client.get(f"/api/v1/mail/{failed['id']}", headers=admin).get_json()
    assert detail["recipient"] == PARTNER and [(a["outcome"], a["smtp_code"]) for a in detail["attempt_log"]] == [
        ("failed", 550)
    ]
    assert client.get("/api/v1/mail", headers=bearer(login(client, KOMMUNE))).status_code == 403


def _mailed_announcements(client: FlaskClient, email: str) -> Any:
    return client.get("/api/v1/me", headers=bearer(login(client, email))).get_json()["notification_preferences"][
        "announcement"
    ]["mail"]


def test_one_click_unsubscribe_stops_that_kind_and_a_wrong_token_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    _broadcast(client, "Erste")
    with smtp_server() as inbox:
        _send(app, inbox)
        mine, theirs = _unsubscribe_path(app, inbox, KOMMUNE), _unsubscribe_path(app, inbox, REDAKTION)
    one_click = {"data": "List-Unsubscribe=One-Click", "content_type": "application/x-www-form-urlencoded"}
    tampered = mine[:-2] + ("AA" if not mine.endswith("AA") else "BB")
    someone_elses = mine.partition("?")[0] + "?" + theirs.partition("?")[2]
    for wrong in (tampered, someone_elses):
        response = client.post(wrong, **one_click)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "invalid_unsubscribe_token"
    assert _mailed_announcements(client, KOMMUNE) is True
    response = client.post(mine, **one_click)
    assert response.status_code == 200 and response.get_json()["unsubscribed"] == ["announcement"]
    assert _mailed_announcements(client, KOMMUNE) is False and _mailed_announcements(client, REDAKTION) is True
    _broadcast(client, "Zweite")
    with smtp_server() as inbox:
        _send(app, inbox)
        inbox.wait_for(REDAKTION)
    assert [m["To"] for m in inbox.messages if m["To"] == KOMMUNE] == []


def test_members_choose_their_digest_and_see_every_kind_of_mail(client: FlaskClient) -> None:
    token = bearer(login(client, PARTNER))
    assert client.patch("/api/v1/me", json={"digest": "hourly"}, headers=token).status_code == 422
    me = client.patch("/api/v1/me", json={"digest": "weekly", "notification_preferences": {"reply": {"mail": False}}},
                      headers=token).get_json()  # fmt: skip
    assert me["digest"] == "weekly"
    assert me["notification_preferences"]["reply"] == {"mail": False}
    assert me["notification_preferences"]["mention"] == {"mail": True}  # the default
    assert me["notification_preferences"]["space_post"] == {"mail": False}


def test_a_click_on_the_unsubscribe_link_asks_first_and_its_button_unsubscribes(
    app: Flask, client: FlaskClient
) -> None:
    """A GET (a person clicking the link in a mail) is a page that changes nothing; its button posts the token."""
    moderation = DEMO[2]
    _broadcast(client, "Dritte")
    with smtp_server() as inbox:
        _send(app, inbox)
        link = _unsubscribe_path(app, inbox, moderation)
    token = link.partition("token=")[2]
    page = client.get(link, headers={"Accept-Language": "de"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html", html
    assert "Abbestellen" in html and "Ankündigungen" in html and f'value="{token}"' in html
    action = html.partition('<form method="post" action="')[2].partition('"')[0]
    assert action.startswith("/mail/unsubscribe/") and action.endswith("/announcement")
    assert _mailed_announcements(client, moderation) is True, "a GET changes nothing"
    english = client.get(link + "&lang=en").get_data(as_text=True)
    assert "Stop these mails" in english and "announcements" in english

    done = client.post(action, data={"token": token})  # in English now: `?lang=en` is remembered
    assert done.status_code == 200 and "You will not get these mails any more" in done.get_data(as_text=True)
    assert _mailed_announcements(client, moderation) is False
    again = client.post(action, data={"token": token})  # a second press: still fine, still off
    assert again.status_code == 200 and _mailed_announcements(client, moderation) is False


def test_a_tampered_unsubscribe_link_shows_an_error_page_never_a_500(app: Flask, client: FlaskClient) -> None:
    """A wrong, cut, missing or overlong token is a 403 page; an unknown member or kind a 404 page; nothing changes."""
    path = "/api/v1/mail/unsubscribe/{member}/{kinds}"
    member = client.get("/api/v1/me", headers=bearer(login(client, REDAKTION))).get_json()["id"]
    good = unsubscribe_token(app.config["SECRET_KEY"], member, "announcement")
    link = path.format(member=member, kinds="announcement")
    for token in (good[:-2] + ("AA" if not good.endswith("AA") else "BB"), good[:5], "", "x" * 5000, "%00<>"):
        page = client.get(link, query_string={"token": token, "lang": "en"})
        assert page.status_code == 403 and page.mimetype == "text/html", page.get_data(as_text=True)[:300]
        assert "This unsubscribe link is not valid" in page.get_data(as_text=True)
        posted = client.post(f"/mail/unsubscribe/{member}/announcement", data={"token": token})
        assert posted.status_code == 403 and posted.mimetype == "text/html"
    assert client.get(link, query_string={"lang": "en"}).status_code == 403  # no token at all
    for other in (path.format(member=member, kinds="nonsense"), path.format(member=99_999, kinds="announcement")):
        page = client.get(other, query_string={"token": good, "lang": "en"})
        assert page.status_code == 404 and "does not exist" in page.get_data(as_text=True)
    assert client.post(f"/mail/unsubscribe/{member}/nonsense", data={"token": good}).status_code == 404
    assert client.post(f"/mail/unsubscribe/{member}/announcement").status_code == 403  # no form at all
    assert _mailed_announcements(client, REDAKTION) is True
    # The API's one-click POST on the same URL still answers JSON.
    refused = client.post(link, query_string={"token": good[:-1]})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "invalid_unsubscribe_token"
