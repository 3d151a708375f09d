"""A webhook sends only what its owner may still follow: asked again before every send.

An admin registers a webhook for topics they may follow (`create_subscription`). Who may read what
changes afterwards: the owner is no longer an admin (editors and moderators do not read invited
spaces; only moderators and admins follow `moderation`), is deactivated or erased. So the worker
asks again before each send, on the committed state: a webhook whose owner may no longer own it
or follow each of its topics is deactivated (`webhook.deactivated` with the reason, on the owner's
own topic), and what it has queued is cancelled, never sent.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import Caller, policy
from services.database import one_reading
from services.identity import ADMIN, Member, caller_of
from services.webhooks.commands import stop_deliveries
from services.webhooks.models import CANCELLED, WebhookDelivery, WebhookSubscription

NO_OWNER = "its owner is no longer an active admin"


def owner_caller(session: Session, subscription: WebhookSubscription) -> Caller | None:
    """The subscription's owner as a caller; None if nobody may own it any more (gone, deactivated, not an admin)."""
    member = session.get(Member, subscription.owner_id) if subscription.owner_id is not None else None
    if member is None or not member.active or member.role != ADMIN:
        return None
    return caller_of(member)


def owner_lost_access(session: Session, subscription: WebhookSubscription) -> str | None:
    """None if the owner may still own `subscription` and follow each of its topics, else why not."""
    owner = owner_caller(session, subscription)
    if owner is None:
        return NO_OWNER
    with one_reading():  # the topics' rules share one read session
        _granted, denied = policy.authorize(owner, subscription.topics)
    return "; ".join(f"its owner may no longer follow {d['topic']} ({d['reason']})" for d in denied) or None


def why_not_send(session: Session, subscription: WebhookSubscription, delivery: WebhookDelivery) -> str | None:
    """None if `delivery` may go out; else why not (the webhook is deactivated, the delivery cancelled)."""
    reason = owner_lost_access(session, subscription) if subscription.active else "the webhook is deactivated"
    if reason is None:
        return None
    if subscription.active:
        stop_deliveries(session, subscription, actor=None, reason=reason)
    delivery.status = CANCELLED
    return f"not sent: {reason}"
