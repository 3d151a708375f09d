"""Event types of the forum, with their typed data, and the `thread.<id>` topic rule.

Every forum event goes to `space.<slug>` and `thread.<id>`; `flag.raised` and `flag.resolved` go to
`moderation` only (flags are not for the flagged author's eyes); `post.hidden`, `post.unhidden`,
`thread.locked` and `thread.pinned` to all three, so the moderators follow every moderation step.
No text of a post of an invited space goes onto `moderation`, which every moderator follows though
only the invited ones may read it: its `flag.raised` has an empty excerpt, its `post.unhidden`
(the post's text) goes to the space and thread only.

The events that carry a post's text (`POST_CONTENT`, and `flag.raised` with its excerpt) are
redacted when the post is hidden or deleted; `keep` names what they keep besides ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from events import EventData, described, event_type
from events.topics import Caller, numeric_id, policy
from services.database import reading
from services.fields import Language
from services.forum.models import Thread
from services.spaces import Space, topic_refusal

ReactionKind = Literal["like", "thanks", "agree", "idea"]
REACTIONS: tuple[ReactionKind, ...] = get_args(ReactionKind)
FlagOutcome = Literal["dismissed", "acted_on"]
FLAG_OUTCOMES: tuple[FlagOutcome, ...] = get_args(FlagOutcome)
ClosedWith = Literal["post.hidden", "post.deleted"]
IN_THREAD = ("space.<slug>", "thread.<id>")
MODERATED = (*IN_THREAD, "moderation")


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


@event_type("thread.created", topics=IN_THREAD, keep=("created_at",))
class ThreadCreated(InThread):
    """A thread was opened with its first post."""

    title: str
    post_id: int
    author_id: int
    language: Language
    body: str = described("sanitised HTML")
    mentions: tuple[int, ...] = described("ids of the mentioned members")
    created_at: datetime


@event_type("post.created", topics=IN_THREAD, keep=("created_at",))
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


@event_type("post.edited", topics=IN_THREAD, keep=("revisions", "edited_at"))
class PostEdited(InThread):
    """A post was edited: its new text; the events that carried the earlier one are redacted (its history is kept)."""

    post_id: int
    language: Language
    body: str = described("sanitised HTML")
    revisions: int = described("earlier versions kept")
    edited_at: datetime


@event_type("post.hidden", topics=MODERATED, withdraws=True)
class PostHidden(InThread):
    """A moderator hid a post; clients that show it withdraw it."""

    post_id: int
    reason: str | None
    hidden_at: datetime


@event_type("post.unhidden", topics=MODERATED, keep=("created_at", "edited_at", "unhidden_at"))
class PostUnhidden(InThread):
    """A moderator made a hidden post visible again: the post as it is now, text included."""

    post_id: int
    parent_id: int | None
    author_id: int | None = described("null if the author's account was removed")
    language: Language
    body: str = described("sanitised HTML")
    created_at: datetime
    edited_at: datetime | None
    unhidden_at: datetime


@event_type("post.deleted", topics=IN_THREAD, withdraws=True)
class PostDeleted(InThread):
    """A post was deleted by its author or a moderator; clients that show it withdraw its text."""

    post_id: int
    by_author: bool = described("true if its author deleted it, false if a moderator did")
    deleted_at: datetime


@event_type("thread.locked", topics=MODERATED)
class ThreadLocked(InThread):
    """A thread was locked (`locked: true`) or unlocked."""

    locked: bool


@event_type("thread.pinned", topics=MODERATED)
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


@event_type("flag.raised", topics=("moderation",), keep=("flags",))
class FlagRaised(InThread):
    """A member flagged a post for the moderators (only on `moderation`: not for the author's eyes)."""

    flag_id: int
    post_id: int
    reason: str = described("the reporter's words; empty for a post of an invited space")
    excerpt: str = described("the post's text, shortened; empty for a post of an invited space")
    flags: int = described("flags on this post now")


@event_type("flag.resolved", topics=("moderation",))
class FlagResolved(InThread):
    """A post's open flags were resolved: by a moderator (`closed_with` null), or with the post hidden or deleted."""

    post_id: int
    flag_ids: tuple[int, ...] = described("the flags resolved now")
    outcome: FlagOutcome = described("dismissed: nothing wrong; acted_on: the moderators acted on it")
    reason: str | None = described("the moderator's note, if any")
    closed_with: ClosedWith | None = described("the step that closed them with their post, if not a resolution")
    resolved_at: datetime


# The events whose data carries a post's text, on the post's thread topic (selected by `post_id`;
# `thread.created` carries the thread's first post).
POST_CONTENT = ("thread.created", "post.created", "post.edited", "post.unhidden")


def _thread_topic_refusal(caller: Caller, arg: str) -> str | None:
    with reading() as session:
        thread = session.get(Thread, int(arg))
        space = session.get(Space, thread.space_id) if thread is not None else None
        if space is None:
            return "unknown topic"
        # A thread of an invited space is as unknown to a member outside it as the space (REST: 404).
        return topic_refusal(session, caller, space)


policy.family("thread", numeric_id(_thread_topic_refusal))
