"""Webhook reads: subscriptions, their deliveries with attempts, counts for reach and metrics."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from events import Caller
from services.errors import NotFound
from services.identity import require_admin
from services.webhooks.models import DELIVERED, PENDING, WebhookAttempt, WebhookDelivery, WebhookSubscription


def list_subscriptions(session: Session, caller: Caller) -> list[WebhookSubscription]:
    """Every subscription, newest first (admins)."""
    require_admin(caller)
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id.desc())))


def get_subscription(session: Session, caller: Caller, subscription_id: int) -> WebhookSubscription:
    """One subscription or NotFound (admins)."""
    require_admin(caller)
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(f"no webhook {subscription_id}")
    return subscription


def list_deliveries(
    session: Session, subscription_id: int, *, status: str | None, limit: int, before: int | None
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """A page of deliveries (newest first) with their attempts, oldest attempt first."""
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    deliveries = list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        for attempt in session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(attempts)).order_by(WebhookAttempt.id)
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [(d, attempts[d.id]) for d in deliveries]


def count_deliveries(session: Session, subscription_id: int, *, status: str | None) -> int:
    """How many deliveries a subscription has (in `status`, if given)."""
    query = select(func.count()).where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return session.scalar(query) or 0


def status_counts(session: Session, subscription_id: int) -> dict[str, int]:
    """How many deliveries of a subscription are in each status."""
    rows = session.execute(
        select(WebhookDelivery.status, func.count())
        .where(WebhookDelivery.subscription_id == subscription_id)
        .group_by(WebhookDelivery.status)
    )
    return {status: count for status, count in rows}


def delivered_count(session: Session, event_id: int) -> int:
    """How many webhooks received event `event_id` (proof of reach)."""
    query = select(func.count()).where(WebhookDelivery.event_id == event_id, WebhookDelivery.status == DELIVERED)
    return session.scalar(query) or 0


def backlog(session: Session) -> int:
    """Deliveries still waiting to be sent (all subscriptions)."""
    return session.scalar(select(func.count()).where(WebhookDelivery.status == PENDING)) or 0
