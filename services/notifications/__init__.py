"""Follows and notifications: a handler on the bus fills each member's inbox, pushed on `user.<id>`."""

from services.notifications import events, handlers, withdrawals  # noqa: F401  (registers types and handlers)
from services.notifications.follows import follow, followers, list_follows, unfollow
from services.notifications.inbox import (
    count_notifications,
    list_notifications,
    mark_all_read,
    mark_read,
    unread_count,
)
from services.notifications.models import FOLLOW_KINDS, Follow, Notification

__all__ = [
    "FOLLOW_KINDS",
    "Follow",
    "Notification",
    "count_notifications",
    "follow",
    "followers",
    "list_follows",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "unfollow",
    "unread_count",
]
