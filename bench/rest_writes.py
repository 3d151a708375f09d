"""REST writes end to end: `POST /api/v1/news` (publish) against the real gunicorn + gevent server.

Per database (SQLite, and PostgreSQL when the machine can run one), 1, 8 and 32 writers post back to
back, each with one request in flight (bench/httpload.js, Node), while one reader GETs the news list
back to back: requests/s and p99 of the writes, and the reader's p99 idle and under each load. A
write is the whole path: authentication, validation, HTML sanitising, the news row, the event in
the same transaction (outbox, handlers: search index, notifications, webhooks), the commit, and the
relay pushing it. The reader shows whether writes stall the worker (gevent + SQLite's blocking calls).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import BENCH, Server, cpu_seconds, log, run_json
from bench.registry import Row, Scenario, k, register

EDITOR = "redaktion@smart-city-dialog.example"
DEMO_PASSWORD = "smart-city-demo"
BODY = {
    "title": {"de": "Meldung {n}"},
    "body": {"de": "<p>Text der Meldung {n} mit <b>etwas</b> Markup.</p>"},
    "publish": True,
}
READ_PATH = "/api/v1/news?limit=5"
UNLIMITED = "1000000/minute"


def _server(database_url: str | None) -> Server:
    env = {
        "DIALOG_RATELIMIT_LOGIN_PER_ADDRESS": UNLIMITED,
        "DIALOG_RATELIMIT_LOGIN_PER_EMAIL": UNLIMITED,
        "DIALOG_RATELIMIT_STREAM_PER_ADDRESS": UNLIMITED,
    }
    if database_url:
        env["DIALOG_DATABASE_URL"] = database_url
    return Server("ours (gunicorn + gevent)", "ours", env, seed=True, app="wsgi:app")


def _load(url: str, token: str, writers: int, seconds: float) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    opts = {
        "url": url,
        "path": "/api/v1/news",
        "body": BODY,
        "headers": headers,
        "writers": writers,
        "seconds": seconds,
        "read_path": READ_PATH,
        "read_headers": headers,
    }
    got = run_json(["node", str(BENCH / "httpload.js"), json.dumps(opts)], timeout=seconds + 120)
    if "error" in got:
        raise RuntimeError(got["error"])
    return got


def measure(database: str, database_url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    """One server on `database`: the reader alone, then each writer count with the reader."""
    server = _server(database_url).start()
    out: dict[str, Any] = {"steps": []}
    try:
        token = requests.post(
            server.url + "/api/v1/auth/tokens", json={"email": EDITOR, "password": DEMO_PASSWORD}, timeout=30
        ).json()["token"]
        _load(server.url, token, 2, 1.0)  # warm up: imports, statement caches, the first pages
        idle = _load(server.url, token, 0, args.rest_seconds)
        out["reader_idle"] = idle["reads"]
        log(f"  {database}: reader alone p99 {idle['reads']['ms']['p99']:.1f} ms")
        for writers in [int(w) for w in args.rest_writers.split(",") if w]:
            pid = server.worker_pid
            cpu0, t0 = cpu_seconds(pid), time.monotonic()
            got = _load(server.url, token, writers, args.rest_seconds)
            share = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
            w, r = got["writes"], got["reads"]
            failed = w["requests"] - w["ok"]
            out["steps"].append({"writers": writers, **got, "server_cpu_share": share})
            log(
                f"  {database} {writers:>2} writers: {w['per_s']:7.0f} writes/s p99 {w['ms']['p99']:7.1f} ms"
                f"{f' FAILED {failed}' if failed else ''}; reader p99 {r['ms']['p99']:7.1f} ms max {r['ms']['max']:.0f}"
                f"; server cpu {share:.2f} gen {got['gen_core_share']:.2f}"
            )
    finally:
        server.stop()
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    """SQLite (a file, as the app configures it), then PostgreSQL if one can be started here."""
    result: dict[str, Any] = {"sqlite": measure("sqlite", None, args)}
    from tools.servers import start_postgres

    base = Path(tempfile.mkdtemp(prefix="bench-rest-pg-"))
    try:
        pg = start_postgres(base, durable=True)
    except Exception as exc:  # no PostgreSQL on this machine: say why, keep SQLite's figures
        result["postgresql"] = {"skipped": f"{type(exc).__name__}: {exc}"[:300]}
        return result
    try:
        result["postgresql"] = measure("postgresql", pg.create_database("bench"), args)
    finally:
        pg.remove()
        shutil.rmtree(base, ignore_errors=True)
    return result


def cpu_ms_per_request(step: dict[str, Any]) -> float:
    """The server's CPU per request (writes and the reader's GETs): what a busy machine changes least."""
    requests_done = step["writes"]["requests"] + step["reads"]["requests"]
    return 1000.0 * step["server_cpu_share"] * step["seconds"] / max(1, requests_done)


def rows(result: dict[str, Any]) -> list[Row]:
    """Writes/s and p99 per writer count; the reader's p99 under that load beside its p99 alone."""
    out: list[Row] = []
    for db in ("sqlite", "postgresql"):
        r = result.get(db, {})
        if "steps" not in r:
            out.append(
                Row(f"REST writes, {db}", "not measured", "", note=str(r.get("skipped", r.get("error", "")))[:160])
            )
            continue
        idle = r["reader_idle"]["ms"]["p99"]
        for step in r["steps"]:
            w, rd = step["writes"], step["reads"]
            failed = w["requests"] - w["ok"]
            out.append(
                Row(
                    f"REST writes (POST /api/v1/news), {db}, {step['writers']} writer(s)",
                    f"{k(w['per_s'])} req/s, p99 {w['ms']['p99']:.0f} ms, "
                    f"server CPU {cpu_ms_per_request(step):.1f} ms/req" + (f", {failed} failed" if failed else ""),
                    f"reader GET p99 {rd['ms']['p99']:.0f} ms (alone {idle:.0f} ms), max {rd['ms']['max']:.0f} ms",
                    note="no peer: reference is the reader's latency alone",
                )
            )
    return out


