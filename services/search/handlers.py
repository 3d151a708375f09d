"""The bus handlers that keep the index in step, in the publishing transaction.

An event only says which item changed; the indexer reads the item as its service shows it now,
so an index entry commits (or not) with the change that caused it. Withdrawals (retracted,
hidden, deleted) take the item out without looking, and purge its words from the index files.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from events import Event
from events.registry import registry
from services.forum import threads_started_by
from services.search.indexer import purge_removed, refresh, remove

_REFRESH = {
    "news.published": ("news", "news_id"),
    "news.updated": ("news", "news_id"),
    "call.announced": ("calls", "call_id"),
    "call.updated": ("calls", "call_id"),
    "call.opened": ("calls", "call_id"),
    "call.deadline_changed": ("calls", "call_id"),
    "call.closed": ("calls", "call_id"),
    "project.created": ("projects", "project_id"),
    "project.updated": ("projects", "project_id"),
    "post.created": ("posts", "post_id"),
    "post.edited": ("posts", "post_id"),
    "post.unhidden": ("posts", "post_id"),
}
_REMOVE = {
    "news.retracted": ("news", "news_id"),
    "post.hidden": ("posts", "post_id"),
    "post.deleted": ("posts", "post_id"),
}


def on_change(session: Session, event: Event) -> None:
    """Re-index the item the event names."""
    kind, key = _REFRESH[event.type]
    refresh(session, kind, event.data[key])


def on_withdrawal(session: Session, event: Event) -> None:
    """Take the item the event names out of the index, leaving none of its words behind."""
    kind, key = _REMOVE[event.type]
    remove(session, kind, event.data[key])
    purge_removed(session)


@registry.handler("thread.created")
def on_thread_created(session: Session, event: Event) -> None:
    """A new thread and its opening post (which has no `post.created` of its own)."""
    refresh(session, "threads", event.data["thread_id"])
    refresh(session, "posts", event.data["post_id"])


for _type in _REFRESH:
    registry.handler(_type)(on_change)
for _type in _REMOVE:
    registry.handler(_type)(on_withdrawal)


@registry.handler("member.erased")
def on_member_erased(session: Session, event: Event) -> None:
    """Threads an erased member opened are indexed again (with `erase` their title went), their old words purged.

    Their posts leave the index through the `post.deleted` events of the erasure, and posts that
    mentioned them are re-indexed through its `post.edited` events.
    """
    if event.data["posts"] != "erase":
        return
    for thread_id in threads_started_by(session, event.data["member_id"]):
        refresh(session, "threads", thread_id)
    purge_removed(session)
