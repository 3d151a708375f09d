"""What each searchable item is in the index, read through the owning services' public APIs.

A loader returns the documents of one item as it is now, one per language: none if the item is
not (or no longer) searchable. The owning service decides: news and calls are searchable exactly
when anonymous readers may read them (published news; announced, open or closed calls), posts
when the forum shows them (not hidden, not deleted). Threads and posts carry their space, and
search shows them only to those who may read it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import ANONYMOUS
from services.calls import FundingCall, get_call
from services.errors import NotFound
from services.forum import Post, Thread, visible_post
from services.html import plain_text
from services.news import NewsItem, get_news
from services.projects import Project, get_project
from services.search.text import LANGUAGES
from services.spaces import get_space_by_id


@dataclass(frozen=True)
class Document:
    """One item in one language: what a hit shows, and the text indexed with title or body weight."""

    kind: str
    item_id: int
    lang: str
    title: str
    body: str
    ref: dict[str, Any]
    occurred_at: datetime
    space_id: int | None = None
    title_text: str = ""
    extra_text: list[str] = field(default_factory=list)

    @property
    def body_text(self) -> str:
        """The text indexed with the body's weight: the body and the item's keywords."""
        return " ".join([self.body, *self.extra_text])


def _plain(fragment: str) -> str:
    return html.unescape(plain_text(fragment))


def _languages(*texts: dict[str, str]) -> list[str]:
    return [lang for lang in LANGUAGES if any(t.get(lang) for t in texts)]


def _in(texts: dict[str, str], lang: str) -> str:
    """The text in `lang`, else in any language (a title shown with a hit in another language)."""
    return texts.get(lang) or next((t for t in texts.values() if t), "")


def news_documents(session: Session, news_id: int) -> list[Document]:
    """A published news item, in each of its languages."""
    try:
        item = get_news(session, ANONYMOUS, news_id)
    except NotFound:
        return []
    return [
        Document(
            kind="news",
            item_id=item.id,
            lang=lang,
            title=_in(item.title, lang),
            body=_plain(item.body.get(lang, "")),
            ref={"news_id": item.id},
            occurred_at=item.published_at or item.created_at,
            title_text=item.title.get(lang, ""),
            extra_text=list(item.tags),
        )
        for lang in _languages(item.title, item.body)
    ]


def call_documents(session: Session, call_id: int) -> list[Document]:
    """A call that is not a draft, in each of its languages."""
    try:
        call = get_call(session, ANONYMOUS, call_id)
    except NotFound:
        return []
    return [
        Document(
            kind="calls",
            item_id=call.id,
            lang=lang,
            title=_in(call.title, lang),
            body=call.summary.get(lang, ""),
            ref={"call_id": call.id},
            occurred_at=call.announced_at or call.created_at,  # an archived call was never announced
            title_text=call.title.get(lang, ""),
            extra_text=[call.programme, call.motto or ""],
        )
        for lang in _languages(call.title, call.summary)
    ]


def project_documents(session: Session, project_id: int) -> list[Document]:
    """A model project, in each language of its description (its name in all of them)."""
    try:
        project = get_project(session, project_id)
    except NotFound:
        return []
    return [
        Document(
            kind="projects",
            item_id=project.id,
            lang=lang,
            title=project.name,
            body=project.description.get(lang, ""),
            ref={"project_id": project.id},
            occurred_at=project.created_at,
            title_text=project.name,
            extra_text=[*project.topics, *project.federal_states],
        )
        for lang in _languages(project.description) or [LANGUAGES[0]]
    ]


def thread_documents(session: Session, thread_id: int) -> list[Document]:
    """A thread's title, in the language of its opening post."""
    thread = session.get(Thread, thread_id)
    if thread is None:
        return []
    opening = session.scalar(select(Post.language).where(Post.thread_id == thread.id).order_by(Post.id).limit(1))
    space = get_space_by_id(session, thread.space_id)
    return [
        Document(
            kind="threads",
            item_id=thread.id,
            lang=opening if opening in LANGUAGES else LANGUAGES[0],
            title=thread.title,
            body="",
            ref={"space": space.slug, "thread_id": thread.id},
            occurred_at=thread.created_at,
            space_id=space.id,
            title_text=thread.title,
        )
    ]


def post_documents(session: Session, post_id: int) -> list[Document]:
    """A post the forum shows, in its language, titled by its thread (whose words it does not index)."""
    post = visible_post(session, post_id)
    thread = session.get(Thread, post.thread_id) if post is not None else None
    if post is None or thread is None:
        return []
    space = get_space_by_id(session, thread.space_id)
    return [
        Document(
            kind="posts",
            item_id=post.id,
            lang=post.language if post.language in LANGUAGES else LANGUAGES[0],
            title=thread.title,
            body=_plain(post.body),
            ref={"space": space.slug, "thread_id": thread.id, "post_id": post.id},
            occurred_at=post.created_at,
            space_id=space.id,
        )
    ]


Loader = Callable[[Session, int], list[Document]]
LOADERS: dict[str, Loader] = {
    "news": news_documents,
    "calls": call_documents,
    "projects": project_documents,
    "threads": thread_documents,
    "posts": post_documents,
}
KINDS = tuple(LOADERS)
PUBLIC_KINDS = ("news", "calls", "projects")  # searchable by everyone (no space)
# Every id that might be searchable, per kind; the loaders decide which are.
_MODELS: dict[str, Any] = {
    "news": NewsItem,
    "calls": FundingCall,
    "projects": Project,
    "threads": Thread,
    "posts": Post,
}


def candidate_ids(session: Session, kind: str) -> Iterable[int]:
    """The ids of every item of `kind`, searchable or not, in id order."""
    model = _MODELS[kind]
    return session.scalars(select(model.id).order_by(model.id)).all()
