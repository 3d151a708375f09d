"""The bus handlers that turn events into notifications (in the publishing transaction).

Each event yields at most one notification per member, of the most specific kind:
mention > reply > followed thread > followed space. Posting in a thread follows it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from events import Event
from events.registry import ANY_TYPE, registry
from services.html import excerpt
from services.notifications.events import NotificationKind
from services.notifications.follows import ensure_following, followers
from services.notifications.inbox import deliver
from services.spaces import get_space

EXCERPT_CHARS = 160


def _who(event: Event) -> str:
    return (event.actor.name if event.actor else None) or "Someone"


@registry.handler("thread.created")
def on_thread_created(session: Session, event: Event) -> None:
    """Mentions, and followers of the space, hear of a new thread; its author follows it."""
    data = event.data
    ensure_following(session, data["author_id"], "thread", str(data["thread_id"]))
    recipients: dict[int, NotificationKind] = {}
    for member_id in data["mentions"]:
        recipients.setdefault(member_id, "mention")
    for member_id in followers(session, "space", data["space"]):
        recipients.setdefault(member_id, "new_thread")
    deliver(
        session,
        event,
        recipients,
        summary=f"{_who(event)}: {data['title']} — {excerpt(data['body'], EXCERPT_CHARS)}",
        subject={"space": data["space"], "thread_id": data["thread_id"], "post_id": data["post_id"]},
        space=get_space(session, data["space"]),
    )


@registry.handler("post.created")
def on_post_created(session: Session, event: Event) -> None:
    """Mentions, the author replied to, followers of the thread and of the space."""
    data = event.data
    ensure_following(session, data["author_id"], "thread", str(data["thread_id"]))
    recipients: dict[int, NotificationKind] = {}
    for member_id in data["mentions"]:
        recipients.setdefault(member_id, "mention")
    if data["reply_to_author_id"] is not None:
        recipients.setdefault(data["reply_to_author_id"], "reply")
    for member_id in followers(session, "thread", str(data["thread_id"])):
        recipients.setdefault(member_id, "thread_post")
    for member_id in followers(session, "space", data["space"]):
        recipients.setdefault(member_id, "space_post")
    deliver(
        session,
        event,
        recipients,
        summary=f"{_who(event)}: {excerpt(data['body'], EXCERPT_CHARS)}",
        subject={"space": data["space"], "thread_id": data["thread_id"], "post_id": data["post_id"]},
        space=get_space(session, data["space"]),
    )


def _title(data: dict[str, Any]) -> str:
    title = data.get("title")
    if isinstance(title, dict) and title:
        return str(title.get("en") or title.get("de") or next(iter(title.values())))
    return str(title) if title else ""


@registry.handler("call.reminder")
def on_call_reminder(session: Session, event: Event) -> None:
    """Followers of a call hear its deadline reminders (the calls service publishes them)."""
    call_id = event.data.get("call_id")
    if not isinstance(call_id, int):
        return
    recipients: dict[int, NotificationKind] = dict.fromkeys(followers(session, "call", str(call_id)), "call_reminder")
    deliver(
        session,
        event,
        recipients,
        summary=_title(event.data) or f"Reminder for call {call_id}",
        subject={"call_id": call_id},
    )


@registry.handler(ANY_TYPE)
def on_project_activity(session: Session, event: Event) -> None:
    """Whatever is published on `project.<id>` reaches the project's followers."""
    projects = [t.partition(".")[2] for t in event.topics if t.startswith("project.")]
    recipients: dict[int, NotificationKind] = {}
    project_id = None
    for key in projects:
        for member_id in followers(session, "project", key):
            recipients.setdefault(member_id, "project_activity")
            project_id = project_id or int(key)
    if recipients:
        summary = _title(event.data) or event.type
        deliver(session, event, recipients, summary=summary, subject={"project_id": project_id})
