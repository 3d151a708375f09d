"""Forum: threads and posts in spaces, mentions, reactions, edit history, flags, moderation."""

from services.fields import LANGUAGES
from services.forum import access, events  # noqa: F401  (registers event types and topic rules)
from services.forum.commands import (
    MAX_BODY_CHARS,
    MAX_MENTIONS,
    MAX_TITLE_CHARS,
    add_reaction,
    create_post,
    create_thread,
    delete_post,
    edit_post,
    flag_post,
    hide_post,
    set_locked,
    set_pinned,
    unhide_post,
)
from services.forum.events import REACTIONS
from services.forum.models import Flag, Post, PostRevision, Reaction, Thread
from services.forum.queries import (
    PostView,
    ThreadView,
    count_posts,
    get_post,
    get_thread,
    list_posts,
    list_threads,
    post_revisions,
    thread_views,
    visible_post,
)

__all__ = [
    "LANGUAGES",
    "MAX_BODY_CHARS",
    "MAX_MENTIONS",
    "MAX_TITLE_CHARS",
    "REACTIONS",
    "Flag",
    "Post",
    "PostRevision",
    "PostView",
    "Reaction",
    "Thread",
    "ThreadView",
    "add_reaction",
    "count_posts",
    "create_post",
    "create_thread",
    "delete_post",
    "edit_post",
    "flag_post",
    "get_post",
    "get_thread",
    "hide_post",
    "list_posts",
    "list_threads",
    "post_revisions",
    "set_locked",
    "set_pinned",
    "thread_views",
    "unhide_post",
    "visible_post",
]
