"""Scale-out (bench/scaleout.py): two gunicorn+gevent web processes behind nginx with PostgreSQL and Redis vs one."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from typing import Any

from bench.common import BENCH, PY, ROOT
from bench.registry import Row, Scenario, k, ratio, register


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run scaleout.py in its own process (its servers, nginx, PostgreSQL and Redis) and keep its JSON."""
    command = [
        PY,
        str(BENCH / "scaleout.py"),
        "--clients",
        str(args.scaleout_clients),
        "--topics",
        str(args.scaleout_topics),
        "--seconds",
        str(args.scaleout_seconds),
        "--writers",
        str(args.scaleout_writers),
    ]
    proc = subprocess.run(
        command, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=3600
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr or proc.stdout)[-2000:]}
    return dict(json.loads(lines[-1]))


def rows(result: dict[str, Any]) -> list[Row]:
    """Fan-out and publish, two processes against one (target 1.8×)."""
    one, two = result.get("web1", {}), result.get("web2", {})
    f1, f2 = (
        one.get("fanout", {}).get("best_clean_deliveries_per_s"),
        two.get("fanout", {}).get("best_clean_deliveries_per_s"),
    )
    p1, p2 = one.get("publish", {}).get("events_per_s"), two.get("publish", {}).get("events_per_s")
    return [
        Row(
            "two web processes + Redis vs one: fan-out, clean deliveries/s",
            f"two: {k(f2)}",
            f"one: {k(f1)}",
            ratio(f2, f1),
            1.8,
        ),
        Row(
            f"two web processes + Redis vs one: publish ({one.get('publish', {}).get('writers', '?')} HTTP writers, "
            "one event per transaction), events/s",
            f"two: {k(p2)}",
            f"one: {k(p1)}",
            ratio(p2, p1),
            1.8,
        ),
    ]


def section(result: dict[str, Any]) -> list[str]:
    """Each topology: best clean fan-out, publish rate and latency, CPU per process."""
    lines = [
        "| web processes | fan-out best clean deliveries/s | publish events/s (p50 / p99) "
        "| CPU share per process (publish) |",
        "| --- | --- | --- | --- |",
    ]
    for n in (1, 2):
        r = result.get(f"web{n}", {})
        f, p = r.get("fanout", {}), r.get("publish", {})
        cpu = ", ".join(f"{c:.2f}" for c in p.get("cpu_share_per_process", []))
        lines.append(
            f"| {n} | {k(f.get('best_clean_deliveries_per_s'))} | {k(p.get('events_per_s'))} "
            f"({p.get('p50_ms') or 0:.0f} / {p.get('p99_ms') or 0:.0f} ms) | {cpu} |"
        )
    return lines


def arguments(parser: argparse._ActionsContainer) -> None:
    """Clients, topics, seconds per step, writers."""
    parser.add_argument("--scaleout-clients", type=int, default=2000)
    parser.add_argument("--scaleout-topics", type=int, default=20)
    parser.add_argument("--scaleout-seconds", type=float, default=3.0)
    parser.add_argument("--scaleout-writers", type=int, default=8)


register(
    Scenario(
        name="scaleout",
        title="Scale-out: two web processes behind nginx with PostgreSQL and Redis vs one",
        run=run,
        rows=rows,
        section=section,
        arguments=arguments,
        quick={"scaleout_clients": 1000, "scaleout_topics": 10, "scaleout_seconds": 2.0},
    )
)
