"""Keeping the index in step with the services' tables: one item at a time, or all of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, insert, select, text
from sqlalchemy.orm import Session

from events import once_after_handlers
from services.search.backends import stems_here
from services.search.documents import KINDS, LOADERS, Document, candidate_ids
from services.search.models import FTS_TABLE, SearchEntry
from services.search.text import index_terms

BATCH = 200  # items whose entries a rebuild writes at a time


def _row(document: Document, stemmed: bool) -> dict[str, Any]:
    return {
        "kind": document.kind,
        "item_id": document.item_id,
        "lang": document.lang,
        "space_id": document.space_id,
        "title": document.title,
        "body": document.body,
        "ref": document.ref,
        "occurred_at": document.occurred_at,
        "title_terms": index_terms(document.title_text, document.lang, stemmed=stemmed),
        "body_terms": index_terms(document.body_text, document.lang, stemmed=stemmed),
    }


def _insert(session: Session, documents: list[Document]) -> None:
    if documents:
        stemmed = stems_here(session)
        session.execute(insert(SearchEntry), [_row(d, stemmed) for d in documents])


def remove(session: Session, kind: str, item_id: int) -> None:
    """Take an item out of the index (in the caller's transaction)."""
    session.execute(delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.item_id == item_id))


def purge_removed(session: Session) -> None:
    """Make removed entries' words unreadable in the file too (after a withdrawal).

    FTS5 deletes by appending tombstones: a removed entry's terms stay in the older index
    segments until those are merged. For withdrawn content (a hidden or deleted post, retracted
    news) that would keep its words in the file; 'optimize' merges every segment into one
    without them (the freed pages are zeroed: events/db.py sets secure_delete). Its cost grows
    with the index, which a moderation step can afford. PostgreSQL keeps the deleted row until
    VACUUM, which autovacuum does.
    """
    if session.get_bind().dialect.name == "sqlite":
        # Once per transaction, after all its handlers: an erasure withdraws hundreds of posts.
        once_after_handlers(session, "search.optimize", _merge_segments)


def _merge_segments(session: Session) -> None:
    session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))


def refresh(session: Session, kind: str, item_id: int) -> int:
    """Index an item as its service shows it now (nothing if it is not searchable); the entries written."""
    remove(session, kind, item_id)
    documents = LOADERS[kind](session, item_id)
    _insert(session, documents)
    return len(documents)


def rebuild(session: Session) -> dict[str, int]:
    """Empty the index and fill it from the services' tables; the entries written per kind."""
    session.execute(delete(SearchEntry))
    counts = {}
    for kind in KINDS:
        counts[kind] = 0
        ids = list(candidate_ids(session, kind))
        for start in range(0, len(ids), BATCH):
            documents = [d for item_id in ids[start : start + BATCH] for d in LOADERS[kind](session, item_id)]
            _insert(session, documents)
            counts[kind] += len(documents)
    if session.get_bind().dialect.name == "sqlite":
        # Re-derive the FTS5 index from the entries, whatever state it was in.
        session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
    return counts


def is_empty(session: Session) -> bool:
    """True if the index holds nothing (a new database, or one migrated from before search)."""
    return not session.scalar(select(exists().where(SearchEntry.id.is_not(None))))
