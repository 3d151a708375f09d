"""Forum commands: open threads, post, edit, react, flag, delete, and moderate (hide, unhide, lock, pin, resolve flags).

Every command checks the space-level permission first, validates fully, and only then changes
anything, so a refused request leaves no trace; the events it publishes commit with the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from events import Caller, publish, redact, utcnow
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.fields import LANGUAGES, Language, is_one_of
from services.forum.access import locked_for, moderates, require_moderator
from services.forum.events import (
    FLAG_OUTCOMES,
    POST_CONTENT,
    REACTIONS,
    ClosedWith,
    FlagOutcome,
    FlagRaised,
    FlagResolved,
    InThread,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostUnhidden,
    ReactionAdded,
    ThreadCreated,
    ThreadLocked,
    ThreadPinned,
    space_topic,
    thread_topic,
)
from services.forum.models import Flag, Post, PostMention, PostRevision, Reaction, Thread
from services.forum.queries import visible_post
from services.html import excerpt, plain_text, sanitise_html
from services.identity import Member, get_member, members_by_handle, mentioned_handles, require_login
from services.spaces import INVITED, Space, member_can_read, require_read, require_write

MAX_BODY_CHARS = 20_000
MAX_TITLE_CHARS = 200
MAX_MENTIONS = 20
EXCERPT_CHARS = 200
ID_BATCH = 500  # ids per statement (well under SQLite's bound-parameter limit)


def _clean_body(body: str) -> str:
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput("body", f"a post has at most {MAX_BODY_CHARS} characters")
    clean = sanitise_html(body).strip()
    if not plain_text(clean):
        raise InvalidInput("body", "the post has no text (after removing unsafe markup)")
    return clean


def _check_language(language: str) -> Language:
    if not is_one_of(language, LANGUAGES):
        raise InvalidInput("language", f"must be one of {', '.join(LANGUAGES)}")
    return language


def _language_of(session: Session, caller: Caller, language: str | None) -> Language:
    """The post's language: as given, else the author's preferred one."""
    if language is None:
        assert caller.id is not None
        language = get_member(session, caller.id).language
    return _check_language(language)


def _mentions_in(session: Session, space: Space, clean_body: str, mentions: list[int]) -> list[int]:
    """The explicit `mentions` ids (checked), then the members the body's `@handle`s name.

    A `@word` that is no handle, or names someone who cannot read the space, is just text.
    """
    ids = _check_mentions(session, space, mentions)
    named = members_by_handle(session, mentioned_handles(plain_text(clean_body)))
    for member_id in named.values():
        if member_id in ids or len(ids) >= MAX_MENTIONS:
            continue
        member = session.get(Member, member_id)
        if member is not None and member_can_read(session, member_id, member.role, space):
            ids.append(member_id)
    return ids


def _check_mentions(session: Session, space: Space, mentions: list[int]) -> list[int]:
    """Mentions are member ids; each must be an active member who may read the space."""
    ids = list(dict.fromkeys(mentions))
    if len(ids) > MAX_MENTIONS:
        raise InvalidInput("mentions", f"at most {MAX_MENTIONS} members per post")
    if not ids:
        return []
    found = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids), Member.active.is_(True)))}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise InvalidInput("mentions", f"no member with the id {', '.join(map(str, unknown))}")
    outsiders = [i for i in ids if not member_can_read(session, i, found[i].role, space)]
    if outsiders:
        raise InvalidInput("mentions", f"member {', '.join(map(str, outsiders))} cannot read this space")
    return ids


def _space_of(session: Session, thread: Thread) -> Space:
    space = session.get(Space, thread.space_id)
    assert space is not None
    return space


def _publish_in_thread(session: Session, data: InThread, *, actor: Caller) -> None:
    """Publish a forum event on its space's topic and its thread's topic."""
    publish(session, data, topic=space_topic(data.space), extra_topics=(thread_topic(data.thread_id),), actor=actor)


def _visible_post_in_space(session: Session, post_id: int) -> tuple[Post, Thread, Space]:
    """A visible post with its thread and space (NotFound for hidden, deleted or unknown posts)."""
    post = visible_post(session, post_id)
    if post is None:
        raise NotFound(f"no post {post_id}")
    thread = _thread(session, post.thread_id)
    return post, thread, _space_of(session, thread)


def _for_every_moderator(space: Space) -> bool:
    """True if every moderator may read `space`: only then does its posts' text go onto `moderation`.

    Every moderator follows `moderation`, but only the invited ones read an invited space.
    """
    return space.visibility != INVITED


def _thread(session: Session, thread_id: int) -> Thread:
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise NotFound(f"no thread {thread_id}")
    return thread


def create_thread(
    session: Session,
    *,
    caller: Caller,
    space: Space,
    title: str,
    body: str,
    language: str | None = None,
    mentions: list[int],
) -> tuple[Thread, Post]:
    """Open a thread in `space` with its first post; publishes `thread.created`."""
    require_login(caller)
    require_write(session, caller, space)
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE_CHARS:
        raise InvalidInput("title", f"between 1 and {MAX_TITLE_CHARS} characters")
    checked_language = _language_of(session, caller, language)
    clean = _clean_body(body)
    mentioned = _mentions_in(session, space, clean, mentions)
    now = utcnow()
    thread = Thread(space_id=space.id, title=title, author_id=caller.id, post_count=1, created_at=now, last_post_at=now)
    session.add(thread)
    session.flush()
    post = Post(thread_id=thread.id, author_id=caller.id, language=checked_language, body=clean, created_at=now)
    session.add(post)
    session.flush()
    session.add_all(PostMention(post_id=post.id, member_id=m) for m in mentioned)
    assert caller.id is not None
    _publish_in_thread(
        session,
        ThreadCreated(
            space=space.slug,
            thread_id=thread.id,
            title=title,
            post_id=post.id,
            author_id=caller.id,
            language=checked_language,
            body=clean,
            mentions=tuple(mentioned),
            created_at=now,
        ),
        actor=caller,
    )
    return thread, post


def create_post(
    session: Session,
    *,
    caller: Caller,
    thread: Thread,
    body: str,
    language: str | None = None,
    parent_id: int | None = None,
    mentions: list[int],
) -> Post:
    """Reply in `thread` (to the thread, or to the post `parent_id`); publishes `post.created`."""
    require_login(caller)
    space = _space_of(session, thread)
    require_write(session, caller, space)
    if locked_for(caller, thread):
        raise Conflict(f"thread {thread.id} is locked", code="thread_locked")
    checked_language = _language_of(session, caller, language)
    reply_to_author: int | None = thread.author_id
    if parent_id is not None:
        parent = session.get(Post, parent_id)
        if parent is None or parent.thread_id != thread.id:
            raise InvalidInput("parent_id", f"post {parent_id} is not in thread {thread.id}")
        if parent.hidden_at is not None:
            raise InvalidInput("parent_id", f"post {parent_id} was hidden by the moderators")
        if parent.deleted_at is not None:
            raise InvalidInput("parent_id", f"post {parent_id} was deleted")
        reply_to_author = parent.author_id
    clean = _clean_body(body)
    mentioned = _mentions_in(session, space, clean, mentions)
    now = utcnow()
    post = Post(
        thread_id=thread.id,
        parent_id=parent_id,
        author_id=caller.id,
        language=checked_language,
        body=clean,
        created_at=now,
    )
    session.add(post)
    thread.post_count += 1
    thread.last_post_at = now
    session.flush()
    session.add_all(PostMention(post_id=post.id, member_id=m) for m in mentioned)
    assert caller.id is not None
    _publish_in_thread(
        session,
        PostCreated(
            space=space.slug,
            thread_id=thread.id,
            post_id=post.id,
            parent_id=parent_id,
            reply_to_author_id=reply_to_author,
            author_id=caller.id,
            language=checked_language,
            body=clean,
            mentions=tuple(mentioned),
            created_at=now,
        ),
        actor=caller,
    )
    return post


def edit_post(session: Session, *, caller: Caller, post_id: int, body: str, language: str | None = None) -> Post:
    """The author rewrites a post; the earlier text is kept as a revision, and leaves the event log."""
    require_login(caller)
    post, thread, space = _visible_post_in_space(session, post_id)
    require_read(session, caller, space)
    if post.author_id != caller.id:
        raise PermissionDenied("only the author may edit a post")
    require_write(session, caller, space)
    if locked_for(caller, thread):
        raise Conflict(f"thread {thread.id} is locked", code="thread_locked")
    checked_language = _check_language(language or post.language)
    clean = _clean_body(body)
    now = utcnow()
    session.add(
        PostRevision(
            post_id=post.id,
            language=post.language,
            body=post.body,
            written_at=post.edited_at or post.created_at,
            replaced_at=now,
        )
    )
    post.body, post.language, post.edited_at = clean, checked_language, now
    session.flush()
    # The earlier version is now history, which only the author and the moderators read (post_revisions):
    # the events that carried it leave the log, or a replay of the thread would hand it to every reader.
    # `post.edited` carries the current text. (The moderators' flag excerpts stay: they read the history.)
    redact(session, POST_CONTENT, "post_id", [post.id], topic=thread_topic(thread.id))
    revisions = session.scalar(select(func.count()).where(PostRevision.post_id == post.id)) or 0
    _publish_in_thread(
        session,
        PostEdited(
            space=space.slug,
            thread_id=thread.id,
            post_id=post.id,
            language=checked_language,
            body=clean,
            revisions=revisions,
            edited_at=now,
        ),
        actor=caller,
    )
    return post


def add_reaction(session: Session, *, caller: Caller, post_id: int, kind: str) -> Reaction:
    """React to a post (one reaction of each kind per member; a second one is a conflict)."""
    require_login(caller)
    post, thread, space = _visible_post_in_space(session, post_id)
    require_write(session, caller, space)
    if not is_one_of(kind, REACTIONS):
        raise InvalidInput("kind", f"must be one of {', '.join(REACTIONS)}")
    assert caller.id is not None
    existing = session.scalar(
        select(Reaction.id).where(Reaction.post_id == post.id, Reaction.member_id == caller.id, Reaction.kind == kind)
    )
    if existing is not None:
        raise Conflict(f"you already reacted with {kind}", code="already_reacted", details={"kind": ["already given"]})
    reaction = Reaction(post_id=post.id, member_id=caller.id, kind=kind, created_at=utcnow())
    session.add(reaction)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent double click
        raise Conflict(f"you already reacted with {kind}", code="already_reacted") from exc
    count = session.scalar(select(func.count()).where(Reaction.post_id == post.id, Reaction.kind == kind)) or 0
    _publish_in_thread(
        session,
        ReactionAdded(
            space=space.slug, thread_id=thread.id, post_id=post.id, member_id=caller.id, kind=kind, count=count
        ),
        actor=caller,
    )
    return reaction


def flag_post(session: Session, *, caller: Caller, post_id: int, reason: str) -> Flag:
    """Report a post to the moderators (`flag.raised` on `moderation`); once per member.

    A flag on a post already withdrawn (deleted, or hidden: only moderators know of those) is
    recorded closed with it, `acted_on`, and only `flag.resolved` says so: no excerpt of a
    withdrawn text goes into the log.
    """
    require_login(caller)
    post, thread, space = _post_in_space(session, post_id)
    require_read(session, caller, space)
    if post.hidden_at is not None and not moderates(caller):
        raise NotFound(f"no post {post_id}")
    reason = " ".join(reason.split())
    if not reason or len(reason) > 500:
        raise InvalidInput("reason", "between 1 and 500 characters")
    assert caller.id is not None
    if session.scalar(select(Flag.id).where(Flag.post_id == post.id, Flag.member_id == caller.id)) is not None:
        raise Conflict(f"you already flagged post {post.id}", code="already_flagged")
    flag = Flag(post_id=post.id, member_id=caller.id, reason=reason, created_at=utcnow())
    session.add(flag)
    session.flush()
    if post.deleted_at is not None or post.hidden_at is not None:
        _close_flags(session, post, thread, space, caller, "post.deleted" if post.deleted_at else "post.hidden")
        return flag
    flags = session.scalar(select(func.count()).where(Flag.post_id == post.id)) or 0
    # The reporter's words are about the post (they often quote it): like its excerpt, they go onto
    # `moderation` only where every moderator may read the space. The queue shows them to those who may.
    shown = _for_every_moderator(space)
    publish(
        session,
        FlagRaised(
            space=space.slug,
            thread_id=thread.id,
            flag_id=flag.id,
            post_id=post.id,
            reason=reason if shown else "",
            excerpt=excerpt(post.body, EXCERPT_CHARS) if shown else "",
            flags=flags,
        ),
        topic="moderation",
        actor=caller,
    )
    return flag


def _resolve(
    session: Session,
    post: Post,
    thread: Thread,
    space: Space,
    caller: Caller,
    *,
    outcome: FlagOutcome,
    reason: str | None,
    closed_with: ClosedWith | None,
    resolver: int | None,
) -> list[Flag]:
    """Resolve the open flags of `post`, and say so on `moderation` (nothing when none are open)."""
    open_flags = list(
        session.scalars(select(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None)).order_by(Flag.id))
    )
    if not open_flags:
        return []
    now = utcnow()
    for flag in open_flags:
        flag.resolved_at, flag.resolved_by, flag.resolution = now, resolver, outcome
        flag.resolution_reason, flag.resolved_with = reason, closed_with
    publish(
        session,
        FlagResolved(
            space=space.slug,
            thread_id=thread.id,
            post_id=post.id,
            flag_ids=tuple(f.id for f in open_flags),
            outcome=outcome,
            reason=reason,
            closed_with=closed_with,
            resolved_at=now,
        ),
        topic="moderation",
        actor=caller,
    )
    return open_flags


def _close_flags(
    session: Session, post: Post, thread: Thread, space: Space, caller: Caller, closed_with: ClosedWith
) -> None:
    """A withdrawn post's open flags close with it, resolved by whoever withdrew it (a moderator, or its author)."""
    resolver = post.deleted_by if closed_with == "post.deleted" else post.hidden_by
    _resolve(
        session,
        post,
        thread,
        space,
        caller,
        outcome="acted_on",
        reason=None,
        closed_with=closed_with,
        resolver=resolver,
    )


