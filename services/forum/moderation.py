"""What the moderators work from: the flag queue grouped by post, and a member's moderation history.

Both read the forum's tables (and the audit table), never the event log: retention prunes the
log, and a queue or a history that forgot a month-old flag would be wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from events import Caller
from services.audit import AuditView, entries_about
from services.forum.access import require_moderator
from services.forum.models import Flag, Post, Thread
from services.forum.queries import PostState, state_of
from services.html import excerpt
from services.identity import Member, get_member
from services.spaces import Space, visible_spaces

FlagStatus = Literal["open", "resolved"]
FLAG_STATUSES: tuple[FlagStatus, ...] = ("open", "resolved")
EXCERPT_CHARS = 200


@dataclass
class Report:
    """One flag: who raised it, why, and how it was resolved (all null while open)."""

    id: int
    reporter: dict[str, Any] | None
    reason: str
    created_at: datetime
    resolution: str | None
    resolution_reason: str | None
    resolved_with: str | None
    resolved_at: datetime | None
    resolved_by: dict[str, Any] | None


@dataclass
class FlaggedPost:
    """A post as the moderators review it: where it is, its state, its text's beginning, its author."""

    id: int
    thread_id: int
    thread_title: str
    space: str
    state: PostState
    excerpt: str
    author: dict[str, Any] | None
    created_at: datetime


@dataclass
class QueueEntry:
    """The flags of one post: how many, the distinct reasons, and each report."""

    post: FlaggedPost
    flags: int
    reasons: list[str]
    reports: list[Report]
    first_flagged_at: datetime
    last_flagged_at: datetime


@dataclass
class HistoryEntry:
    """One post of a member that the moderators had to look at: its flags and the steps taken on it."""

    post: FlaggedPost
    reports: list[Report]
    actions: list[AuditView]


def _readable_space_ids(session: Session, caller: Caller) -> list[int]:
    return [space.id for space in visible_spaces(session, caller)]


def _names(session: Session, ids: set[int | None]) -> dict[int, dict[str, Any]]:
    known = {i for i in ids if i is not None}
    if not known:
        return {}
    rows = session.execute(select(Member.id, Member.name).where(Member.id.in_(known)))
    return {member_id: {"id": member_id, "name": name} for member_id, name in rows}


def _posts(session: Session, post_ids: list[int]) -> dict[int, FlaggedPost]:
    """The posts `post_ids` as the moderators see them (text included, whatever their state)."""
    rows = session.execute(
        select(Post, Thread.title, Space.slug)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Space, Space.id == Thread.space_id)
        .where(Post.id.in_(post_ids))
    ).all()
    authors = _names(session, {post.author_id for post, _title, _slug in rows})
    return {
        post.id: FlaggedPost(
            id=post.id,
            thread_id=post.thread_id,
            thread_title=title,
            space=slug,
            state=state_of(post),
            excerpt=excerpt(post.body, EXCERPT_CHARS),
            author=authors.get(post.author_id) if post.author_id is not None else None,
            created_at=post.created_at,
        )
        for post, title, slug in rows
    }


def _reports(session: Session, flags: list[Flag]) -> list[Report]:
    people = _names(session, {*(f.member_id for f in flags), *(f.resolved_by for f in flags)})
    return [
        Report(
            id=f.id,
            reporter=people.get(f.member_id),
            reason=f.reason,
            created_at=f.created_at,
            resolution=f.resolution,
            resolution_reason=f.resolution_reason,
            resolved_with=f.resolved_with,
            resolved_at=f.resolved_at,
            resolved_by=people.get(f.resolved_by) if f.resolved_by is not None else None,
        )
        for f in flags
    ]


def flag_queue(
    session: Session, caller: Caller, *, status: FlagStatus, limit: int, offset: int
) -> tuple[list[QueueEntry], int]:
    """Flags grouped by post, in the spaces the moderator may read; open ones oldest first, resolved newest first."""
    require_moderator(session, caller)
    is_open = Flag.resolved_at.is_(None) if status == "open" else Flag.resolved_at.is_not(None)
    grouped = (
        select(Flag.post_id, func.min(Flag.created_at).label("first"), func.max(Flag.resolved_at).label("resolved"))
        .join(Post, Post.id == Flag.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(is_open, Thread.space_id.in_(_readable_space_ids(session, caller)))
        .group_by(Flag.post_id)
    )
    total = session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    order = (
        (grouped.selected_columns.first, Flag.post_id)
        if status == "open"
        else (grouped.selected_columns.resolved.desc(), Flag.post_id.desc())
    )
    post_ids: list[int] = [row[0] for row in session.execute(grouped.order_by(*order).limit(limit).offset(offset))]
    posts = _posts(session, post_ids)
    by_post: dict[int, list[Flag]] = {}
    for flag in session.scalars(select(Flag).where(Flag.post_id.in_(post_ids), is_open).order_by(Flag.id)):
        by_post.setdefault(flag.post_id, []).append(flag)
    entries = []
    for post_id in post_ids:
        flags = by_post[post_id]
        entries.append(
            QueueEntry(
                post=posts[post_id],
                flags=len(flags),
                reasons=list(dict.fromkeys(f.reason for f in flags)),
                reports=_reports(session, flags),
                first_flagged_at=min(f.created_at for f in flags),
                last_flagged_at=max(f.created_at for f in flags),
            )
        )
    return entries, total


def _member_posts(member_id: int, space_ids: list[int]) -> Select[Any]:
    return (
        select(Post.id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Post.author_id == member_id, Thread.space_id.in_(space_ids))
    )


def member_history(session: Session, caller: Caller, member_id: int) -> list[HistoryEntry]:
    """A member's posts the moderators looked at (flagged, hidden, deleted by a moderator), newest first."""
    require_moderator(session, caller)
    get_member(session, member_id)
    mine = _member_posts(member_id, _readable_space_ids(session, caller))
    actions: dict[int, list[AuditView]] = {}
    for view in entries_about(session, "post", mine):
        assert view.target_id is not None
        actions.setdefault(view.target_id, []).append(view)
    flags: dict[int, list[Flag]] = {}
    for flag in session.scalars(select(Flag).where(Flag.post_id.in_(mine)).order_by(Flag.id)):
        flags.setdefault(flag.post_id, []).append(flag)
    # Posts withdrawn by a moderator before the audit log recorded it still count.
    withdrawn = session.scalars(
        mine.where(or_(Post.hidden_at.is_not(None), Post.deleted_by.is_not(None) & (Post.deleted_by != member_id)))
    )
    post_ids = sorted({*actions, *flags, *withdrawn}, reverse=True)
    posts = _posts(session, post_ids)
    return [
        HistoryEntry(post=posts[p], reports=_reports(session, flags.get(p, [])), actions=actions.get(p, []))
        for p in post_ids
    ]
