"""Forum API: threads and posts in spaces, edits, reactions, flags and moderation."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.api.spaces import PermissionsOut
from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, errors, members, roles
from dialog.pagination import PageArgs, keyset_page, list_page, offset_page, page_args, page_schema, with_offset
from dialog.schemas import Flag, Id
from services.fields import UtcTimestamp
from services.forum import (
    LANGUAGES,
    MAX_BODY_CHARS,
    MAX_MENTIONS,
    MAX_TITLE_CHARS,
    REACTIONS,
    PostView,
    ThreadView,
    add_reaction,
    count_posts,
    create_post,
    create_thread,
    delete_post,
    deleted_post_view,
    edit_post,
    flag_post,
    get_post,
    get_thread,
    hide_post,
    list_posts,
    list_threads,
    post_revisions,
    set_locked,
    set_pinned,
    thread_views,
    unhide_post,
)
from services.identity import ADMIN, MODERATOR
from services.spaces import get_space, require_read

blp = Blueprint("forum", __name__, url_prefix="/api/v1", description="Threads, posts, reactions, moderation")

# The schema admits a little more than the service so that the service's clearer message wins.
Body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_BODY_CHARS + 1))
Mentions = fields.List(
    Id(strict=True),
    load_default=list,
    validate=validate.Length(max=MAX_MENTIONS),
    metadata={"description": "ids of members mentioned besides the body's @handles (each is notified)"},
)


class ThreadIn(Schema):
    """A new thread with its first post."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TITLE_CHARS))
    body = Body
    language = fields.String(
        validate=validate.OneOf(LANGUAGES), metadata={"description": "default: the author's preferred language"}
    )
    mentions = Mentions


class PostIn(Schema):
    """A reply, to the thread or (with `parent_id`) to a post of it."""

    body = Body
    language = fields.String(
        validate=validate.OneOf(LANGUAGES), metadata={"description": "default: the author's preferred language"}
    )
    parent_id = Id(strict=True, load_default=None, allow_none=True)
    mentions = Mentions


class PostEdit(Schema):
    """A post's new text."""

    body = Body
    language = fields.String(validate=validate.OneOf(LANGUAGES))


class AuthorOut(Schema):
    """Who wrote a thread or post."""

    id = fields.Integer()
    name = fields.String()


class ThreadOut(Schema):
    """A thread."""

    id = fields.Integer()
    space_id = fields.Integer()
    topic = fields.Method("_topic")
    title = fields.String()
    author = fields.Nested(AuthorOut, allow_none=True)
    locked = fields.Boolean()
    pinned = fields.Boolean()
    post_count = fields.Integer()
    created_at = UtcTimestamp()
    last_post_at = UtcTimestamp()
    permissions = fields.Nested(PermissionsOut, metadata={"description": "what you may do in this thread"})

    def _topic(self, thread: Any) -> str:
        return f"thread.{thread['id'] if isinstance(thread, dict) else thread.id}"


class PostOut(Schema):
    """A post."""

    id = fields.Integer()
    thread_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    author = fields.Nested(AuthorOut, allow_none=True)
    language = fields.String()
    state = fields.String(
        metadata={
            "description": "visible, hidden (moderators only see these) or deleted",
            "enum": ["visible", "hidden", "deleted"],
        }
    )
    body = fields.String(
        allow_none=True, metadata={"description": "null for a hidden or deleted post, except for moderators"}
    )
    mentions = fields.List(fields.Integer())
    reactions = fields.Dict(keys=fields.String(), values=fields.Integer())
    created_at = UtcTimestamp()
    edited_at = UtcTimestamp(allow_none=True)


class ThreadCreated(ThreadOut):
    """A new thread and its first post."""

    first_post = fields.Nested(PostOut)


class RevisionOut(Schema):
    """An earlier version of a post."""

    id = fields.Integer()
    language = fields.String()
    body = fields.String()
    written_at = UtcTimestamp()
    replaced_at = UtcTimestamp()


PostPageArgs = page_args(50, 200)
ThreadPage = page_schema(ThreadOut)
PostPage = page_schema(PostOut)


class ReactionIn(Schema):
    """A reaction."""

    kind = fields.String(required=True, validate=validate.OneOf(REACTIONS))