def resolve_flags(session: Session, *, caller: Caller, post_id: int, outcome: str, reason: str | None) -> list[Flag]:
    """A moderator resolves a post's open flags as `dismissed` or `acted_on`; `flag.resolved` says so."""
    require_login(caller)
    post, thread, space = _post_in_space(session, post_id)
    require_moderator(session, caller, space)
    if not is_one_of(outcome, FLAG_OUTCOMES):
        raise InvalidInput("outcome", f"must be one of {', '.join(FLAG_OUTCOMES)}")
    if reason is not None:
        reason = " ".join(reason.split()) or None
        if reason is not None and len(reason) > 500:
            raise InvalidInput("reason", "at most 500 characters")
    resolved = _resolve(
        session, post, thread, space, caller, outcome=outcome, reason=reason, closed_with=None, resolver=caller.id
    )
    if not resolved:
        raise Conflict(f"post {post.id} has no open flags", code="no_open_flags")
    return resolved


def _redact_post_content(session: Session, posts: Sequence[Post]) -> None:
    """Withdraw posts' text from the event log: every event that carried it is redacted.

    One search of the log per batch of ids, not one per post (an erasure withdraws hundreds at
    once); narrowed through the topic index to the thread's topic when they share one thread.
    """
    threads = {post.thread_id for post in posts}
    topic = thread_topic(threads.pop()) if len(threads) == 1 else None
    ids = [post.id for post in posts]
    for start in range(0, len(ids), ID_BATCH):
        batch = ids[start : start + ID_BATCH]
        redact(session, POST_CONTENT, "post_id", batch, topic=topic)
        redact(session, ("flag.raised",), "post_id", batch, topic="moderation")


