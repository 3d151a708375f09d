"""Search: one index over news, calls, projects, threads and posts, in German and English.

The index is fed by the other services' events in their own transactions (`handlers`), can be
rebuilt from their tables (`rebuild`), and answers only with what the caller may read. SQLite
uses FTS5, PostgreSQL its own full-text search; both index the same folded words (`text`).
"""

from services.search import handlers  # noqa: F401  (registers the bus handlers)
from services.search.documents import KINDS, PUBLIC_KINDS
from services.search.indexer import is_empty, rebuild, refresh
from services.search.models import FTS_TABLE, VECTOR_COLUMN, SearchEntry
from services.search.queries import CANDIDATES, Hit, Results, matching_ids, search
from services.search.text import LANGUAGES, MAX_QUERY_CHARS, MAX_QUERY_WORDS

__all__ = [
    "CANDIDATES",
    "FTS_TABLE",
    "KINDS",
    "LANGUAGES",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_WORDS",
    "PUBLIC_KINDS",
    "Hit",
    "Results",
    "SearchEntry",
    "VECTOR_COLUMN",
    "is_empty",
    "matching_ids",
    "rebuild",
    "refresh",
    "search",
]
