"""Words as the index sees them: tokens, German folding, Snowball stems, queries and snippets.

Both databases index words made here, the same way:
- a word is a run of letters and digits; every other character separates words, so nothing a
  user types can be full-text syntax (`"`, `*`, `:`, `(`, `-`, `NEAR`, `AND` are words or gaps);
- folding: lower case, ß → ss, and each umlaut both written out and plain (München → muenchen
  and munchen), because German users type both; in German text a written-out umlaut also gets
  its plain form (Muenchen → munchen). Other diacritics go (é → e). SQLite's `remove_diacritics`
  alone folds ü → u, never ü ↔ ue nor ß ↔ ss;
- SQLite indexes the Snowball stems of the folded forms (stemmed here, `snowballstemmer`);
  PostgreSQL indexes the folded forms and stems them with its own Snowball configurations.
A query word matches a document when any of its forms does; every query word must match.
"""

from __future__ import annotations

import bisect
import html
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from services.errors import InvalidInput
from services.folding import written_out

LANGUAGES = ("de", "en")
_SNOWBALL = {"de": "german", "en": "english"}
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
SNIPPET_WORDS = 30
_LEAD_WORDS = 4  # words of context shown before the first match of a snippet

_WORD = re.compile(r"[^\W_]+")
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
# ae/oe/ue as German writes ä/ö/ü without them; not in "qu" + e (Quelle, Queue).
_UMLAUT_SPELLED = re.compile(r"(?<!q)([aou])e")
# A Snowball stemmer keeps its working state on the object: one per thread.
_local = threading.local()


def _clean(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(_WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c))))


@lru_cache(maxsize=20_000)
def forms(word: str, lang: str) -> frozenset[str]:
    """The folded forms `word` is indexed and searched under in language `lang`."""
    spelled = _clean(written_out(word))
    found = {spelled, _clean(word.lower().translate(_PLAIN))}
    if lang == "de":
        found.add(_UMLAUT_SPELLED.sub(r"\1", spelled))
    found.discard("")
    return frozenset(found)


def _stemmer(lang: str) -> snowballstemmer.stemmer:
    stemmers: dict[str, snowballstemmer.stemmer] = _local.__dict__.setdefault("stemmers", {})
    if lang not in stemmers:
        stemmers[lang] = snowballstemmer.stemmer(_SNOWBALL[lang])
    return stemmers[lang]


@lru_cache(maxsize=20_000)
def stems(word: str, lang: str) -> frozenset[str]:
    """The Snowball stems of `word`'s folded forms in language `lang`."""
    stemmer = _stemmer(lang)
    return frozenset(_clean(stemmer.stemWord(form)) or form for form in forms(word, lang))


def index_terms(text: str, lang: str, *, stemmed: bool) -> str:
    """The words of `text` as an index stores them: stems, or folded forms for an engine that stems."""
    pick = stems if stemmed else forms
    return " ".join(term for word in _WORD.findall(text) for term in sorted(pick(word, lang)))


@dataclass(frozen=True)
class Query:
    """What someone searches for: distinct lower-cased words, all of which must match."""

    words: tuple[str, ...]

    def groups(self, lang: str, *, stemmed: bool) -> list[frozenset[str]]:
        """Per word, the terms any of which matches it (stems, or folded forms)."""
        pick = stems if stemmed else forms
        return [pick(word, lang) for word in self.words]

    def stems(self, lang: str) -> frozenset[str]:
        """Every stem of every word (to highlight matches)."""
        return frozenset().union(*(stems(word, lang) for word in self.words))


def parse_query(text: str) -> Query:
    """The query in `text`, taken word by word as literal terms; InvalidInput if it has none or too many."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput("q", f"at most {MAX_QUERY_CHARS} characters")
    found = tuple(dict.fromkeys(word.lower() for word in _WORD.findall(text)))
    if not found:
        raise InvalidInput("q", "search for at least one word of letters or digits")
    if len(found) > MAX_QUERY_WORDS:
        raise InvalidInput("q", f"at most {MAX_QUERY_WORDS} different words")
    return Query(found)


def fts5_match(groups: list[frozenset[str]]) -> str:
    """An FTS5 MATCH expression: every group must match, any term of a group; terms quoted as strings."""
    return " AND ".join("(" + " OR ".join(_fts5_string(term) for term in sorted(group)) + ")" for group in groups)


def _fts5_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _matches(word: str, lang: str, wanted: frozenset[str], prefixes: frozenset[str]) -> bool:
    # A stem begins like one of the word's forms: skip the stemmer for words that cannot match.
    if not any(form[:2] in prefixes for form in forms(word, lang)):
        return False
    return not wanted.isdisjoint(stems(word, lang))


def highlight(text: str, query: Query, lang: str, *, limit: int | None = SNIPPET_WORDS) -> str | None:
    """`text` around its best run of matching words (all of it without `limit`), HTML-escaped with
    each match in `<mark>`; None if no word matches."""
    wanted = query.stems(lang)
    prefixes = frozenset(stem[:2] for stem in wanted)
    tokens = list(_WORD.finditer(text))
    hits = [i for i, token in enumerate(tokens) if _matches(token.group(), lang, wanted, prefixes)]
    if not hits:
        return None
    if limit is None:
        start, end = 0, len(tokens)
    else:
        # The window of `limit` words holding the most matches, starting a little before one.
        span = limit - _LEAD_WORDS
        best = max(hits, key=lambda h: bisect.bisect_left(hits, h + span) - bisect.bisect_left(hits, h))
        start = max(0, best - _LEAD_WORDS)
        end = min(len(tokens), start + limit)
    return _render(text, tokens, start, end, set(hits))


def beginning(text: str, limit: int = SNIPPET_WORDS) -> str:
    """The first `limit` words of `text`, HTML-escaped (a snippet with nothing to mark)."""
    tokens = list(_WORD.finditer(text))
    return _render(text, tokens, 0, min(len(tokens), limit), set()) if tokens else html.escape(text)


def _render(text: str, tokens: list[re.Match[str]], start: int, end: int, marked: set[int]) -> str:
    pieces = ["…" if start > 0 else html.escape(text[: tokens[0].start()])]
    position = tokens[start].start()
    for i in range(start, end):
        token = tokens[i]
        pieces.append(html.escape(text[position : token.start()]))
        word = html.escape(token.group())
        pieces.append(f"<mark>{word}</mark>" if i in marked else word)
        position = token.end()
    pieces.append(html.escape(text[position:]) if end == len(tokens) else "…")
    return "".join(pieces).strip()