def _post_in_space(session: Session, post_id: int) -> tuple[Post, Thread, Space]:
    """Any post (hidden and deleted ones too) with its thread and space; NotFound if unknown."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"no post {post_id}")
    thread = _thread(session, post.thread_id)
    return post, thread, _space_of(session, thread)


def hide_post(session: Session, *, caller: Caller, post_id: int, reason: str | None) -> Post:
    """A moderator hides a post: gone from reads and from the event log's text; `post.hidden` says so."""
    require_login(caller)
    post, thread, space = _post_in_space(session, post_id)
    require_moderator(session, caller, space)
    if reason is not None and len(reason) > 500:
        raise InvalidInput("reason", "at most 500 characters")
    if post.hidden_at is not None:
        raise Conflict(f"post {post.id} is already hidden", code="already_hidden")
    if post.deleted_at is not None:
        raise Conflict(f"post {post.id} was deleted", code="post_deleted")
    now = utcnow()
    post.hidden_at, post.hidden_by, post.hidden_reason = now, caller.id, reason
    thread.post_count -= 1
    _redact_post_content(session, [post])
    publish(
        session,
        PostHidden(space=space.slug, thread_id=thread.id, post_id=post.id, reason=reason, hidden_at=now),
        topic=space_topic(space.slug),
        extra_topics=(thread_topic(thread.id), "moderation"),
        actor=caller,
    )
    _close_flags(session, post, thread, space, caller, "post.hidden")
    return post


