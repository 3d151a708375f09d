"""The full-text match of one query in one language, in each database's own terms.

Each returns the same columns: the entry's id, kind, item id and time, and a score where higher is
better (SQLite: minus FTS5's bm25; PostgreSQL: ts_rank). Query words reach the database only
as bound values: FTS5 strings (quoted, see `text.fts5_match`) or `plainto_tsquery` arguments.
"""

from __future__ import annotations

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


def _postgres(query: Query, lang: str) -> Select:
    config = cast(literal(CONFIGURATIONS[lang]), REGCONFIG)

    def tsquery(term: str) -> ColumnElement[Any]:
        return func.plainto_tsquery(config, literal(term), type_=TSQUERY)

    def either(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        return a.op("||", return_type=TSQUERY)(b)

    def both(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
        return a.op("&&", return_type=TSQUERY)(b)

    groups = query.groups(lang, stemmed=False)
    wanted = reduce(both, (reduce(either, (tsquery(t) for t in sorted(group))) for group in groups))
    vector: ColumnElement[Any] = literal_column(f"search_entry.{VECTOR_COLUMN}")
    return (
        select_entries(func.ts_rank(vector, wanted))
        .select_from(SearchEntry)
        .where(vector.op("@@")(wanted), SearchEntry.lang == lang)
    )


def match(session: Session, query: Query, lang: str) -> Select:
    """Entries in `lang` matching every word of `query`, with their scores."""
    return _sqlite(query, lang) if stems_here(session) else _postgres(query, lang)