class ReactionOut(Schema):
    """A reaction given."""

    id = fields.Integer()
    post_id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String()
    created_at = UtcTimestamp()


class FlagIn(Schema):
    """Why the post should be looked at."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class FlagOut(Schema):
    """A flag raised."""

    id = fields.Integer()
    post_id = fields.Integer()
    reason = fields.String()
    created_at = UtcTimestamp()


class HideIn(Schema):
    """Why a post is hidden."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class HiddenOut(Schema):
    """A hidden post."""

    id = fields.Integer()
    hidden_at = UtcTimestamp()
    hidden_reason = fields.String(allow_none=True)


class LockIn(Schema):
    """Lock or unlock."""

    locked = Flag(required=True)


class PinIn(Schema):
    """Pin or unpin."""

    pinned = Flag(required=True)


@blp.route("/spaces/<slug>/threads")
class SpaceThreads(MethodView):
    """The threads of a space."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ThreadPage)
    @anyone()
    @errors(403)
    def get(self, args: dict[str, Any], slug: str) -> dict[str, Any]:
        """Threads of a space you may read: pinned first, then by latest activity."""
        caller = current_caller()
        with db.read() as session:
            space = get_space(session, slug)
            require_read(session, caller, space)
            threads, total = list_threads(session, space, **with_offset(args))
            return offset_page(thread_views(session, threads, caller=caller), total, args)

    @blp.arguments(ThreadIn)
    @blp.response(201, ThreadCreated)
    @members(403)
    def post(self, body: dict[str, Any], slug: str) -> dict[str, Any]:
        """Open a thread with its first post (you then follow it)."""
        caller = current_caller()
        with db.write() as session:
            thread, post = create_thread(session, space=get_space(session, slug), caller=caller, **body)
            view = thread_views(session, [thread], caller=caller)[0]
            return {**ThreadOut().dump(view), "first_post": get_post(session, caller, post.id)}


@blp.route("/threads/<int:thread_id>")
class OneThread(MethodView):
    """One thread."""

    @blp.response(200, ThreadOut)
    @anyone()
    @errors(403)
    def get(self, thread_id: int) -> ThreadView:
        """A thread of a space you may read."""
        caller = current_caller()
        with db.read() as session:
            return thread_views(session, [get_thread(session, caller, thread_id)[0]], caller=caller)[0]


@blp.route("/threads/<int:thread_id>/posts")
class ThreadPosts(MethodView):
    """The posts of a thread."""

    @blp.arguments(PostPageArgs, location="query")
    @blp.response(200, PostPage)
    @anyone()
    @errors(403)
    def get(self, args: dict[str, Any], thread_id: int) -> dict[str, Any]:
        """Posts, oldest first: deleted ones without text, hidden ones to moderators only."""
        caller = current_caller()
        with db.read() as session:
            thread, _space = get_thread(session, caller, thread_id)
            items, last = list_posts(session, caller, thread, after=args["cursor"] or 0, limit=args["limit"])
            return keyset_page(items, last, count_posts(session, caller, thread))

    @blp.arguments(PostIn)
    @blp.response(201, PostOut)
    @members(403)
    @errors(409)
    def post(self, body: dict[str, Any], thread_id: int) -> PostView:
        """Reply in a thread (you then follow it)."""
        caller = current_caller()
        with db.write() as session:
            thread, _space = get_thread(session, caller, thread_id)
            post = create_post(session, thread=thread, caller=caller, **body)
            return get_post(session, caller, post.id)


@blp.route("/threads/<int:thread_id>/lock")
class ThreadLock(MethodView):
    """Locking a thread."""

    @blp.arguments(LockIn)
    @blp.response(200, ThreadOut)
    @roles(MODERATOR, ADMIN)
    def post(self, body: dict[str, Any], thread_id: int) -> ThreadView:
        """Lock or unlock a thread (moderators and admins)."""
        with db.write() as session:
            caller = current_caller()
            return thread_views(
                session, [set_locked(session, thread_id=thread_id, caller=caller, **body)], caller=caller
            )[0]


@blp.route("/threads/<int:thread_id>/pin")
class ThreadPin(MethodView):
    """Pinning a thread."""

    @blp.arguments(PinIn)
    @blp.response(200, ThreadOut)
    @roles(MODERATOR, ADMIN)
    def post(self, body: dict[str, Any], thread_id: int) -> ThreadView:
        """Pin or unpin a thread (moderators and admins)."""
        with db.write() as session:
            caller = current_caller()
            return thread_views(
                session, [set_pinned(session, thread_id=thread_id, caller=caller, **body)], caller=caller
            )[0]


@blp.route("/posts/<int:post_id>")
class OnePost(MethodView):
    """One post."""

    @blp.response(200, PostOut)
    @anyone()
    @errors(403)
    def get(self, post_id: int) -> PostView:
        """A post of a space you may read (a deleted one without its text; hidden ones: moderators only)."""
        with db.read() as session:
            return get_post(session, current_caller(), post_id)

    @blp.response(200, PostOut)
    @members(403)
    @errors(409)
    def delete(self, post_id: int) -> PostView:
        """Delete your post (moderators: any post); its text is withdrawn everywhere, `post.deleted` is sent."""
        caller = current_caller()
        with db.write() as session:
            # Not get_post: an author removed from a space may still delete what they wrote there,
            # and reading it back would refuse them (and roll the deletion back).
            return deleted_post_view(session, caller, delete_post(session, post_id=post_id, caller=caller))

    @blp.arguments(PostEdit)
    @blp.response(200, PostOut)
    @members(403)
    @errors(409)
    def patch(self, body: dict[str, Any], post_id: int) -> PostView:
        """Edit your post (the earlier text is kept in its history)."""
        caller = current_caller()
        with db.write() as session:
            edit_post(session, post_id=post_id, caller=caller, **body)
            return get_post(session, caller, post_id)


@blp.route("/posts/<int:post_id>/revisions")
class PostRevisions(MethodView):
    """A post's edit history."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(RevisionOut))
    @members(403)
    def get(self, args: dict[str, Any], post_id: int) -> dict[str, Any]:
        """Earlier versions, oldest first (the author and moderators)."""
        caller = current_caller()
        with db.read() as session:
            return list_page(post_revisions(session, caller, post_id), args)


