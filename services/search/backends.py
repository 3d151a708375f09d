"""The full-text match of one query in one language, in each database's own terms.

Each returns the same columns: the entry's id, kind, item id and time, and a score where higher is
better (SQLite: minus FTS5's bm25; PostgreSQL: ts_rank). Query words reach the database only
as bound values: FTS5 strings (quoted, see `text.fts5_match`) or `plainto_tsquery` arguments.

Scoring is what costs: a word in a third of 100,000 posts took 300-500 ms to score every match.
`candidates` scores only the newest matches (by entry id, which grows as items are indexed),
and finds them without scoring the rest: FTS5 reads its matches in rowid order, newest first,
and stops at the limit; PostgreSQL takes the newest ids from the GIN matches and scores those.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, column, func, literal, literal_column, select, table
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY
from sqlalchemy.orm import Session

from services.search.models import CONFIGURATIONS, FTS_TABLE, VECTOR_COLUMN, SearchEntry
from services.search.text import Query, fts5_match

# A word in the title counts this many times as much as one in the text (bm25 column weights;
# PostgreSQL's ts_rank weighs A against B 1.0 : 0.4 by default).
TITLE_WEIGHT = 2.5
_FTS = table(FTS_TABLE, column("rowid"))


def stems_here(session: Session) -> bool:
    """True if the index stores stems made in Python (SQLite); PostgreSQL stems the folded words itself."""
    return session.get_bind().dialect.name != "postgresql"


def select_entries(score: ColumnElement[float]) -> Select:
    """SELECT entry id, kind, item id, time and `score` (the FROM and WHERE are the caller's)."""
    return select(
        SearchEntry.id.label("entry_id"),
        SearchEntry.kind,
        SearchEntry.item_id,
        SearchEntry.occurred_at,
        score.label("score"),
    )


def _sqlite(query: Query, lang: str) -> Select:
    fts: ColumnElement[Any] = literal_column(FTS_TABLE)
    score = -func.bm25(fts, TITLE_WEIGHT, 1.0)
    return (
        select_entries(score)
        .select_from(_FTS.join(SearchEntry, SearchEntry.id == _FTS.c.rowid))
        .where(fts.op("MATCH")(literal(fts5_match(query.groups(lang, stemmed=True)))), SearchEntry.lang == lang)
    )


def _tsquery(query: Query, lang: str) -> ColumnElement[Any]:
    config = cast(literal(CONFIGURATIONS[lang]), REGCONFIG)

    def tsquery(term: str) -> ColumnElement[Any]:
        return func.plainto_tsquery(config, literal(term), type_=TSQUERY)

    def either(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        return a.op("||", return_type=TSQUERY)(b)

    def both(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        return a.op("&&", return_type=TSQUERY)(b)

    groups = query.groups(lang, stemmed=False)
    return reduce(both, (reduce(either, (tsquery(t) for t in sorted(group))) for group in groups))


_VECTOR: ColumnElement[Any] = literal_column(f"search_entry.{VECTOR_COLUMN}")


def _postgres(query: Query, lang: str) -> Select:
    wanted = _tsquery(query, lang)
    return (
        select_entries(func.ts_rank(_VECTOR, wanted))
        .select_from(SearchEntry)
        .where(_VECTOR.op("@@")(wanted), SearchEntry.lang == lang)
    )


def match(session: Session, query: Query, lang: str) -> Select:
    """Entries in `lang` matching every word of `query`, with their scores."""
    return _sqlite(query, lang) if stems_here(session) else _postgres(query, lang)


def candidates(session: Session, query: Query, lang: str, where: Sequence[ColumnElement[bool]], limit: int) -> Select:
    """Like `match`, with `where` applied, but only the `limit` newest matching entries, and only they scored."""
    if stems_here(session):
        # ORDER BY the FTS rowid is FTS5's own order: no sort, no score for the rows past the limit.
        return _sqlite(query, lang).where(*where).order_by(_FTS.c.rowid.desc()).limit(limit)
    # Made once (an InitPlan): as a filter on a scan, the tsquery would be parsed again for every row.
    wanted = select(_tsquery(query, lang)).scalar_subquery()
    # Only ids through the sort (a row with its vector is ~300 bytes: 30,000 of them spill to disk).
    newest = (
        select(SearchEntry.id)
        .where(_VECTOR.op("@@")(wanted), SearchEntry.lang == lang, *where)
        .order_by(SearchEntry.id.desc())
        .limit(limit)
        .subquery()
    )
    # Scored outside the limited subquery, so that PostgreSQL ranks the `limit` rows only.
    return select_entries(func.ts_rank(_VECTOR, wanted)).join(newest, newest.c.id == SearchEntry.id)
