"""Where a text is stored in a SQLite database file, byte for byte: which tables' pages hold it.

A row that was rewritten or deleted can leave its old bytes in the page's free space, in free
pages, or in the WAL; reading rows through SQL would not see those. This reads the files
themselves and names the owner of every page the text is found in (dbstat), or "free page".
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

WAL_HEADER = 32
WAL_FRAME_HEADER = 24


def checkpoint(path: Path) -> None:
    """Copy the WAL into the database file and empty it (waits for readers, up to 30 s)."""
    with sqlite3.connect(path, timeout=30) as db:
        busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0, "the WAL could not be checkpointed: a reader held it for 30 s"


def _offsets(raw: bytes, needle: bytes) -> list[int]:
    found, start = [], raw.find(needle)
    while start >= 0:
        found.append(start)
        start = raw.find(needle, start + 1)
    return found


def tables_holding(path: Path, text: str) -> set[str]:
    """Checkpoint, then name the table (or index, or "free page") of every page holding `text`.

    `text` should be ASCII (the event log stores JSON with non-ASCII escaped) and short enough
    not to straddle pages.
    """
    checkpoint(path)
    needle = text.encode()
    with sqlite3.connect(path, timeout=30) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        owner = dict(db.execute("SELECT pageno, name FROM dbstat"))
        raw = path.read_bytes()
        wal_path = path.with_name(path.name + "-wal")
        wal = wal_path.read_bytes() if wal_path.exists() else b""
    places = {owner.get(offset // page_size + 1, "free page") for offset in _offsets(raw, needle)}
    # Frames written after the checkpoint: each names its page in its header.
    frame = WAL_FRAME_HEADER + page_size
    for offset in _offsets(wal, needle):
        start = WAL_HEADER + (offset - WAL_HEADER) // frame * frame
        (page,) = struct.unpack(">I", wal[start : start + 4])
        places.add(owner.get(page, "free page"))
    return places
