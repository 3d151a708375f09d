"""Withdrawn content leaves the inbox too: a hidden or deleted post, retracted news.

A notification's summary is an excerpt of what it is about. When that content is withdrawn,
these handlers (in the withdrawing transaction, reacting to the other services' events) empty
the summaries of the notifications it caused, redact their `notification.created` events and
cancel their mails that have not gone out yet (a sent mail keeps no text: its params are emptied).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Event, redact, utcnow
from events.registry import registry
from services.identity import user_topic
from services.mail import withdraw_items
from services.notifications.models import DROPPED, WAITING, Notification

# Which notifications carry an excerpt of what: (event types that caused them, subject key).
POST_EXCERPTS = (("thread.created", "post.created"), "post_id")
NEWS_EXCERPTS = (("news.published", "news.updated"), "news_id")


def withdraw(session: Session, event_types: tuple[str, ...], key: str, value: int) -> list[int]:
    """Empty the summaries of notifications caused by `event_types` about `subject[key] == value`.

    Their `notification.created` events are redacted (one topic at a time, through the topic
    index). Returns the ids of the notifications withdrawn.
    """
    notes = list(
        session.scalars(
            select(Notification).where(
                Notification.event_type.in_(event_types),
                Notification.subject[key].as_integer() == value,
                Notification.redacted_at.is_(None),
            )
        )
    )
    now = utcnow()
    by_member: dict[int, list[int]] = defaultdict(list)
    for note in notes:
        note.summary, note.redacted_at = "", now
        if note.mail_state == WAITING:
            note.mail_state = DROPPED
        by_member[note.member_id].append(note.id)
    for member_id, ids in sorted(by_member.items()):
        redact(session, ("notification.created",), "notification_id", ids, topic=user_topic(member_id))
    withdrawn = [note.id for note in notes]
    withdraw_items(session, key="notification_id", values=withdrawn)  # from mails not sent yet
    return withdrawn


@registry.handler("post.hidden")
@registry.handler("post.deleted")
def on_post_withdrawn(session: Session, event: Event) -> None:
    """A post was hidden or deleted: the mentions, replies and follows it caused lose its excerpt."""
    withdraw(session, *POST_EXCERPTS, event.data["post_id"])


@registry.handler("news.retracted")
def on_news_retracted(session: Session, event: Event) -> None:
    """A news item was retracted: the project followers' notifications lose its title."""
    withdraw(session, *NEWS_EXCERPTS, event.data["news_id"])
