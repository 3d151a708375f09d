"""Notifications by mail: missed-message mails after the delay, and digests, sent to a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from events import Database, publish, utcnow
from services import forum, notifications
from services.announcements import broadcast_announcement
from services.forum import Thread
from services.identity import update_account, update_profile
from services.mail import MailSettings, OutgoingMail, send_due, transport_from_url
from services.notifications import Notification, follow
from services.scheduling import tick
from services.spaces import Space, remove_membership
from tests.support.news import news_published
from tests.support.programme import make_call
from tests.support.smtp import Inbox, smtp_server, text_and_html
from tests.support.world import World

SETTINGS = MailSettings(sender="Dialog <noreply@dialog.example>", base_url="https://dialog.example", secret="s3cret")


def _run(database: Database, inbox: Inbox, now: datetime) -> None:
    """One scheduler round at `now`: the tick queues what fell due, the worker sends it."""
    tick(database, now)
    send_due(database, now, SETTINGS, transport_from_url(inbox.url))


def _to(inbox: Inbox, address: str) -> list[EmailMessage]:
    return [m for m in inbox.messages if m["To"] == address]


def test_a_mention_to_an_offline_member_is_mailed_once_after_the_delay_with_everything_that_waited(
    database: Database, world: World
) -> None:
    with database.write() as session:
        update_profile(session, world.caller("member"), {"language": "en"})
        thread, first = forum.create_thread(
            session, caller=world.caller("moderator"), space=world.spaces["public"], title="Budget & <Plan>",
            body="<p>@member please look</p>", mentions=[],
        )  # fmt: skip
    with database.write() as session:
        second = forum.create_post(
            session, caller=world.caller("other"), thread=session.get(Thread, thread.id),
            body="<p>@member a second thought</p>", mentions=[],
        )  # fmt: skip
    start = utcnow()
    with smtp_server() as inbox:
        _run(database, inbox, start + timedelta(minutes=9))
        assert _to(inbox, "member@example.org") == []  # within the delay: the member may still read it
        for minutes in (11, 12, 30):
            _run(database, inbox, start + timedelta(minutes=minutes))
        (mail,) = inbox.wait_for("member@example.org")
    assert len(_to(inbox, "member@example.org")) == 1  # both notifications, one mail, once
    assert mail["Subject"] == "2 unread notification(s) on Smart City Dialog"
    text, html = text_and_html(mail)
    assert "Moderator mentioned you: Budget & <Plan>" in text and "Other mentioned you:" in text
    for post in (first, second):
        assert f"https://dialog.example/threads/{thread.id}#post-{post.id}" in text
    assert "<Plan>" not in html and "Budget &amp; &lt;Plan&gt;" in html and "<img" not in html
    assert f'<a href="https://dialog.example/threads/{thread.id}#post-{first.id}">' in html
    member_id = world.members["member"].id
    assert mail["List-Unsubscribe"].startswith(f"<https://dialog.example/api/v1/mail/unsubscribe/{member_id}/mention?")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_mention_read_before_the_delay_is_never_mailed(database: Database, world: World) -> None:
    with database.write() as session:
        forum.create_thread(
            session, caller=world.caller("moderator"), space=world.spaces["public"], title="Budget",
            body="<p>@member please look</p>", mentions=[],
        )  # fmt: skip
    member_id = world.members["member"].id
    with database.write() as session:
        (note,) = session.scalars(select(Notification).where(Notification.member_id == member_id)).all()
        notifications.mark_read(session, member_id, note.id)
    tick(database, utcnow() + timedelta(minutes=11))
    with database.read() as session:
        assert session.scalars(select(OutgoingMail).where(OutgoingMail.member_id == member_id)).all() == []
        assert session.get(Notification, note.id).mail_state == "seen"  # type: ignore[union-attr]


def _post(database: Database, world: World, thread_id: int, text: str) -> None:
    with database.write() as session:
        forum.create_post(
            session, caller=world.caller("other"), thread=session.get(Thread, thread_id), body=f"<p>{text}</p>",
            mentions=[],
        )  # fmt: skip


def _digests(inbox: Inbox) -> list[str]:
    return [text_and_html(m)[0] for m in _to(inbox, "member@example.org") if "daily summary" in m["Subject"]]


def test_a_daily_digest_holds_exactly_the_followed_activity_since_the_last_one(
    database: Database, world: World
) -> None:
    with database.write() as session:
        update_profile(session, world.caller("member"), {"language": "en", "digest": "daily"})
        followed, _ = forum.create_thread(
            session, caller=world.caller("moderator"), space=world.spaces["public"], title="Followed",
            body="<p>Start</p>", mentions=[],
        )  # fmt: skip
        elsewhere, _ = forum.create_thread(
            session, caller=world.caller("moderator"), space=world.spaces["public"], title="Elsewhere",
            body="<p>Start</p>", mentions=[],
        )  # fmt: skip
        follow(session, world.caller("member"), "thread", str(followed.id))
    start = utcnow()
    _post(database, world, followed.id, "first followed post")
    _post(database, world, elsewhere.id, "not followed")
    make_call(database, now=utcnow(), title={"de": "Aufruf", "en": "Open data call"})
    with database.write() as session:
        publish(session, news_published(7, "Neuigkeit"), topic="news")
    with smtp_server() as inbox:
        _run(database, inbox, start + timedelta(hours=23))
        assert _digests(inbox) == []  # not due yet
        _run(database, inbox, start + timedelta(days=1, minutes=2))
        _run(database, inbox, start + timedelta(days=1, minutes=3))  # claimed once: no second digest
        _post(database, world, followed.id, "second followed post")
        _run(database, inbox, start + timedelta(days=2, minutes=2))
        inbox.wait_for("member@example.org", count=2)
    first, second = _digests(inbox)
    assert "first followed post" in first and "not followed" not in first and "second followed post" not in first
    assert "Announced: Open data call" in first and "Neuigkeit" in first and "https://dialog.example/news/7" in first
    assert "second followed post" in second and "first followed post" not in second and "not followed" not in second
    assert "Open data call" not in second and "Neuigkeit" not in second
    assert f"https://dialog.example/threads/{followed.id}#post-" in second


def test_no_mail_carries_a_space_the_member_was_removed_from(database: Database, world: World) -> None:
    network = world.spaces["network"]
    with database.write() as session:
        update_profile(session, world.caller("member"), {"language": "en", "digest": "daily"})
    with database.write() as session:
        forum.create_thread(
            session, caller=world.caller("moderator"), space=network, title="Closed doors",
            body="<p>@member the secret plan</p>", mentions=[],
        )  # fmt: skip
        forum.create_thread(
            session, caller=world.caller("moderator"), space=world.spaces["public"], title="Open",
            body="<p>@member the public plan</p>", mentions=[],
        )  # fmt: skip
    with database.write() as session:
        remove_membership(session, world.caller("admin"), session.get(Space, network.id), world.members["member"].id)
    start = utcnow()
    with smtp_server() as inbox:
        _run(database, inbox, start + timedelta(minutes=11))
        _run(database, inbox, start + timedelta(days=1, minutes=2))
        inbox.wait_for("member@example.org", count=2)
    missed, digest = (text_and_html(m)[0] for m in _to(inbox, "member@example.org"))
    assert "the public plan" in missed and "the public plan" in digest
    assert "secret plan" not in missed + digest and "Closed doors" not in missed + digest


def test_a_deactivated_member_gets_no_mail_queued_before(database: Database, world: World) -> None:
    # Before: deactivating stopped new mails (wants_mail) but an announcement mail already queued,
    # or one waiting for an SMTP retry, still went out to the account that can no longer sign in.
    with database.write() as session:
        broadcast_announcement(
            session,
            caller=world.caller("admin"),
            title={"de": "Aufruf offen"},
            body={"de": "Jetzt bewerben"},
            email=True,
        )
    with database.write() as session:
        update_account(session, world.caller("admin"), world.members["member"].id, active=False)
    with smtp_server() as inbox:
        _run(database, inbox, utcnow())
        inbox.wait_for("other@example.org")
        assert _to(inbox, "member@example.org") == []
    with database.read() as session:
        [mail] = session.scalars(select(OutgoingMail).where(OutgoingMail.member_id == world.members["member"].id))
    assert (mail.status, mail.params) == ("cancelled", {}) and "deactivated" in (mail.last_error or "")
