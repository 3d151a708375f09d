"""Event types of the forum, with their data schemas, and the `thread.<id>` topic rule.

Every forum event goes to `space.<slug>` and `thread.<id>`; `flag.raised` goes to `moderation`
only (flags are not for the flagged author's eyes), `post.hidden` to all three.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from events.registry import registry
from events.topics import Caller, numeric_id, policy
from services.database import reading
from services.fields import UtcTimestamp
from services.forum.models import Thread
from services.spaces import Space, read_refusal

LANGUAGES = ("de", "en")
REACTIONS = ("like", "thanks", "agree", "idea")


def space_topic(slug: str) -> str:
    """The topic of a space."""
    return f"space.{slug}"


def thread_topic(thread_id: int) -> str:
    """The topic of a thread."""
    return f"thread.{thread_id}"


class _InThread(Schema):
    space = fields.String(required=True, metadata={"description": "slug of the space"})
    thread_id = fields.Integer(required=True, strict=True)


class ThreadCreatedData(_InThread):
    """`thread.created`: a thread was opened with its first post."""

    title = fields.String(required=True)
    post_id = fields.Integer(required=True, strict=True)
    author_id = fields.Integer(required=True, strict=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    body = fields.String(required=True, metadata={"description": "sanitised HTML"})
    mentions = fields.List(fields.Integer(strict=True), required=True)
    created_at = UtcTimestamp(required=True)


class PostCreatedData(_InThread):
    """`post.created`: a reply in a thread (to the thread, or to `parent_id`)."""

    post_id = fields.Integer(required=True, strict=True)
    parent_id = fields.Integer(required=True, strict=True, allow_none=True)
    reply_to_author_id = fields.Integer(
        required=True, strict=True, allow_none=True, metadata={"description": "author of the parent post or thread"}
    )
    author_id = fields.Integer(required=True, strict=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    body = fields.String(required=True)
    mentions = fields.List(fields.Integer(strict=True), required=True)
    created_at = UtcTimestamp(required=True)


class PostEditedData(_InThread):
    """`post.edited`: a post's new text (the earlier one is kept in its history)."""

    post_id = fields.Integer(required=True, strict=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    body = fields.String(required=True)
    revisions = fields.Integer(required=True, strict=True)
    edited_at = UtcTimestamp(required=True)


class PostHiddenData(_InThread):
    """`post.hidden`: a moderator hid a post; clients that show it withdraw it."""

    post_id = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True, allow_none=True)
    hidden_at = UtcTimestamp(required=True)


class ThreadLockedData(_InThread):
    """`thread.locked`: a thread was locked (`locked: true`) or unlocked."""

    locked = fields.Boolean(required=True)


class ThreadPinnedData(_InThread):
    """`thread.pinned`: a thread was pinned (`pinned: true`) or unpinned."""

    pinned = fields.Boolean(required=True)


class ReactionAddedData(_InThread):
    """`reaction.added`: a member reacted to a post."""

    post_id = fields.Integer(required=True, strict=True)
    member_id = fields.Integer(required=True, strict=True)
    kind = fields.String(required=True, validate=validate.OneOf(REACTIONS))
    count = fields.Integer(required=True, strict=True, metadata={"description": "reactions of this kind now"})


class FlagRaisedData(_InThread):
    """`flag.raised` (on `moderation`): a member reported a post."""

    flag_id = fields.Integer(required=True, strict=True)
    post_id = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True)
    excerpt = fields.String(required=True)
    flags = fields.Integer(required=True, strict=True, metadata={"description": "flags on this post now"})


for _name, _schema, _description in (
    ("thread.created", ThreadCreatedData, "a thread was opened with its first post"),
    ("post.created", PostCreatedData, "a reply was posted"),
    ("post.edited", PostEditedData, "a post was edited"),
    ("post.hidden", PostHiddenData, "a moderator hid a post"),
    ("thread.locked", ThreadLockedData, "a thread was locked or unlocked"),
    ("thread.pinned", ThreadPinnedData, "a thread was pinned or unpinned"),
    ("reaction.added", ReactionAddedData, "a member reacted to a post"),
    ("flag.raised", FlagRaisedData, "a member flagged a post for the moderators"),
):
    registry.event_type(_name, _schema, _description)


def _thread_topic_refusal(caller: Caller, arg: str) -> str | None:
    with reading() as session:
        thread = session.get(Thread, int(arg))
        space = session.get(Space, thread.space_id) if thread is not None else None
        if space is None:
            return "unknown topic"
        return read_refusal(session, caller, space)


policy.family("thread", numeric_id(_thread_topic_refusal))