def unhide_post(session: Session, *, caller: Caller, post_id: int) -> Post:
    """A moderator makes a hidden post visible again; `post.unhidden` carries its current text.

    The events redacted when it was hidden stay redacted: restoring is this new event.
    """
    require_login(caller)
    post, thread, space = _post_in_space(session, post_id)
    require_moderator(session, caller, space)
    if post.deleted_at is not None:
        raise Conflict(f"post {post.id} was deleted", code="post_deleted")
    if post.hidden_at is None:
        raise Conflict(f"post {post.id} is not hidden", code="not_hidden")
    now = utcnow()
    post.hidden_at = post.hidden_by = post.hidden_reason = None
    thread.post_count += 1
    publish(
        session,
        PostUnhidden(
            space=space.slug,
            thread_id=thread.id,
            post_id=post.id,
            parent_id=post.parent_id,
            author_id=post.author_id,
            language=_check_language(post.language),
            body=post.body,
            created_at=post.created_at,
            edited_at=post.edited_at,
            unhidden_at=now,
        ),
        topic=space_topic(space.slug),
        extra_topics=(thread_topic(thread.id), *(("moderation",) if _for_every_moderator(space) else ())),
        actor=caller,
    )
    return post


def delete_post(session: Session, *, caller: Caller, post_id: int) -> Post:
    """The author (or a moderator) deletes a post; `post.deleted` tells clients.

    The post reads as deleted (no text), its text leaves the event log, and the row keeps it
    for the moderators.
    """
    require_login(caller)
    post, thread, space = _post_in_space(session, post_id)
    by_author = post.author_id is not None and post.author_id == caller.id
    if not by_author:
        # Others learn nothing about posts of spaces they may not read, nor about hidden ones.
        require_read(session, caller, space)
        if post.hidden_at is not None and not moderates(caller):
            raise NotFound(f"no post {post_id}")
        if not moderates(caller):
            raise PermissionDenied("only the author and the moderators may delete a post")
    if post.deleted_at is not None:
        raise Conflict(f"post {post.id} is already deleted", code="already_deleted")
    _withdraw_posts(session, [post], deleted_by=caller.id, by_author=by_author, actor=caller)
    return post


