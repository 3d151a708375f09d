"""Event types of the inbox: both go to the member's own `user.<id>` topic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from events import EventData, described, event_type

NotificationKind = Literal[
    "mention", "reply", "new_thread", "thread_post", "space_post", "project_activity", "call_reminder", "announcement"
]


# Redacted when what it is about is withdrawn: the summary goes; kind, ids and the count stay.
@event_type("notification.created", topics=("user.<id>",), keep=("kind", "event_type", "subject", "unread_count"))
class NotificationCreated(EventData):
    """A new inbox entry for the member of the topic."""

    notification_id: int
    kind: NotificationKind
    event_id: int = described("the event that caused it")
    event_type: str
    summary: str
    subject: Mapping[str, Any] = described("ids of what it is about: space, thread_id, post_id, call_id ...")
    unread_count: int


@event_type("notification.read", topics=("user.<id>",))
class NotificationRead(EventData):
    """Inbox entries were marked read (one, or all up to `up_to`)."""

    notification_ids: tuple[int, ...]
    up_to: int | None
    unread_count: int
