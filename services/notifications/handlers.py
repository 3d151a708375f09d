"""The bus handlers that turn events into notifications (in the publishing transaction).

Each event yields at most one notification per member, of the most specific kind:
mention > reply > followed thread > followed space. Posting in a thread follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import Event
from events.registry import ANY_TYPE, REDACTED, is_id_key, registry
from services.html import excerpt, text_paragraphs
from services.identity import Member, wants_mail
from services.mail import queue_mail
from services.notifications.events import NotificationKind
from services.notifications.follows import ensure_following, followers
from services.notifications.inbox import deliver
from services.spaces import get_space

EXCERPT_CHARS = 160


# What a notification says, per recipient language and kind; `{who}` acted, `{text}` is the excerpt.
PHRASES: dict[str, dict[str, str]] = {
    "de": {
        "someone": "Jemand",
        "mention": "{who} hat Sie erwähnt: {text}",
        "reply": "{who} hat Ihnen geantwortet: {text}",
        "new_thread": "{who} hat ein neues Thema eröffnet: {text}",
        "thread_post": "{who} schrieb: {text}",
        "space_post": "{who} schrieb: {text}",
        "call_reminder": "Erinnerung: {text}",
        "call_reminder_untitled": "Erinnerung an Ausschreibung {text}",
        "project_activity": "Projekt: {text}",
        "announcement": "Mitteilung: {text}",
    },
    "en": {
        "someone": "Someone",
        "mention": "{who} mentioned you: {text}",
        "reply": "{who} replied to you: {text}",
        "new_thread": "{who} started a new thread: {text}",
        "thread_post": "{who} wrote: {text}",
        "space_post": "{who} wrote: {text}",
        "call_reminder": "Reminder: {text}",
        "call_reminder_untitled": "Reminder for call {text}",
        "project_activity": "Project: {text}",
        "announcement": "Announcement: {text}",
    },
}
Summary = Callable[[str, NotificationKind], str]


def _phrased(event: Event, text: Callable[[str], str]) -> Summary:
    """The summary in the recipient's language, worded for why they are notified."""

    def summary(language: str, kind: NotificationKind) -> str:
        phrases = PHRASES.get(language, PHRASES["de"])
        who = (event.actor.name if event.actor else None) or phrases["someone"]
        return phrases[kind].format(who=who, text=text(language))

    return summary


@registry.handler("thread.created")
def on_thread_created(session: Session, event: Event) -> None:
    """Mentions, and followers of the space, hear of a new thread; its author follows it."""
    data = event.data
    if data.get(REDACTED):  # withdrawn in the transaction that posted it: nothing to tell anyone
        return
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
        summary=_phrased(event, lambda _language: f"{data['title']} — {excerpt(data['body'], EXCERPT_CHARS)}"),
        subject={"space": data["space"], "thread_id": data["thread_id"], "post_id": data["post_id"]},
        space=get_space(session, data["space"]),
    )


@registry.handler("post.created")
def on_post_created(session: Session, event: Event) -> None:
    """Mentions, the author replied to, followers of the thread and of the space."""
    data = event.data
    if data.get(REDACTED):  # withdrawn in the transaction that posted it: nothing to tell anyone
        return
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
        summary=_phrased(event, lambda _language: excerpt(data["body"], EXCERPT_CHARS)),
        subject={"space": data["space"], "thread_id": data["thread_id"], "post_id": data["post_id"]},
        space=get_space(session, data["space"]),
    )


def localized_title(data: dict[str, Any], language: str) -> str:
    """The event's title in `language`, else in another one."""
    title = data.get("title")
    if isinstance(title, dict) and title:
        return str(title.get(language) or title.get("de") or title.get("en") or next(iter(title.values())))
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
        summary=lambda language, _kind: (
            PHRASES.get(language, PHRASES["de"])["call_reminder"].format(text=localized_title(event.data, language))
            if localized_title(event.data, language)
            else PHRASES.get(language, PHRASES["de"])["call_reminder_untitled"].format(text=call_id)
        ),
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
        # The subject names what it is about by its ids (`news_id` ...), so a withdrawal finds it.
        subject = {k: v for k, v in event.data.items() if is_id_key(k) and isinstance(v, int | str)}
        deliver(
            session,
            event,
            recipients,
            summary=lambda language, _kind: PHRASES.get(language, PHRASES["de"])["project_activity"].format(
                text=localized_title(event.data, language) or event.type
            ),
            subject={**subject, "project_id": project_id},
        )


@registry.handler("announcement.broadcast")
def on_announcement(session: Session, event: Event) -> None:
    """Every active member's inbox gets the announcement; mailed too if the admin chose so."""
    data = event.data
    everyone = session.scalars(select(Member.id).where(Member.active.is_(True)))
    recipients: dict[int, NotificationKind] = dict.fromkeys(everyone, "announcement")
    made = deliver(
        session,
        event,
        recipients,
        summary=lambda language, kind: PHRASES.get(language, PHRASES["de"])[kind].format(
            text=localized_title(data, language)
        ),
        subject={"announcement_id": data["announcement_id"]},
        mail_if_missed=False,  # mailed now or never: the admin chose
    )
    if not data.get("email"):
        return
    for _note, member in made:
        if wants_mail(member, "announcement"):
            body = data["body"].get(member.language) or data["body"].get("de") or next(iter(data["body"].values()))
            queue_mail(
                session,
                to=member.email,
                kind="announcement",
                language=member.language,
                params={
                    "title": localized_title(data, member.language),
                    "body": text_paragraphs(body),
                    "path": f"/announcements/{data['announcement_id']}",
                },
                member_id=member.id,
                list_kind="announcement",
                ref=f"announcement:{data['announcement_id']}",
            )