def _withdraw_posts(
    session: Session, posts: Sequence[Post], *, deleted_by: int | None, by_author: bool, actor: Caller
) -> None:
    """Delete `posts` (none deleted yet): a post deletion, and a member's erasure, do it this one way.

    Their text leaves the event log first, all of them in batches (the log is searched once per
    batch, not per post: what keeps an erasure of hundreds of posts fast); then, post by post, in
    the order given: the thread's count (a hidden post is no longer counted), the deleted marks,
    `post.deleted`, and its open flags closed (`flag.resolved`). All in the caller's transaction.
    """
    _redact_post_content(session, posts)
    now = utcnow()
    for post in posts:
        thread = _thread(session, post.thread_id)
        space = _space_of(session, thread)
        if post.hidden_at is None:
            thread.post_count -= 1
        post.deleted_at, post.deleted_by = now, deleted_by
        _publish_in_thread(
            session,
            PostDeleted(space=space.slug, thread_id=thread.id, post_id=post.id, by_author=by_author, deleted_at=now),
            actor=actor,
        )
        _close_flags(session, post, thread, space, actor, "post.deleted")


def _set_thread_flag(
    session: Session, *, caller: Caller, thread_id: int, flag: Literal["locked", "pinned"], value: bool
) -> Thread:
    require_login(caller)
    # Locking and pinning are the same moderation step on a different flag (no event when unchanged).
    thread = _thread(session, thread_id)
    space = _space_of(session, thread)
    require_moderator(session, caller, space)
    if getattr(thread, flag) != value:
        setattr(thread, flag, value)
        slug = space.slug
        data: InThread = (
            ThreadLocked(space=slug, thread_id=thread.id, locked=value)
            if flag == "locked"
            else ThreadPinned(space=slug, thread_id=thread.id, pinned=value)
        )
        # On `moderation` too: the moderators follow every moderation step on one topic.
        publish(
            session,
            data,
            topic=space_topic(slug),
            extra_topics=(thread_topic(thread.id), "moderation"),
            actor=caller,
        )
    return thread


def set_locked(session: Session, *, caller: Caller, thread_id: int, locked: bool) -> Thread:
    """A moderator locks or unlocks a thread (no event when nothing changes)."""
    return _set_thread_flag(session, caller=caller, thread_id=thread_id, flag="locked", value=locked)


def set_pinned(session: Session, *, caller: Caller, thread_id: int, pinned: bool) -> Thread:
    """A moderator pins or unpins a thread (pinned threads list first)."""
    return _set_thread_flag(session, caller=caller, thread_id=thread_id, flag="pinned", value=pinned)