def section(result: dict[str, Any]) -> list[str]:
    """Every step: writes/s, write latency, reader latency, server and generator CPU."""
    lines = [
        "| database | writers | writes/s | write p50 / p99 / max | reader GET p50 / p99 / max | failed "
        "| server CPU (share of a core; ms per request) | generator CPU |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for db in ("sqlite", "postgresql"):
        r = result.get(db, {})
        if "steps" not in r:
            lines.append(f"| {db} | {str(r.get('skipped', r.get('error', '')))[:160]} | | | | | | |")
            continue
        idle = r["reader_idle"]["ms"]
        lines.append(
            f"| {db} | 0 (reader alone) | | | {idle['p50']:.1f} / {idle['p99']:.1f} / {idle['max']:.0f} ms | | | |"
        )
        for s in r["steps"]:
            w, rd = s["writes"]["ms"], s["reads"]["ms"]
            failed = s["writes"]["requests"] - s["writes"]["ok"]
            lines.append(
                f"| {db} | {s['writers']} | {s['writes']['per_s']:,.0f} "
                f"| {w['p50']:.1f} / {w['p99']:.1f} / {w['max']:.0f} ms "
                f"| {rd['p50']:.1f} / {rd['p99']:.1f} / {rd['max']:.0f} ms | {failed} "
                f"| {s['server_cpu_share']:.2f}; {cpu_ms_per_request(s):.1f} ms | {s['gen_core_share']:.2f} |"
            )
    lines += [
        "",
        "PostgreSQL runs with its default durability here (fsync and synchronous_commit on), SQLite in WAL with "
        "synchronous=NORMAL, as the app configures it. CPU shares are of one core.",
    ]
    return lines


def arguments(parser: argparse._ActionsContainer) -> None:
    """Writer counts and the seconds per step."""
    parser.add_argument("--rest-writers", default="1,8,32", help="concurrent writers per step")
    parser.add_argument("--rest-seconds", type=float, default=5.0, help="seconds per step")


register(
    Scenario(
        name="rest",
        title="REST writes end to end (gunicorn + gevent)",
        run=run,
        rows=rows,
        section=section,
        arguments=arguments,
        in_quick=False,  # not a row of the table: --quick (≤ 3 min) leaves it out
        quick={"rest_seconds": 2.0},
    )
)
