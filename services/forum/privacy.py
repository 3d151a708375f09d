"""Data rights in the forum: a member's posts, threads, reactions and flags exported, and erased.

On `member.erased` (in the erasing transaction) the member's reactions and flags go, mentions of
their handle in other members' posts become `@former-member`, and, if they chose `erase`, each of
their posts becomes a tombstone: no text, no history, its events redacted, a `post.deleted` for
the clients (so threads still read cleanly, with a deleted post where theirs was). Threads they
opened keep their replies under a neutral title. With `keep`, their posts stay as they are,
attributed to the tombstone account ("Former member").
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from events import Caller, Event, isoformat_z, redact, utcnow
from events.registry import registry
from services.forum.commands import (
    ID_BATCH,
    _check_language,
    _publish_in_thread,
    _redact_post_content,
    _space_of,
    _withdraw_posts,
)
from services.forum.events import PostEdited
from services.forum.models import Flag, Post, PostMention, PostRevision, Reaction, Thread
from services.forum.queries import state_of
from services.identity import FORMER_HANDLE, erased_profile, require_self_or_admin
from services.spaces import Space

# What an erased member's threads are called (a mention of them reads as identity's FORMER_HANDLE).
ERASED_TITLE = "[removed]"


def _time(moment: Any) -> str | None:
    return isoformat_z(moment) if moment is not None else None


def export_forum(session: Session, caller: Caller, member_id: int) -> dict[str, Any]:
    """The forum's part of a member's data export: posts with their revisions, threads opened, reactions, flags."""
    require_self_or_admin(caller, member_id)
    posts = list(session.scalars(select(Post).where(Post.author_id == member_id).order_by(Post.id)))
    ids = [p.id for p in posts]
    revisions: dict[int, list[dict[str, Any]]] = {}
    for rev in session.scalars(select(PostRevision).where(PostRevision.post_id.in_(ids)).order_by(PostRevision.id)):
        revisions.setdefault(rev.post_id, []).append(
            {"language": rev.language, "body": rev.body, "written_at": _time(rev.written_at)}
        )
    threads = list(session.scalars(select(Thread).where(Thread.author_id == member_id).order_by(Thread.id)))
    in_threads = {p.thread_id for p in posts} | {t.id for t in threads}
    spaces: dict[int, str] = {
        thread_id: slug
        for thread_id, slug in session.execute(
            select(Thread.id, Space.slug).join(Space, Space.id == Thread.space_id).where(Thread.id.in_(in_threads))
        )
    }
    reactions = session.scalars(select(Reaction).where(Reaction.member_id == member_id).order_by(Reaction.id))
    flags = session.scalars(select(Flag).where(Flag.member_id == member_id).order_by(Flag.id))
    return {
        "posts": [
            {
                "id": p.id,
                "thread_id": p.thread_id,
                "space": spaces.get(p.thread_id),
                "parent_id": p.parent_id,
                "language": p.language,
                "state": state_of(p),
                "body": p.body,
                "created_at": _time(p.created_at),
                "edited_at": _time(p.edited_at),
                "revisions": revisions.get(p.id, []),
            }
            for p in posts
        ],
        "threads": [
            {"id": t.id, "space": spaces.get(t.id), "title": t.title, "created_at": _time(t.created_at)}
            for t in threads
        ],
        "reactions": [{"post_id": r.post_id, "kind": r.kind, "created_at": _time(r.created_at)} for r in reactions],
        "flags": [
            {"id": f.id, "post_id": f.post_id, "reason": f.reason, "created_at": _time(f.created_at)} for f in flags
        ],
    }


def threads_started_by(session: Session, member_id: int) -> list[int]:
    """The ids of the threads `member_id` opened (for the search index after an erasure)."""
    return list(session.scalars(select(Thread.id).where(Thread.author_id == member_id).order_by(Thread.id)))


@registry.handler("member.erased")
def on_member_erased(session: Session, event: Event) -> None:
    """Remove what the forum holds about an erased member (their posts too, if they chose `erase`)."""
    member_id: int = event.data["member_id"]
    actor = event.actor or Caller()
    session.execute(delete(Reaction).where(Reaction.member_id == member_id))
    flags = list(session.scalars(select(Flag.id).where(Flag.member_id == member_id)))
    if flags:  # a flag's reason is the member's words
        redact(session, ("flag.raised",), "flag_id", flags, topic="moderation")
        session.execute(delete(Flag).where(Flag.id.in_(flags)))
    _forget_mentions(session, member_id, actor)
    if event.data["posts"] == "erase":
        _erase_posts(session, member_id, actor)


def _forget_mentions(session: Session, member_id: int, actor: Caller) -> None:
    """Other members' posts that @mention the erased member's handle read `@former-member` from now on."""
    former = erased_profile(session, member_id)
    if former is None:
        return
    mention = re.compile(rf"(?<![\w.@/])@{re.escape(former.handle)}(?![\w-])", re.IGNORECASE)
    mentioning = select(PostMention.post_id).where(PostMention.member_id == member_id)
    posts = session.scalars(
        select(Post).where(Post.id.in_(mentioning), or_(Post.author_id.is_(None), Post.author_id != member_id))
    )
    now = utcnow()
    for post in posts:
        history = list(session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)))
        for revision in history:
            revision.body = mention.sub("@" + FORMER_HANDLE, revision.body)
        body = mention.sub("@" + FORMER_HANDLE, post.body)
        if body == post.body:
            continue
        post.body = body
        # The events that carried the old text go; readers get the new text as an edit.
        _redact_post_content(session, [post])
        if state_of(post) != "visible":
            continue
        post.edited_at = now
        thread = session.get(Thread, post.thread_id)
        assert thread is not None
        _publish_in_thread(
            session,
            PostEdited(
                space=_space_of(session, thread).slug,
                thread_id=thread.id,
                post_id=post.id,
                language=_check_language(post.language),
                body=body,
                revisions=len(history),
                edited_at=now,
            ),
            actor=actor,
        )


def _erase_posts(session: Session, member_id: int, actor: Caller) -> None:
    """Every post of the member becomes a tombstone without text or history; their threads lose their title."""
    posts = list(session.scalars(select(Post).where(Post.author_id == member_id).order_by(Post.id)))
    ids = [p.id for p in posts]
    for start in range(0, len(ids), ID_BATCH):
        batch = ids[start : start + ID_BATCH]
        session.execute(delete(PostRevision).where(PostRevision.post_id.in_(batch)))
        session.execute(delete(PostMention).where(PostMention.post_id.in_(batch)))
    for post in posts:
        post.body = ""
    # Posts deleted earlier had their events redacted then: once more (a no-op search) so that the
    # erasure's promise does not rest on that history.
    _redact_post_content(session, [p for p in posts if p.deleted_at is not None])
    # The others are deleted as their author deletes a post (delete_post), all at once.
    _withdraw_posts(
        session, [p for p in posts if p.deleted_at is None], deleted_by=member_id, by_author=True, actor=actor
    )
    for thread in session.scalars(select(Thread).where(Thread.author_id == member_id)):
        thread.title = ERASED_TITLE
