"""Event types of the forum, with their typed data, and the `thread.<id>` topic rule.

Every forum event goes to `space.<slug>` and `thread.<id>`; `flag.raised` goes to `moderation`
only (flags are not for the flagged author's eyes), `post.hidden` to all three.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from events import EventData, described, event_type
from events.topics import Caller, numeric_id, policy
from services.database import reading
from services.fields import Language
from services.forum.models import Thread
from services.spaces import Space, read_refusal

ReactionKind = Literal["like", "thanks", "agree", "idea"]
REACTIONS: tuple[ReactionKind, ...] = get_args(ReactionKind)
IN_THREAD = ("space.<slug>", "thread.<id>")


def space_topic(slug: str) -> str:
    """The topic of a space."""
    return f"space.{slug}"


def thread_topic(thread_id: int) -> str:
    """The topic of a thread."""
    return f"thread.{thread_id}"


class InThread(EventData):
    """What every forum event carries: where it happened."""

    space: str = described("slug of the space")
    thread_id: int


@event_type("thread.created", topics=IN_THREAD)
class ThreadCreated(InThread):
    """A thread was opened with its first post."""

    title: str
    post_id: int
    author_id: int
    language: Language
    body: str = described("sanitised HTML")
    mentions: tuple[int, ...] = described("ids of the mentioned members")
    created_at: datetime


@event_type("post.created", topics=IN_THREAD)
class PostCreated(InThread):
    """A reply was posted in a thread (to the thread, or to the post `parent_id`)."""

    post_id: int
    parent_id: int | None
    reply_to_author_id: int | None = described("author of the parent post or thread")
    author_id: int
    language: Language
    body: str = described("sanitised HTML")
    mentions: tuple[int, ...] = described("ids of the mentioned members")
    created_at: datetime


@event_type("post.edited", topics=IN_THREAD)
class PostEdited(InThread):
    """A post was edited: its new text (the earlier one is kept in its history)."""

    post_id: int
    language: Language
    body: str = described("sanitised HTML")
    revisions: int = described("earlier versions kept")
    edited_at: datetime


@event_type("post.hidden", topics=(*IN_THREAD, "moderation"))
class PostHidden(InThread):
    """A moderator hid a post; clients that show it withdraw it."""

    post_id: int
    reason: str | None
    hidden_at: datetime


@event_type("thread.locked", topics=IN_THREAD)
class ThreadLocked(InThread):
    """A thread was locked (`locked: true`) or unlocked."""

    locked: bool


@event_type("thread.pinned", topics=IN_THREAD)
class ThreadPinned(InThread):
    """A thread was pinned (`pinned: true`) or unpinned."""

    pinned: bool


@event_type("reaction.added", topics=IN_THREAD)
class ReactionAdded(InThread):
    """A member reacted to a post."""

    post_id: int
    member_id: int
    kind: ReactionKind
    count: int = described("reactions of this kind on the post now")


@event_type("flag.raised", topics=("moderation",))
class FlagRaised(InThread):
    """A member flagged a post for the moderators (only on `moderation`: not for the author's eyes)."""

    flag_id: int
    post_id: int
    reason: str
    excerpt: str = described("the post's text, shortened")
    flags: int = described("flags on this post now")


def _thread_topic_refusal(caller: Caller, arg: str) -> str | None:
    with reading() as session:
        thread = session.get(Thread, int(arg))
        space = session.get(Space, thread.space_id) if thread is not None else None
        if space is None:
            return "unknown topic"
        return read_refusal(session, caller, space)


policy.family("thread", numeric_id(_thread_topic_refusal))