@blp.route("/posts/<int:post_id>/reactions")
class PostReactions(MethodView):
    """Reactions to a post."""

    @blp.arguments(ReactionIn)
    @blp.response(201, ReactionOut)
    @members(403)
    @errors(409)
    def post(self, body: dict[str, Any], post_id: int) -> Any:
        """React (once per kind; a second time is 409)."""
        with db.write() as session:
            return add_reaction(session, post_id=post_id, caller=current_caller(), **body)


@blp.route("/posts/<int:post_id>/flags")
class PostFlags(MethodView):
    """Flags on a post."""

    @blp.arguments(FlagIn)
    @blp.response(201, FlagOut)
    @members(403)
    @errors(409)
    def post(self, body: dict[str, Any], post_id: int) -> Any:
        """Flag a post for the moderators (once per member)."""
        with db.write() as session:
            return flag_post(session, post_id=post_id, caller=current_caller(), **body)


@blp.route("/posts/<int:post_id>/hide")
class PostHide(MethodView):
    """Hiding a post."""

    @blp.arguments(HideIn)
    @blp.response(200, HiddenOut)
    @roles(MODERATOR, ADMIN)
    @errors(409)
    def post(self, body: dict[str, Any], post_id: int) -> Any:
        """Hide a post (moderators and admins): it disappears from reads, `post.hidden` is sent."""
        with db.write() as session:
            return hide_post(session, post_id=post_id, caller=current_caller(), **body)


@blp.route("/posts/<int:post_id>/unhide")
class PostUnhide(MethodView):
    """Making a hidden post visible again."""

    @blp.response(200, PostOut)
    @roles(MODERATOR, ADMIN)
    @errors(409)
    def post(self, post_id: int) -> PostView:
        """Unhide a post (moderators and admins): `post.unhidden` carries its current text."""
        caller = current_caller()
        with db.write() as session:
            unhide_post(session, post_id=post_id, caller=caller)
            return get_post(session, caller, post_id)
