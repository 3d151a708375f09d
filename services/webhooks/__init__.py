"""Webhooks: partner systems receive each event of their topics as a signed POST, in order, retried."""

from services.webhooks import events, handlers  # noqa: F401  (event types; queues deliveries for every committed event)
from services.webhooks.commands import create_subscription, deactivate_subscription, retry_delivery
from services.webhooks.delivery import DeliveryPolicy, deliver_due, sign
from services.webhooks.models import (
    CANCELLED,
    DELIVERED,
    FAILED,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from services.webhooks.queries import (
    backlog,
    count_deliveries,
    delivered_count,
    get_subscription,
    list_deliveries,
    list_subscriptions,
    status_counts,
)

__all__ = [
    "CANCELLED",
    "DELIVERED",
    "FAILED",
    "PENDING",
    "DeliveryPolicy",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "backlog",
    "count_deliveries",
    "create_subscription",
    "deactivate_subscription",
    "deliver_due",
    "delivered_count",
    "get_subscription",
    "list_deliveries",
    "list_subscriptions",
    "retry_delivery",
    "sign",
    "status_counts",
]
