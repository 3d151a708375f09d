"""Event-log append throughput against raw SQLAlchemy Core inserts on the same database.

- ours, single: one `events.publish` per transaction (typed data to JSON, the event_log row,
  commit-order lock on PostgreSQL, handlers hook) — what one REST publish costs the database.
- ours, batched: 1000 `events.publish` per transaction.
- raw Core, single: one INSERT of the same columns per transaction into a plain table.
- raw Core, executemany: 1000 rows per `conn.execute(insert(t), rows)` per transaction.
- (raw Core, the log's row: the row ours stores, into the log's own table with its index, in a
  write transaction: the floor of the log's schema, for the analysis.)

The kinds run interleaved, `rounds` times each (A B A B), so a busy neighbour hits them alike; each
kind's part of a round repeats its unit (`--events`/10/rounds single transactions, or
`--events`/rounds batched rows) until it has lasted `MIN_ROUND_SECONDS`, so a round on a fast
database is not over in a few milliseconds.

SQLite (a file, WAL as the app configures it) always; PostgreSQL (with its default durability,
and again with fsync off as the tests run it) if a throwaway server can be
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
from events.outbox import EVENT_LOG

services.load_all()

PAD = "x" * 60
BATCH = 1000
MIN_ROUND_SECONDS = 0.4  # each kind's share of a round: short rounds make the ratios noise


def run(url: str, n: int, settings: str, rounds: int = 4) -> dict[str, Any]:
    """The four measurements (and the schema's floor), interleaved over `rounds` (A B A B: drift shows)."""
    db = Database()
    db.configure(url)
    db.create_all()
    with db.write() as session:
        init_log(session)
    meta = MetaData()
    raw = Table(
        "raw_events",
        meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("topic", String(120)),
        Column("type", String(80)),
        Column("occurred_at", DateTime),
        Column("actor_id", Integer),
        Column("actor_name", String(200)),
        Column("data", JSON),
    )
    assert db.engine is not None
    engine = db.engine
    meta.create_all(engine)
    writer = engine.execution_options(sqlite_immediate=True)  # what the app's write sessions use
    single_n = max(200, n // 10) // rounds
    batched_n = max(BATCH, n // rounds)

    def tick() -> BenchTick:
        return BenchTick(t=time.time() * 1000.0, s=0, pad=PAD)

    def row() -> dict[str, Any]:
        return {
            "topic": "bench.0",
            "type": "bench.tick",
            "occurred_at": datetime.now(UTC).replace(tzinfo=None),
            "actor_id": None,
            "actor_name": None,
            "data": {"t": time.time() * 1000.0, "s": 0, "pad": PAD},
        }

    def ours_single() -> int:
        for _ in range(single_n):
            with db.write() as session:
                publish(session, tick(), topic="bench.0")
        return single_n

    def core_single() -> int:
        for _ in range(single_n):
            with engine.begin() as conn:
                conn.execute(insert(raw), row())
        return single_n

    def core_log_single() -> int:
        # Raw Core doing the log's own database work: both rows, the same tables and indexes.
        for _ in range(single_n):
            with writer.begin() as conn:
                # An event on one topic is one `event_log` row (its primary topic is a column;
                # `event_topic` holds only further topics, and this event has none).
                conn.execute(insert(EVENT_LOG), row())
        return single_n

    def ours_batched() -> int:
        done = 0
        while done < batched_n:
            with db.write() as session:
                for _ in range(min(BATCH, batched_n - done)):
                    publish(session, tick(), topic="bench.0")
                    done += 1
        return done

    def core_executemany() -> int:
        done = 0
        while done < batched_n:
            rows = [row() for _ in range(min(BATCH, batched_n - done))]
            with engine.begin() as conn:
                conn.execute(insert(raw), rows)
            done += len(rows)
        return done

    kinds = {f.__name__: f for f in (ours_single, core_single, core_log_single, ours_batched, core_executemany)}
    ours_single(), core_single(), core_log_single()  # warm up: statement caches, the first pages
    totals = {name: [0, 0.0] for name in kinds}
    per_round: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(rounds):
        for name, f in kinds.items():
            # A round lasts at least MIN_ROUND_SECONDS: on SQLite a round of 250 single or 2,500
            # batched events took ~30 ms, so one scheduler pause moved the ratio by a third.
            count, t0 = 0, time.perf_counter()
            while True:
                count += f()
                dt = time.perf_counter() - t0
                if dt >= MIN_ROUND_SECONDS:
                    break
            totals[name][0] += count
            totals[name][1] += dt
            per_round[name].append(count / dt)
    out: dict[str, Any] = {name: count / seconds for name, (count, seconds) in totals.items()}
    out["per_round"] = per_round
    out["ratio_batched_vs_executemany"] = out["ours_batched"] / out["core_executemany"]
    out["ratio_single_vs_core_single"] = out["ours_single"] / out["core_single"]
    out["events"] = totals["ours_batched"][0]
    out["single_events"] = totals["ours_single"][0]
    out["seconds"] = {name: round(seconds, 2) for name, (_count, seconds) in totals.items()}
    out["rounds"] = rounds
    out["settings"] = settings
    db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--durable-only", action="store_true", help="PostgreSQL only with its default durability")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = run(
            f"sqlite:///{Path(tmp) / 'log.sqlite3'}", args.events, "WAL, synchronous=NORMAL (the app's)"
        )
    from tools.servers import start_postgres

    for name, durable, settings in (
        ("postgresql", True, "defaults: fsync, synchronous_commit on"),
        ("postgresql-nosync", False, "fsync, synchronous_commit, full_page_writes off (as the tests run it)"),
    ):
        if args.durable_only and not durable:
            continue
        try:
            with tempfile.TemporaryDirectory() as tmp:
                pg = start_postgres(Path(tmp), durable=durable)
                try:
                    result[name] = run(pg.create_database("bench"), args.events, settings)
                finally:
                    pg.remove()
        except Exception as exc:  # noqa: BLE001  (no PostgreSQL here: say why, measure the rest)
            result[name] = {"skipped": f"{type(exc).__name__}: {exc}"[:300]}
    summary = {
        db: {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items() if k != "per_round"}
        for db, r in result.items()
    }
    print(json.dumps({**result, "summary": summary}))


if __name__ == "__main__":
    main()
