"""Event-log append throughput against raw SQLAlchemy Core on the same database (bench/logbench.py)."""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import BENCH, PY, run_json
from bench.registry import Row, Scenario, k, ratio, register

DATABASES = ("sqlite", "postgresql", "postgresql-nosync")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run logbench.py in its own process (its engine and pragmas must not leak into the others)."""
    return run_json(
        [PY, str(BENCH / "logbench.py"), "--events", str(args.log_events), *(["--durable-only"] if args.quick else [])],
        timeout=900,
    )


def rows(result: dict[str, Any]) -> list[Row]:
    """One event per transaction vs Core single-row inserts, batched vs executemany, per database."""
    out: list[Row] = []
    for db in DATABASES:
        r = result.get(db)
        if r is None and db != "sqlite" and db != "postgresql":
            continue  # --quick measures PostgreSQL with its default durability only
        r = r or {}
        if "ours_single" not in r:
            reason = r.get("skipped") or r.get("error") or result.get("error", "not run")
            out.append(Row(f"one event per transaction, {db}", "not measured", "", note=str(reason)[:160]))
            continue
        out.append(
            Row(
                f"one event per transaction, {db}",
                f"{k(r['ours_single'])} events/s",
                f"raw SQLAlchemy Core {k(r['core_single'])}/s",
                ratio(r["ours_single"], r["core_single"]),
                0.5,
            )
        )
        out.append(
            Row(
                f"batched append (1000/tx), {db}",
                f"{k(r['ours_batched'])}/s",
                f"raw Core executemany {k(r['core_executemany'])}/s",
                ratio(r["ours_batched"], r["core_executemany"]),
                0.5,
            )
        )
    return out


def section(result: dict[str, Any]) -> list[str]:
    """The four figures per database and the durability settings they ran with."""
    lines = [
        "| database | ours single (1 event/tx) | raw Core single | raw Core, the log's row (floor) "
        "| ours batched (1000/tx) | raw Core executemany (1000/tx) | settings (the same for all) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for db in DATABASES:
        if db not in result and db == "postgresql-nosync":
            continue
        r = result.get(db, {})
        if "ours_single" in r:
            lines.append(
                f"| {db} | {r['ours_single']:,.0f}/s | {r['core_single']:,.0f}/s | {r['core_log_single']:,.0f}/s "
                f"| {r['ours_batched']:,.0f}/s | {r['core_executemany']:,.0f}/s | {r.get('settings', '')} |"
            )
        else:
            reason = r.get("skipped") or r.get("error") or result.get("error", "not run")
            lines.append(f"| {db} | {str(reason)[:160]} | | | | | |")
    lines += [
        "",
        "The floor: raw Core inserting what one event on one topic stores (an `event_log` row with its "
        "index; `event_topic` holds only an event's further topics) in a write transaction, with no framework "
        "around it. Each figure is the total over four interleaved rounds.",
    ]
    return lines


def arguments(parser: argparse._ActionsContainer) -> None:
    """How many events per measurement."""
    parser.add_argument("--log-events", type=int, default=20000, help="events per batched measurement")


register(
    Scenario(
        name="log",
        title="Event log append throughput",
        run=run,
        rows=rows,
        section=section,
        arguments=arguments,
        quick={"log_events": 5000},
    )
)
