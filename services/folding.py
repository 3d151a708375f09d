"""German folding, one way for every comparison: lower case, ä → ae, ö → oe, ü → ue, ß → ss.

German users type an umlaut both ways (Mobilität, Mobilitaet); search indexes and queries
words folded so (services/search/text.py adds the plain form, ü → u, for its own matching), and
the list filters compare tags folded so, on both sides (`written_out_sql` for a stored column).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

WRITTEN_OUT = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
_TABLE = str.maketrans(WRITTEN_OUT)


def written_out(text: str) -> str:
    """`text` in lower case with its umlauts and ß written out (MOBILITÄT → mobilitaet)."""
    return text.lower().translate(_TABLE)


def written_out_sql(column: Any) -> Any:
    """SQL: `written_out` of a column whose text is lower case already (SQLite's lower() is ASCII only)."""
    folded = column
    for letter, spelled in WRITTEN_OUT.items():
        folded = func.replace(folded, letter, spelled)
    return folded
