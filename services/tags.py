"""Portable list filters on SQLite and PostgreSQL: tags kept in a delimited index column.

A JSON list cannot be filtered the same way on both databases, so services that filter on a
list (news tags, project topics, federal states) also store `|a|b|` in a string column and
match `|a|` with an escaped LIKE.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.folding import written_out, written_out_sql

DELIMITER = "|"


def normalise_tags(values: Iterable[str]) -> list[str]:
    """Trimmed, lower-cased, de-duplicated and sorted tags (the delimiter is not allowed inside)."""
    return sorted({v.strip().lower().replace(DELIMITER, "-") for v in values if v and v.strip()})


def index_of(values: Iterable[str]) -> str:
    """The index column's value for `values` (already normalised)."""
    items = list(values)
    return DELIMITER + DELIMITER.join(items) + DELIMITER if items else ""


def has_tag(column: Any, value: str) -> Any:
    """SQL condition: the index `column` contains the tag `value`, both folded (Mobilitaet finds Mobilität).

    Folded when compared, not when stored: the tags keep the spelling they were given.
    """
    tag = written_out(value.strip()).replace(DELIMITER, "-")
    return written_out_sql(column).contains(DELIMITER + tag + DELIMITER, autoescape=True)
