"""Webhook subscriptions: create (topics checked like any subscriber's), deactivate, retry a delivery."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlalchemy.orm import Session

from events import Caller, policy, publish, utcnow
from services.errors import Conflict, InvalidInput, NotFound
from services.identity import require_admin, user_topic
from services.webhooks.addresses import is_public_address
from services.webhooks.events import WebhookCreated, WebhookDeactivated
from services.webhooks.handlers import CACHE
from services.webhooks.models import CANCELLED, FAILED, PENDING, WebhookDelivery, WebhookSubscription

MIN_SECRET_LENGTH = 16


def check_url(url: str, *, allow_private: bool) -> str:
    """An http(s) URL; loopback and private addresses only where the installation allows them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url", "must be an http:// or https:// URL with a host")
    if not allow_private and not public_host(parts.hostname):
        raise InvalidInput("url", "points to a private or loopback address (DIALOG_WEBHOOK_ALLOW_PRIVATE=1 allows it)")
    return url


def resolve(hostname: str) -> list[str]:
    """The addresses `hostname` resolves to, in the resolver's order (none if it does not resolve)."""
    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    # The scope id of a link-local IPv6 address (`fe80::1%eth0`) is not part of the address.
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def vetted_address(hostname: str, *, allow_private: bool) -> str:
    """One address of `hostname` to connect to, after checking that all of its addresses are public.

    The caller connects to this very address: resolving the name again for the connection would let
    a DNS answer that changes in between (DNS rebinding) lead the request into a private network.
    """
    addresses = resolve(hostname)
    if not addresses:
        raise PermissionError(f"{hostname} does not resolve")
    if not allow_private and not all(is_public_address(ipaddress.ip_address(a)) for a in addresses):
        raise PermissionError(f"{hostname} resolves to a private or loopback address")
    return addresses[0]


def public_host(hostname: str) -> bool:
    """True if every address `hostname` resolves to is public (no SSRF into the installation's network)."""
    try:
        vetted_address(hostname, allow_private=False)
    except PermissionError:
        return False
    return True


def create_subscription(
    session: Session,
    *,
    owner: Caller,
    url: str,
    topics: list[str],
    secret: str | None,
    description: str | None,
    allow_private: bool,
) -> WebhookSubscription:
    """Register an endpoint for `topics` (admins; topics the owner may follow); a secret is made if none is given."""
    require_admin(owner)
    granted, denied = policy.authorize(owner, topics)
    if denied:
        refused = ", ".join(f"{d['topic']} ({d['reason']})" for d in denied)
        raise InvalidInput("topics", f"cannot be followed: {refused}")
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise InvalidInput("secret", f"must have at least {MIN_SECRET_LENGTH} characters")
    subscription = WebhookSubscription(
        url=check_url(url, allow_private=allow_private),
        topics=granted,
        secret=secret or secrets.token_urlsafe(32),
        description=description,
        active=True,
        owner_id=owner.id,
        created_at=utcnow(),
    )
    session.add(subscription)
    session.flush()
    session.info.pop(CACHE, None)  # events later in this transaction see it
    if owner.id is not None:
        publish(
            session,
            WebhookCreated(webhook_id=subscription.id, topics=tuple(granted)),
            topic=user_topic(owner.id),
            actor=owner,
        )
    return subscription


def deactivate_subscription(session: Session, caller: Caller, subscription: WebhookSubscription) -> None:
    """Stop deliveries to `subscription` (admins); what is still queued is cancelled."""
    require_admin(caller)
    stop_deliveries(session, subscription, actor=caller, reason="")


def stop_deliveries(session: Session, subscription: WebhookSubscription, *, actor: Caller | None, reason: str) -> None:
    """Deactivate `subscription` and cancel what it has queued, told on the actor's (else its owner's) own topic."""
    told = actor.id if actor is not None else subscription.owner_id
    if subscription.active and told is not None:
        deactivated = WebhookDeactivated(webhook_id=subscription.id, reason=reason)
        publish(session, deactivated, topic=user_topic(told), actor=actor)
    subscription.active = False
    session.info.pop(CACHE, None)
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id, WebhookDelivery.status == PENDING)
        .values(status=CANCELLED, finished_at=utcnow())
    )


def retry_delivery(
    session: Session, caller: Caller, subscription: WebhookSubscription, delivery_id: int
) -> WebhookDelivery:
    """Queue a failed delivery again (admins; after the partner fixed its endpoint)."""
    require_admin(caller)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise NotFound(f"no delivery {delivery_id} of webhook {subscription.id}")
    if delivery.status != FAILED:
        raise Conflict(f"delivery {delivery_id} is {delivery.status}; only a failed one can be retried")
    if not subscription.active:
        raise Conflict(f"webhook {subscription.id} is deactivated")
    delivery.status, delivery.attempts, delivery.next_attempt_at = PENDING, 0, utcnow()
    delivery.finished_at = None
    return delivery
