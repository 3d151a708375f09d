"""Event types of webhook subscriptions, on the acting admin's (or the owner's) `user.<id>` (like invitations).

They carry no URL and no secret: an endpoint's address may embed credentials.
"""

from __future__ import annotations

from events import EventData, described, event_type


@event_type("webhook.created", topics=("user.<id>",))
class WebhookCreated(EventData):
    """An admin registered a webhook endpoint for some topics."""

    webhook_id: int
    topics: tuple[str, ...] = described("the topics it receives")


@event_type("webhook.deactivated", topics=("user.<id>",))
class WebhookDeactivated(EventData):
    """A webhook subscription was deactivated (deleted); its queued deliveries are cancelled."""

    webhook_id: int
    reason: str = described("'' if an admin deactivated it; else why: its owner may no longer follow its topics")
