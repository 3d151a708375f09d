"""Search latency (bench/search_bench.py): p50/p95 of `GET /api/v1/search` over many forum posts (ours only)."""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import BENCH, PY, run_json
from bench.registry import Row, Scenario, register


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run search_bench.py in its own process and keep its JSON."""
    return run_json(
        [PY, str(BENCH / "search_bench.py"), "--posts", str(args.search_posts), "--rounds", str(args.search_rounds)],
        timeout=3600,
    )


def rows(result: dict[str, Any]) -> list[Row]:
    """p50 / p95 of every query per database (no peer: the figure stands alone)."""
    out: list[Row] = []
    for db in ("sqlite", "postgresql"):
        r = result.get(db, {})
        if "all" not in r:
            out.append(Row(f"search, {db}", "not measured", "", note=str(r.get("skipped", r.get("error", "")))[:160]))
            continue
        a = r["all"]
        out.append(
            Row(
                f"search (GET /api/v1/search), {db}, {r['posts']:,} posts",
                f"p50 {a['p50_ms']:.1f} ms, p95 {a['p95_ms']:.1f} ms",
                "no peer",
                note=f"{a['n']} requests in-process (Flask test client); index built in {r['index_s']} s",
            )
        )
    return out


def section(result: dict[str, Any]) -> list[str]:
    """Per query and caller: p50 / p95 / max and hits."""
    lines = ["| database | query (caller) | p50 | p95 | max | hits |", "| --- | --- | --- | --- | --- | --- |"]
    for db in ("sqlite", "postgresql"):
        r = result.get(db, {})
        for name, q in r.get("queries", {}).items():
            lines.append(f"| {db} | {name} | {q['p50_ms']} ms | {q['p95_ms']} ms | {q['max_ms']} ms | {q['hits']} |")
    return lines


def arguments(parser: argparse._ActionsContainer) -> None:
    """Posts in the database and rounds per query."""
    parser.add_argument("--search-posts", type=int, default=30000, help="forum posts to search (search_bench.py)")
    parser.add_argument("--search-rounds", type=int, default=10)


register(
    Scenario(
        name="search",
        title="Search latency (ours only)",
        run=run,
        rows=rows,
        section=section,
        arguments=arguments,
        in_quick=False,  # not a row of the table: --quick (≤ 3 min) leaves it out
        quick={"search_posts": 5000, "search_rounds": 5},
    )
)
