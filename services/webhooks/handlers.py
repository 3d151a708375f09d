"""Queue a delivery for every active subscription that follows one of an event's topics.

Runs in the publishing transaction, so a committed event always has its deliveries queued and a
rolled-back one never does; the delivery worker sends them later, outside any request.

A delivery names its event, it does not copy it: the worker reads the envelope from the log
when it sends (services/webhooks/delivery.py), so a redacted event is sent redacted, retries
included, and withdrawn text is not kept in a second table.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Event
from events.registry import ANY_TYPE, registry
from services.webhooks.models import PENDING, WebhookDelivery, WebhookSubscription

CACHE = "webhooks.active"
# Built once, run as Core on the session's connection: every publishing transaction runs it, and
# building the statement and the ORM's handling of it cost several times the query itself. The
# outbox flushes the session before handlers run, so subscriptions added in this transaction count.
_ACTIVE = select(WebhookSubscription.id, WebhookSubscription.topics).where(WebhookSubscription.active.is_(True))


def _active(session: Session) -> list[tuple[int, frozenset[str]]]:
    # Read once per transaction: a batch of events must not query the subscriptions per event.
    if CACHE not in session.info:
        rows = session.connection().execute(_ACTIVE)
        session.info[CACHE] = [(sub_id, frozenset(topics)) for sub_id, topics in rows]
    cached: list[tuple[int, frozenset[str]]] = session.info[CACHE]
    return cached


@registry.handler(ANY_TYPE)
def queue_deliveries(session: Session, event: Event) -> None:
    """One pending delivery of the event per matching subscription."""
    subscriptions = _active(session)
    topics = set(event.topics)
    matching = [sub_id for sub_id, followed in subscriptions if topics & followed]
    if not matching:
        return
    for subscription_id in matching:
        session.add(
            WebhookDelivery(
                subscription_id=subscription_id,
                event_id=event.id,
                event_type=event.type,
                status=PENDING,
                attempts=0,
                next_attempt_at=event.occurred_at,
                created_at=event.occurred_at,
            )
        )
