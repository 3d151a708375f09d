"""Webhooks with the real bus, a real database and a real HTTP receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from events import ANONYMOUS, Database, Event, prune, publish, read_page, redact, utcnow
from services.announcements import announcement_reach, broadcast_announcement
from services.errors import AuthenticationFailed, InvalidInput
from services.forum import create_thread
from services.identity import caller_of, create_member, update_account
from services.network.events import MemberJoined
from services.news import create_news
from services.spaces import INVITED, create_space, get_space
from services.webhooks import (
    DeliveryPolicy,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    create_subscription,
    deactivate_subscription,
    deliver_due,
    list_deliveries,
)
from services.webhooks.delivery import due_deliveries
from tests.support.callers import staff
from tests.support.programme import T0
from tests.support.receiver import receiver

POLICY = DeliveryPolicy(max_attempts=3, first_delay=timedelta(seconds=10), timeout=5, allow_private=True)


def subscribe(db: Database, url: str, topics: list[str], secret: str = "a-long-enough-secret") -> int:
    with db.write() as session:
        return create_subscription(
            session,
            owner=staff(session, "admin"),
            url=url,
            topics=topics,
            secret=secret,
            description=None,
            allow_private=True,
        ).id


def news(db: Database, title: str) -> int:
    with db.write() as session:
        return create_news(
            session, caller=staff(session), title={"de": title}, body={"de": "x"}, tags=[], publish_now=True
        ).id


def deliveries(db: Database) -> list[WebhookDelivery]:
    with db.read() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_committed_events_on_followed_topics_are_queued_and_rolled_back_ones_are_not(database: Database) -> None:
    subscribe(database, "http://127.0.0.1:9/hook", ["news"])
    subscribe(database, "http://127.0.0.1:9/other", ["calls"])
    news(database, "eins")
    with pytest.raises(RuntimeError), database.write() as session:
        create_news(session, caller=staff(session), title={"de": "nie"}, body={"de": "x"}, tags=[], publish_now=True)
        raise RuntimeError("rolled back")
    queued = deliveries(database)
    assert [(d.subscription_id, d.event_type, d.status) for d in queued] == [(1, "news.published", "pending")]
    with database.read() as session:
        [event] = read_page(session, queued[0].event_id - 1, None, limit=1)
    assert event.id == queued[0].event_id and event.data["title"] == {"de": "eins"}


def test_subscription_changes_not_yet_flushed_count_for_events_of_the_same_transaction(database: Database) -> None:
    # The handler reads the subscriptions with Core on the connection at commit, after the change
    # below (still unflushed): the outbox must flush first, as the ORM's autoflush used to.
    # member.joined has no handler of its own that would query (and so autoflush) before this one.
    kept = subscribe(database, "http://127.0.0.1:9/kept", ["moderation"])
    stopped = subscribe(database, "http://127.0.0.1:9/stopped", ["moderation"])
    with database.write() as session:
        subscription = session.get(WebhookSubscription, stopped)
        assert subscription is not None
        subscription.active = False
        publish(session, MemberJoined(member_id=1, name="A", handle="a", role="member"), topic="moderation")
    assert [d.subscription_id for d in deliveries(database)] == [kept]


def test_delivery_is_a_signed_post_of_the_envelope(database: Database) -> None:
    with receiver() as endpoint:
        subscribe(database, endpoint.url, ["news"], secret="s3cret-s3cret-s3cret")
        news(database, "signiert")
        report = deliver_due(database, T0 + timedelta(days=9999), POLICY)
        assert report.outcomes == [(1, "delivered")]
        request = endpoint.received[0]
    envelope = json.loads(request.body)
    expected = "sha256=" + hmac.new(b"s3cret-s3cret-s3cret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Dialog-Signature"] == expected
    assert request.headers["X-Dialog-Event-Id"] == str(envelope["id"])
    assert request.headers["Content-Type"] == "application/json"
    assert envelope["type"] == "news.published" and envelope["data"]["title"] == {"de": "signiert"}


def test_failures_are_retried_with_backoff_and_every_attempt_is_logged(database: Database) -> None:
    with receiver(script=[500, 503]) as endpoint:
        subscribe(database, endpoint.url, ["news"])
        news(database, "beharrlich")
        now = deliveries(database)[0].next_attempt_at
        assert deliver_due(database, now, POLICY).outcomes == [(1, "retry")]
        assert deliver_due(database, now + timedelta(seconds=5), POLICY).outcomes == [], "backoff: not yet"
        assert deliver_due(database, now + timedelta(seconds=10), POLICY).outcomes == [(1, "retry")]
        assert deliver_due(database, now + timedelta(seconds=29), POLICY).outcomes == [], "the delay doubled"
        assert deliver_due(database, now + timedelta(seconds=30), POLICY).outcomes == [(1, "delivered")]
    with database.read() as session:
        [(delivery, attempts)] = list_deliveries(session, 1, status=None, limit=10, before=None)
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert [(a.status_code, a.error) for a in attempts] == [(500, "HTTP 500"), (503, "HTTP 503"), (200, None)]


def test_a_subscriptions_events_arrive_in_order_and_a_dead_one_is_marked_failed(database: Database) -> None:
    with receiver(script=[500, 500, 500]) as endpoint:
        subscribe(database, endpoint.url, ["news"])
        for title in ("erste", "zweite", "dritte"):
            news(database, title)
        now = T0 + timedelta(days=9999)
        for step in range(6):
            deliver_due(database, now + timedelta(hours=step), POLICY)
        titles = [json.loads(r.body)["data"]["title"]["de"] for r in endpoint.received]
    assert titles == ["erste", "erste", "erste", "zweite", "dritte"], "later events wait for the earlier one"
    assert [d.status for d in deliveries(database)] == ["failed", "delivered", "delivered"]


def test_two_workers_never_send_one_delivery_twice(database: Database) -> None:
    with receiver() as endpoint:
        subscribe(database, endpoint.url, ["news"])
        subscribe(database, endpoint.url + "2", ["news"])
        for n in range(10):
            news(database, f"n{n}")
        now = T0 + timedelta(days=9999)

        def work() -> None:
            # Until nothing is due: a round lost to another worker's claim must not end the test early.
            for _ in range(100):
                if not due_deliveries(database, now):
                    return
                deliver_due(database, now, POLICY)

        workers = [threading.Thread(target=work) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        sent = [(r.headers["X-Dialog-Delivery-Id"]) for r in endpoint.received]
    assert len(sent) == 20 and len(set(sent)) == 20
    with database.read() as session:
        assert len(session.scalars(select(WebhookAttempt)).all()) == 20


def test_private_endpoints_are_refused_unless_allowed(database: Database) -> None:
    with pytest.raises(InvalidInput) as info, database.write() as session:
        create_subscription(
            session,
            owner=staff(session, "admin"),
            url="http://127.0.0.1/x",
            topics=["news"],
            secret=None,
            description=None,
            allow_private=False,
        )
    assert info.value.field == "url"
    with pytest.raises(AuthenticationFailed), database.write() as session:
        create_subscription(
            session,
            owner=ANONYMOUS,
            url="https://example.org/x",
            topics=["news"],
            secret=None,
            description=None,
            allow_private=True,
        )
    with pytest.raises(InvalidInput) as topics, database.write() as session:
        create_subscription(
            session,
            owner=staff(session, "admin"),
            url="https://example.org/x",
            topics=["news", "user.99"],
            secret=None,
            description=None,
            allow_private=True,
        )
    assert topics.value.field == "topics"
    subscribe(database, "http://127.0.0.1:9/hook", ["news"])
    news(database, "privat")
    strict = DeliveryPolicy(max_attempts=1, allow_private=False)
    assert deliver_due(database, T0 + timedelta(days=9999), strict).outcomes == [(1, "failed")]
    with database.read() as session:
        attempt = session.scalars(select(WebhookAttempt)).one()
    assert attempt.status_code is None and "private or loopback" in (attempt.error or "")


REBINDING_HOST = "hook.rebinding.example"


def resolve_as(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """Answer `REBINDING_HOST` with `answers` one lookup after another (the last one from then on).

    A DNS rebinding attacker's name server does this: a public address for the check, a private
    one for the connection. Returns the list of lookups made so far.
    """
    real, lookups = socket.getaddrinfo, []

    def getaddrinfo(host: object, port: object, *args: object, **kwargs: object) -> object:
        if host != REBINDING_HOST:
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        address = answers[min(len(lookups), len(answers) - 1)]
        lookups.append(address)
        return real(address, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_a_rebinding_name_cannot_lead_a_delivery_inside(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is checked once and the connection goes to the checked address, never to a second answer."""
    with receiver() as endpoint:
        port = endpoint.url.split(":")[2].split("/")[0]
        subscribe(database, f"http://{REBINDING_HOST}:{port}/hook", ["news"])
        news(database, "umgeleitet")
        lookups = resolve_as(monkeypatch, ["93.184.215.14", "127.0.0.1"])
        strict = DeliveryPolicy(max_attempts=1, timeout=0.5, allow_private=False)
        assert deliver_due(database, T0 + timedelta(days=9999), strict).outcomes == [(1, "failed")]
        assert endpoint.received == [] and lookups == ["93.184.215.14"]


