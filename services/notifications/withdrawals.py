"""Withdrawn content leaves the inbox too: a hidden or deleted post, retracted news.

A notification's summary is an excerpt of what it is about. When that content is withdrawn,
these handlers (in the withdrawing transaction, reacting to the other services' events) empty
the summaries of the notifications it caused, redact their `notification.created` events and
cancel their mails that have not gone out yet (a sent mail keeps no text: its params are emptied).

A member who may no longer read a space (removed, the space narrowed, another role) keeps the
inbox rows, shown without their summary while out of reach (`inbox.within_reach`); but their
`notification.created` events, which a replay of `user.<id>` would hand out again, are redacted,
and their items leave the mails not sent yet.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Event, redact, utcnow
from events.registry import registry
from services.identity import Member, user_topic
from services.mail import withdraw_items
from services.notifications.inbox import within_reach
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


def withdraw_out_of_reach(session: Session, *, space: str | None = None, member_id: int | None = None) -> list[int]:
    """Redact the `notification.created` events of notifications (about `space`, of `member_id`) now out of reach.

    Returns the ids of the notifications concerned; their rows are left as they are.
    """
    query = select(Notification).where(Notification.redacted_at.is_(None))
    if member_id is not None:
        query = query.where(Notification.member_id == member_id)
    if space is not None:
        query = query.where(Notification.subject["space"].as_string() == space)
    by_member: dict[int, list[Notification]] = defaultdict(list)
    for note in session.scalars(query.order_by(Notification.id)):
        if "thread_id" in note.subject:  # about a forum space (news name their audience `space` too)
            by_member[note.member_id].append(note)
    lost: list[int] = []
    for owner_id, notes in sorted(by_member.items()):
        member = session.get(Member, owner_id)
        ids = [n.id for n in notes if member is None or not within_reach(session, member, n)]
        if ids:
            redact(session, ("notification.created",), "notification_id", ids, topic=user_topic(owner_id))
            lost.extend(ids)
    withdraw_items(session, key="notification_id", values=lost)
    return lost


@registry.handler("space.member_removed")
def on_member_removed(session: Session, event: Event) -> None:
    """A member left a space: what their inbox said of it is no longer replayed to them."""
    withdraw_out_of_reach(session, space=event.data["space"], member_id=event.data["member_id"])


@registry.handler("space.visibility_changed")
def on_visibility_changed(session: Session, event: Event) -> None:
    """A space was narrowed: whoever lost it is no longer replayed what their inbox said of it."""
    withdraw_out_of_reach(session, space=event.data["space"])


@registry.handler("member.role_changed")
def on_role_changed(session: Session, event: Event) -> None:
    """A member's new role may close spaces to them (a partner loses the members-only ones)."""
    withdraw_out_of_reach(session, member_id=event.data["member_id"])
