"""Search reads: ranked hits with snippets, only of what the caller may read; ids for list filters."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import Session

from events import Caller
from services.errors import InvalidInput
from services.search.backends import candidates, match
from services.search.documents import KINDS, PUBLIC_KINDS
from services.search.models import SearchEntry
from services.search.text import LANGUAGES, Query, beginning, highlight, parse_query
from services.spaces import visible_spaces

# The most entries per language a search ranks: enough pages for a person (50 of 20 hits).
CANDIDATES = 1000


@dataclass(frozen=True)
class Hit:
    """One found item: what it is, where it is, and why it was found (`snippet`, escaped HTML with `<mark>`)."""

    kind: str
    id: int
    title: str
    snippet: str
    language: str
    score: float
    ref: dict[str, Any]


def _check(kinds: Collection[str] | None, lang: str | None) -> tuple[list[str], list[str]]:
    chosen = list(dict.fromkeys(kinds)) if kinds else list(KINDS)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise InvalidInput("kind", f"unknown kind {unknown[0]!r}: one or more of {', '.join(KINDS)}")
    if lang is not None and lang not in LANGUAGES:
        raise InvalidInput("lang", f"one of {', '.join(LANGUAGES)}")
    return chosen, [lang] if lang else list(LANGUAGES)


def _snippet(entry: SearchEntry, query: Query) -> str:
    found = highlight(entry.body, query, entry.lang) or highlight(entry.title, query, entry.lang, limit=None)
    return found or (beginning(entry.body) if entry.body else beginning(entry.title))


class Results(NamedTuple):
    """A page of hits, the total, and whether the total is only a lower bound (more matched than were ranked)."""

    hits: list[Hit]
    total: int
    total_is_lower_bound: bool


def search(
    session: Session,
    caller: Caller,
    *,
    q: str,
    kinds: Collection[str] | None = None,
    lang: str | None = None,
    limit: int,
    offset: int = 0,
) -> Results:
    """A page of hits for `q`, best first, each item once (in its best-matching language), and the total.

    Threads and posts are searched only in the spaces `caller` may read; `lang` keeps to one language.
    Of a query that matches more than CANDIDATES readable entries in a language, the CANDIDATES
    newest are ranked (scoring every match of a frequent word is what was slow); then the total
    is CANDIDATES and a lower bound, and the pages end there.
    """
    query = parse_query(q)
    chosen, languages = _check(kinds, lang)
    readable = [space.id for space in visible_spaces(session, caller)]
    # Who may read what is part of the match, before the limit: a page never holds a hidden hit
    # nor loses a place to one.
    where = (SearchEntry.kind.in_(chosen), or_(SearchEntry.space_id.is_(None), SearchEntry.space_id.in_(readable)))
    # One more than CANDIDATES each: a language that has more says that the total is a lower bound.
    parts = [candidates(session, query, language, where, CANDIDATES + 1).subquery() for language in languages]
    matched = union_all(*(select(part) for part in parts)).subquery()
    # An item written in both languages may match in both: keep its better entry.
    ranked = select(
        matched.c.entry_id,
        matched.c.score,
        matched.c.occurred_at,
        func.row_number()
        .over(partition_by=(matched.c.kind, matched.c.item_id), order_by=(matched.c.score.desc(), matched.c.entry_id))
        .label("n"),
    ).subquery()
    best = select(ranked.c.entry_id, ranked.c.score, ranked.c.occurred_at).where(ranked.c.n == 1).subquery()
    # Best first; among equal scores the newer item, then a fixed order so that pages never overlap.
    order = (best.c.score.desc(), best.c.occurred_at.desc(), best.c.entry_id)
    page = select(best.c.entry_id, best.c.score, func.count().over().label("found")).order_by(*order)
    rows = session.execute(page.limit(max(0, min(limit, CANDIDATES - offset))).offset(offset)).all()
    # Counted with the page (a pass over at most 2 x (CANDIDATES + 1) rows); a page past the end counts on its own.
    found = rows[0].found if rows else session.scalar(select(func.count()).select_from(best)) or 0
    entries = {e.id: e for e in session.scalars(select(SearchEntry).where(SearchEntry.id.in_([r[0] for r in rows])))}
    hits = [
        Hit(
            kind=entry.kind,
            id=entry.item_id,
            title=entry.title,
            snippet=_snippet(entry, query),
            language=entry.lang,
            score=float(score),
            ref=dict(entry.ref),
        )
        for entry_id, score, _found in rows
        if (entry := entries.get(entry_id)) is not None
    ]
    return Results(hits, min(found, CANDIDATES), found > CANDIDATES)


def matching_ids(session: Session, kind: str, q: str, *, lang: str | None = None) -> Select[Any]:
    """SELECT the ids of the `kind` items (news, calls, projects) matching `q`: a filter for their lists."""
    if kind not in PUBLIC_KINDS:
        raise ValueError(f"{kind} is not searchable by everyone; use search()")
    query = parse_query(q)
    _chosen, languages = _check([kind], lang)
    matched = union_all(*(match(session, query, language).where(SearchEntry.kind == kind) for language in languages))
    found = matched.subquery()
    return select(found.c.item_id)
