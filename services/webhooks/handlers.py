"""Queue a delivery for every active subscription that follows one of an event's topics.

Runs in the publishing transaction, so a committed event always has its deliveries queued and a
rolled-back one never does; the delivery worker sends them later, outside any request.

A delivery names its event, it does not copy it: the worker reads the envelope from the log
when it sends (services/webhooks/delivery.py), so a redacted event is sent redacted, retries
included, and withdrawn text is not kept in a second table.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from events import Event
from events.registry import ANY_TYPE, registry
from services.webhooks.models import PENDING, WebhookDelivery, WebhookSubscription

CACHE = "webhooks.active"
# Every publishing transaction runs this query, so it goes to the DBAPI cursor directly: through
# Core (execution context, result, type processing) it cost more than the rest of a one-event
# publish's own Python work, for a query that reads a few rows. Plain SQL that SQLite and
# PostgreSQL both take; the JSON column comes back as text from SQLite and decoded from psycopg.
# The outbox flushes the session before handlers run, so subscriptions added in this transaction count.
_ACTIVE = f"SELECT id, topics FROM {WebhookSubscription.__tablename__} WHERE active"


def _active(session: Session) -> list[tuple[int, frozenset[str]]]:
    # Read once per transaction: a batch of events must not query the subscriptions per event.
    if CACHE not in session.info:
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute(_ACTIVE)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        session.info[CACHE] = [
            (sub_id, frozenset(json.loads(topics) if isinstance(topics, str) else topics)) for sub_id, topics in rows
        ]
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
