"""Forum reads: every read checks the space first.

Members see visible posts, and deleted ones as tombstones without text; hidden posts do not
appear to them at all. Moderators see every post with its text and its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from events import Caller
from services.errors import NotFound, PermissionDenied
from services.forum.access import moderates, thread_permissions
from services.forum.models import Post, PostMention, PostRevision, Reaction, Thread
from services.identity import Member
from services.spaces import Permissions, Space, require_read, space_permissions

PostState = Literal["visible", "hidden", "deleted"]


def state_of(post: Post) -> PostState:
    """Whether a post is visible, hidden by a moderator, or deleted (deleted wins)."""
    if post.deleted_at is not None:
        return "deleted"
    return "hidden" if post.hidden_at is not None else "visible"


@dataclass
class PostView:
    """A post as readers see it: author, mentions and reaction counts included.

    `body` is None (and `mentions` empty) where the reader may not see a withdrawn post's text.
    """

    id: int
    thread_id: int
    parent_id: int | None
    author: dict[str, object] | None
    language: str
    state: PostState
    body: str | None
    mentions: list[int]
    reactions: dict[str, int]
    created_at: datetime
    edited_at: datetime | None


@dataclass
class ThreadView:
    """A thread as a reader sees it: its author as `{id, name}` like a post's, and what the reader may do."""

    id: int
    space_id: int
    title: str
    author: dict[str, object] | None
    locked: bool
    pinned: bool
    post_count: int
    created_at: datetime
    last_post_at: datetime
    permissions: Permissions


def thread_views(session: Session, threads: list[Thread], *, caller: Caller) -> list[ThreadView]:
    """`caller`'s view of `threads` (of spaces they may read), in the same order."""
    authors = _authors(session, {t.author_id for t in threads})
    allowed: dict[int, Permissions] = {}  # per space: one membership check for a whole list
    for space_id in {t.space_id for t in threads}:
        space = session.get(Space, space_id)
        assert space is not None
        allowed[space_id] = space_permissions(session, caller, space)
    return [
        ThreadView(
            id=t.id,
            space_id=t.space_id,
            title=t.title,
            author=authors.get(t.author_id) if t.author_id is not None else None,
            locked=t.locked,
            pinned=t.pinned,
            post_count=t.post_count,
            created_at=t.created_at,
            last_post_at=t.last_post_at,
            permissions=thread_permissions(caller, t, allowed[t.space_id]),
        )
        for t in threads
    ]


def get_thread(session: Session, caller: Caller, thread_id: int) -> tuple[Thread, Space]:
    """A thread and its space, if `caller` may read the space."""
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise NotFound(f"no thread {thread_id}")
    space = session.get(Space, thread.space_id)
    assert space is not None
    require_read(session, caller, space)
    return thread, space


def list_threads(session: Session, space: Space, *, limit: int, offset: int) -> tuple[list[Thread], int]:
    """Threads of a space: pinned first, then by latest activity."""
    query = select(Thread).where(Thread.space_id == space.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    threads = session.scalars(
        query.order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc()).limit(limit).offset(offset)
    )
    return list(threads), total


def _authors(session: Session, ids: set[int | None]) -> dict[int, dict[str, object]]:
    """`{id: {"id", "name"}}` of the members who wrote something (readers see author names)."""
    known = {i for i in ids if i is not None}
    if not known:
        return {}
    rows = session.execute(select(Member.id, Member.name).where(Member.id.in_(known)))
    return {member_id: {"id": member_id, "name": name} for member_id, name in rows}


def _views(session: Session, posts: list[Post], caller: Caller) -> list[PostView]:
    reveal = moderates(caller)  # the moderators see withdrawn posts' text; nobody else does
    ids = [p.id for p in posts]
    authors = _authors(session, {p.author_id for p in posts})
    mentions: dict[int, list[int]] = {}
    for post_id, member_id in session.execute(
        select(PostMention.post_id, PostMention.member_id).where(PostMention.post_id.in_(ids))
    ):
        mentions.setdefault(post_id, []).append(member_id)
    reactions: dict[int, dict[str, int]] = {}
    for post_id, kind, count in session.execute(
        select(Reaction.post_id, Reaction.kind, func.count())
        .where(Reaction.post_id.in_(ids))
        .group_by(Reaction.post_id, Reaction.kind)
    ):
        reactions.setdefault(post_id, {})[kind] = count
    views = []
    for p in posts:
        state = state_of(p)
        shown = reveal or state == "visible"
        views.append(
            PostView(
                id=p.id,
                thread_id=p.thread_id,
                parent_id=p.parent_id,
                author=authors.get(p.author_id) if p.author_id is not None else None,
                language=p.language,
                state=state,
                body=p.body if shown else None,
                mentions=sorted(mentions.get(p.id, [])) if shown else [],
                reactions=reactions.get(p.id, {}),
                created_at=p.created_at,
                edited_at=p.edited_at,
            )
        )
    return views


def _listed(caller: Caller, thread: Thread) -> Select[Any]:
    """The posts of `thread` that `caller` sees listed (hidden ones: the moderators only)."""
    query = select(Post).where(Post.thread_id == thread.id)
    return query if moderates(caller) else query.where(Post.hidden_at.is_(None))


def list_posts(
    session: Session, caller: Caller, thread: Thread, *, after: int, limit: int
) -> tuple[list[PostView], int | None]:
    """Posts of a thread with ids above `after`, oldest first, as `caller` may see them, and the next cursor."""
    posts = list(session.scalars(_listed(caller, thread).where(Post.id > after).order_by(Post.id).limit(limit + 1)))
    more = len(posts) > limit
    posts = posts[:limit]
    return _views(session, posts, caller), (posts[-1].id if more else None)


def count_posts(session: Session, caller: Caller, thread: Thread) -> int:
    """How many posts of a thread `caller` sees listed."""
    return session.scalar(select(func.count()).select_from(_listed(caller, thread).subquery())) or 0


def visible_post(session: Session, post_id: int) -> Post | None:
    """Post `post_id` as its space's readers see it: None if hidden, deleted or gone (no permission check)."""
    post = session.get(Post, post_id)
    return post if post is not None and state_of(post) == "visible" else None


def _readable_post(session: Session, caller: Caller, post_id: int) -> Post:
    """A post `caller` may know of: in a space they may read, and not hidden unless they moderate."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"no post {post_id}")
    get_thread(session, caller, post.thread_id)
    if post.hidden_at is not None and not moderates(caller):
        raise NotFound(f"no post {post_id}")
    return post


def get_post(session: Session, caller: Caller, post_id: int) -> PostView:
    """One post as `caller` may see it (a deleted one without its text, unless they moderate)."""
    return _views(session, [_readable_post(session, caller, post_id)], caller)[0]


def deleted_post_view(session: Session, caller: Caller, post: Post) -> PostView:
    """A post `caller` has just deleted, as they may see it (an author may delete what they no longer read)."""
    return _views(session, [post], caller)[0]


def post_revisions(session: Session, caller: Caller, post_id: int) -> list[PostRevision]:
    """The earlier versions of a post, oldest first (for its author and the moderators)."""
    post = _readable_post(session, caller, post_id)
    if post.author_id != caller.id and not moderates(caller):
        raise PermissionDenied("only the author and the moderators see a post's history")
    if post.deleted_at is not None and not moderates(caller):
        raise NotFound(f"post {post_id} was deleted; its history went with it")
    return list(session.scalars(select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.id)))