def test_a_pinned_delivery_keeps_the_host_name(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Connecting to the vetted address still sends the URL's host in `Host` (virtual hosts work)."""
    with receiver() as endpoint:
        port = endpoint.url.split(":")[2].split("/")[0]
        subscribe(database, f"http://{REBINDING_HOST}:{port}/hook?x=1", ["news"])
        news(database, "angeheftet")
        lookups = resolve_as(monkeypatch, ["127.0.0.1", "192.0.2.1"])
        assert deliver_due(database, T0 + timedelta(days=9999), POLICY).outcomes == [(1, "delivered")]
        assert endpoint.received[0].headers["Host"] == f"{REBINDING_HOST}:{port}" and lookups == ["127.0.0.1"]


def test_deactivating_cancels_what_is_queued_and_reach_counts_deliveries(database: Database) -> None:
    with receiver() as endpoint:
        first = subscribe(database, endpoint.url, ["announcements"])
        second = subscribe(database, endpoint.url + "2", ["announcements"])
        with database.write() as session:
            item = broadcast_announcement(
                session, caller=staff(session, "admin"), title={"de": "Hinweis"}, body={"de": "x"}
            )
        with database.write() as session:
            from services.webhooks import get_subscription

            admin = staff(session, "admin")
            deactivate_subscription(session, admin, get_subscription(session, admin, second))
        deliver_due(database, T0 + timedelta(days=9999), POLICY)
        assert endpoint.wait_for(1)
    assert {d.subscription_id: d.status for d in deliveries(database)} == {first: "delivered", second: "cancelled"}
    with database.read() as session:
        assert announcement_reach(session, staff(session, "admin"), item.id)["webhooks"] == 1


def test_a_retry_sends_the_event_as_the_log_holds_it_now_redacted_included(database: Database) -> None:
    with receiver(script=[500]) as endpoint:
        subscribe(database, endpoint.url, ["news"], secret="s3cret-s3cret-s3cret")
        news_id = news(database, "Geheimer Titel")
        now = deliveries(database)[0].next_attempt_at
        assert deliver_due(database, now, POLICY).outcomes == [(1, "retry")]
        with database.write() as session:
            redact(session, ["news.published"], "news_id", news_id)
        assert deliver_due(database, now + timedelta(seconds=10), POLICY).outcomes == [(1, "delivered")]
        first, retry = endpoint.received
    assert json.loads(first.body)["data"]["title"] == {"de": "Geheimer Titel"}
    envelope = json.loads(retry.body)
    assert envelope["data"] == {"news_id": news_id, "project_id": None, "space": "national",
                                "published_at": envelope["data"]["published_at"], "redacted": True}  # fmt: skip
    assert b"Geheimer" not in retry.body
    expected = "sha256=" + hmac.new(b"s3cret-s3cret-s3cret", retry.body, hashlib.sha256).hexdigest()
    assert retry.headers["X-Dialog-Signature"] == expected


def test_a_delivery_whose_event_was_pruned_fails_with_the_reason(database: Database) -> None:
    subscribe(database, "http://127.0.0.1:9/hook", ["news"])
    news(database, "verfallen")
    with database.write() as session:
        prune(session, utcnow() + timedelta(days=1))
    report = deliver_due(database, utcnow() + timedelta(days=2), POLICY)
    assert report.outcomes == [(1, "failed")]
    with database.read() as session:
        [(delivery, attempts)] = list_deliveries(session, 1, status=None, limit=10, before=None)
    assert delivery.status == "failed" and "no longer in the log" in (attempts[0].error or "")


def deliver_all(db: Database) -> list[str]:
    """Run the worker until nothing is due; every outcome in order."""
    outcomes: list[str] = []
    while report := deliver_due(db, utcnow() + timedelta(days=1), POLICY).outcomes:
        outcomes += [outcome for _id, outcome in report]
    return outcomes


def subscription_of(db: Database, hook: int) -> tuple[bool, list[str]]:
    with db.read() as session:
        found = session.get(WebhookSubscription, hook)
        assert found is not None
        return found.active, found.topics


@pytest.mark.parametrize("change", [{"role": "editor"}, {"active": False}], ids=["demoted", "deactivated"])
def test_a_webhook_stops_when_its_owner_is_no_longer_an_admin(
    database: Database, published: list[Event], change: dict[str, Any]
) -> None:
    # Before: the owner's access was checked once, at creation; a demoted admin's webhook went on
    # sending an invited space (which editors do not read) and `moderation`, queued deliveries included.
    with database.write() as session:
        admin = staff(session, "admin")
        create_space(session, admin, slug="klausur", name={"de": "Klausur"}, kind="working_group", visibility=INVITED)
    with receiver() as endpoint:
        hook = subscribe(database, endpoint.url, ["news", "moderation", "space.klausur"])
        with database.write() as session:
            space = get_space(session, "klausur")
            create_thread(session, caller=admin, space=space, title="Vertraulich", body="Geheime Zahlen", mentions=[])
        with database.write() as session:
            other = create_member(
                session, email="zweite@staff.example", name="Zweite", password="a-long-enough-password", role="admin"
            )
            update_account(session, caller_of(other), admin.id or 0, **change)
        news(database, "danach")
        assert deliver_all(database) == ["cancelled"]  # the rest was cancelled with it
        assert not endpoint.received
    assert subscription_of(database, hook) == (False, ["news", "moderation", "space.klausur"])
    assert {d.status for d in deliveries(database)} == {"cancelled"} and len(deliveries(database)) >= 2
    with database.read() as session:
        cancelled = list_deliveries(session, hook, status="cancelled", limit=10, before=None)
    # The one the worker held logs why; the others were cancelled with the webhook, never tried.
    errors = [a.error for _d, attempts in cancelled for a in attempts]
    assert errors == ["not sent: its owner is no longer an active admin"]
    [deactivated] = [e for e in published if e.type == "webhook.deactivated"]
    assert deactivated.topic == f"user.{admin.id}" and deactivated.actor is None
    assert deactivated.data == {"webhook_id": hook, "reason": "its owner is no longer an active admin"}


def test_an_admin_who_keeps_access_keeps_every_topic(database: Database) -> None:
    with database.write() as session:
        admin = staff(session, "admin")
        create_space(session, admin, slug="klausur", name={"de": "Klausur"}, kind="working_group", visibility=INVITED)
    with receiver() as endpoint:
        hook = subscribe(database, endpoint.url, ["news", "space.klausur"])
        news(database, "eins")
        with database.write() as session:
            space = get_space(session, "klausur")
            create_thread(session, caller=staff(session, "admin"), space=space, title="T", body="B", mentions=[])
        assert deliver_all(database) == ["delivered", "delivered"]
    assert subscription_of(database, hook) == (True, ["news", "space.klausur"])
