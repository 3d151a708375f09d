"""Event-log append throughput against raw SQLAlchemy Core inserts on the same database.

- ours, single: one `events.publish` per transaction (typed data to JSON, event_log + event_topic rows,
  commit-order lock on PostgreSQL, handlers hook) — what one REST publish costs the database.
- ours, batched: 1000 `events.publish` per transaction.
- raw Core, single: one INSERT of the same columns per transaction into a plain table.
- raw Core, executemany: 1000 rows per `conn.execute(insert(t), rows)` per transaction.

SQLite (a file, WAL as the app configures it) always; PostgreSQL if a throwaway server can be
started from the machine's binaries (tools/servers.py), else the reason is recorded.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, insert

import services
from bench.ticks import BenchTick
from events import Database, init_log, publish

services.load_all()

PAD = "x" * 60
BATCH = 1000


def run(url: str, n: int) -> dict[str, Any]:
    db = Database()
    db.configure(url)
    db.create_all()
    with db.write() as session:
        init_log(session)
    meta = MetaData()
    raw = Table(
        "raw_events", meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("topic", String(120)), Column("type", String(80)), Column("occurred_at", DateTime),
        Column("actor_id", Integer), Column("actor_name", String(200)), Column("data", JSON),
    )
    meta.create_all(db.engine)
    single_n = max(200, n // 10)
    out: dict[str, Any] = {}

    def tick() -> BenchTick:
        return BenchTick(t=time.time() * 1000.0, s=0, pad=PAD)

    t0 = time.perf_counter()
    for _ in range(single_n):
        with db.write() as session:
            publish(session, tick(), topic="bench.0")
    out["ours_single"] = single_n / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    done = 0
    while done < n:
        with db.write() as session:
            for _ in range(min(BATCH, n - done)):
                publish(session, tick(), topic="bench.0")
                done += 1
    out["ours_batched"] = n / (time.perf_counter() - t0)

    def row() -> dict[str, Any]:
        return {"topic": "bench.0", "type": "bench.tick", "occurred_at": datetime.now(UTC).replace(tzinfo=None),
                "actor_id": None, "actor_name": None, "data": {"t": time.time() * 1000.0, "s": 0, "pad": PAD}}

    t0 = time.perf_counter()
    for _ in range(single_n):
        with db.engine.begin() as conn:
            conn.execute(insert(raw), row())
    out["core_single"] = single_n / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    done = 0
    while done < n:
        rows = [row() for _ in range(min(BATCH, n - done))]
        with db.engine.begin() as conn:
            conn.execute(insert(raw), rows)
        done += len(rows)
    out["core_executemany"] = n / (time.perf_counter() - t0)
    out["ratio_batched_vs_executemany"] = out["ours_batched"] / out["core_executemany"]
    out["ratio_single_vs_core_single"] = out["ours_single"] / out["core_single"]
    out["events"] = n
    out["single_events"] = single_n
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = run(f"sqlite:///{Path(tmp) / 'log.sqlite3'}", args.events)
    try:
        from tools.servers import start_postgres

        with tempfile.TemporaryDirectory() as tmp:
            pg = start_postgres(Path(tmp))
            try:
                result["postgresql"] = run(pg.create_database("bench"), args.events)
            finally:
                pg.remove()
    except Exception as exc:  # noqa: BLE001  (no PostgreSQL here: say why, measure the rest)
        result["postgresql"] = {"skipped": f"{type(exc).__name__}: {exc}"[:300]}
    summary = {db: {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()} for db, r in result.items()}
    print(json.dumps({**result, "summary": summary}))


if __name__ == "__main__":
    main()
