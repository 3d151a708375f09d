"""The delivery worker: signed POSTs, each subscription's deliveries in event order, with backoff.

Every pending delivery is claimed by a conditional UPDATE (a lease, so a crashed worker's claim
expires) before its HTTP request, which runs outside any transaction. A subscription's next
delivery waits until the one before it is delivered or finally failed, so a receiver sees its
events in id order. After `max_attempts` the delivery is marked failed; every attempt is logged.
Before each send the owner's access is asked again (owner_access.py): what they may no longer
follow is cancelled, never sent.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
import urllib3
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from events import Database
from events.log import read_event_json
from services.claims import claim_leased
from services.webhooks.commands import vetted_address
from services.webhooks.models import (
    CANCELLED,
    DELIVERED,
    FAILED,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from services.webhooks.owner_access import why_not_send

USER_AGENT = "SmartCityDialog-Webhooks/1"
# send(url, address, body, headers, timeout) -> HTTP status code (raises on a network error);
# `address` is the vetted IP address of the URL's host, the one to connect to.
Sender = Callable[[str, str, bytes, dict[str, str], float], int]


def sign(secret: str, body: bytes) -> str:
    """The `X-Dialog-Signature` value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_pinned(url: str, address: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """Send one delivery to `address`, with the URL's host in `Host`, TLS SNI and certificate check.

    No redirects (a receiver answers itself or fails), no retries (the worker retries with backoff).
    urllib3 directly because a requests session resolves the host name again for its connection.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    pool: urllib3.HTTPConnectionPool
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=requests.certs.where(),  # the CA bundle requests would use
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        response = pool.urlopen(
            "POST",
            target,
            body=body,
            headers={**headers, "Host": parts.netloc.rpartition("@")[2]},
            redirect=False,
            retries=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            preload_content=False,  # the status is all we need: never read a receiver's (maybe huge) body
        )
        return int(response.status)
    finally:
        pool.close()


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: attempts, exponential backoff bounds, request timeout, claim lease."""

    max_attempts: int = 8
    first_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(hours=1)
    timeout: float = 10.0
    lease: timedelta = timedelta(seconds=60)
    allow_private: bool = False

    def delay_after(self, attempts: int) -> timedelta:
        """Wait before the next attempt: first_delay doubled per failed attempt, at most max_delay."""
        return min(self.first_delay * (2 ** (attempts - 1)), self.max_delay)


@dataclass
class DeliveryReport:
    """What one run did: (delivery id, outcome) per attempt."""

    outcomes: list[tuple[int, str]] = field(default_factory=list)


def due_deliveries(db: Database, now: datetime) -> list[int]:
    """The oldest pending delivery of each subscription, where it is due and not claimed."""
    with db.read() as session:
        heads = (
            select(func.min(WebhookDelivery.id).label("head"))
            .where(WebhookDelivery.status == PENDING)
            .group_by(WebhookDelivery.subscription_id)
            .subquery()
        )
        query = (
            select(WebhookDelivery.id)
            .join(heads, WebhookDelivery.id == heads.c.head)
            .where(
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
            )
            .order_by(WebhookDelivery.id)
        )
        return list(session.scalars(query))


def deliver_due(db: Database, now: datetime, policy: DeliveryPolicy, send: Sender = post_pinned) -> DeliveryReport:
    """Attempt every due delivery once (a subscription's next one waits for the next run)."""
    report = DeliveryReport()
    for delivery_id in due_deliveries(db, now):
        outcome = deliver_one(db, delivery_id, now, policy, send)
        if outcome is not None:
            report.outcomes.append((delivery_id, outcome))
    return report


def _unsent(session: Session, delivery: WebhookDelivery, now: datetime, status: str, error: str) -> str:
    """End a delivery without sending it, the reason logged as an attempt."""
    session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now, status_code=None, error=error, duration_ms=0))
    delivery.status, delivery.finished_at, delivery.claimed_until = status, now, None
    return status


def deliver_one(db: Database, delivery_id: int, now: datetime, policy: DeliveryPolicy, send: Sender) -> str | None:
    """Claim, send and record one delivery; None if another worker has it."""
    with db.write() as session:
        delivery = claim_leased(session, WebhookDelivery, delivery_id, pending=PENDING, now=now, lease=policy.lease)
        if delivery is None:
            return None
        subscription = session.get(WebhookSubscription, delivery.subscription_id)
        assert subscription is not None
        # The envelope as the log holds it now: an event redacted since it was queued goes out redacted.
        envelope = read_event_json(session, delivery.event_id)
        if envelope is None:
            pruned = f"event {delivery.event_id} is no longer in the log (retention); nothing to send"
            return _unsent(session, delivery, now, FAILED, pruned)
        unsendable = why_not_send(session, subscription, delivery)
        if unsendable is not None:
            return _unsent(session, delivery, now, CANCELLED, unsendable)
        url, secret, body, attempts = subscription.url, subscription.secret, envelope.encode(), delivery.attempts
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Dialog-Event-Id": str(delivery.event_id),
            "X-Dialog-Delivery-Id": str(delivery.id),
            "X-Dialog-Attempt": str(attempts),
            "X-Dialog-Signature": sign(secret, body),
        }
    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    try:
        address = vetted_address(urlsplit(url).hostname or "", allow_private=policy.allow_private)
        status_code = send(url, address, body, headers, policy.timeout)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except Exception as exc:  # any failure of the receiver's side is one failed attempt
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    with db.write() as session:
        session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                attempted_at=now,
                status_code=status_code,
                error=error,
                duration_ms=duration_ms,
            )
        )
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.claimed_until = None
        if delivery.status != PENDING:  # cancelled while we were sending
            return str(delivery.status)
        if error is None:
            delivery.status, delivery.finished_at = DELIVERED, now
        elif attempts >= policy.max_attempts:
            delivery.status, delivery.finished_at = FAILED, now
        else:
            delivery.next_attempt_at = now + policy.delay_after(attempts)
        return "retry" if delivery.status == PENDING else delivery.status
