"""Follows and notifications: a handler on the bus fills each member's inbox, pushed on `user.<id>`."""

from services.notifications import digests, events, handlers, withdrawals  # noqa: F401  (registers types and handlers)
from services.notifications.digests import queue_digests
from services.notifications.follows import follow, followers, list_follows, unfollow
from services.notifications.inbox import (
    count_notifications,
    inbox_count,
    list_notifications,
    mark_all_read,
    mark_read,
    unread_count,
)
from services.notifications.missed import DEFAULT_DELAY as DEFAULT_MISSED_DELAY
from services.notifications.missed import queue_missed
from services.notifications.models import FOLLOW_KINDS, Follow, Notification
from services.notifications.privacy import export_notifications

__all__ = [
    "DEFAULT_MISSED_DELAY",
    "FOLLOW_KINDS",
    "Follow",
    "Notification",
    "count_notifications",
    "inbox_count",
    "export_notifications",
    "follow",
    "followers",
    "list_follows",
    "list_notifications",
    "queue_digests",
    "queue_missed",
    "mark_all_read",
    "mark_read",
    "unfollow",
    "unread_count",
]
