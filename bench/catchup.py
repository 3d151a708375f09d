"""Catch-up: one client resuming 10k and 100k events behind, over Socket.IO and over SSE (ours only)."""

from __future__ import annotations

import argparse
import socket
import time
from typing import Any

import requests

from bench.common import LoadGen, log, make_server
from bench.registry import Row, Scenario, register


def run(args: argparse.Namespace) -> dict[str, Any]:
    """One client resuming 10k and 100k events behind, over Socket.IO and SSE."""
    server = make_server("ours").start()
    out: dict[str, Any] = {}
    try:
        sizes = [int(x) for x in args.catchup_sizes.split(",") if x]
        total = max(sizes)
        t0 = time.monotonic()
        filled = requests.post(
            server.url + "/bench/fill", json={"count": total, "topic": "bench.0"}, timeout=600
        ).json()
        out["fill_seconds"] = time.monotonic() - t0
        out["filled"] = filled["filled"]
        head = int(requests.get(server.url + "/api/v1/log", timeout=10).json()["head"])
        for n in sizes:
            gen = LoadGen(server.url, 1, 1, since=head - n, expect_count=n)
            try:
                got = gen.read(timeout=300)
                while "catchup" not in got:
                    got = gen.read(timeout=300)
            finally:
                gen.stop()
            out[f"socketio_{n}"] = {"events": n, "ms": got["ms"], "events_per_s": n / (got["ms"] / 1000)}
            log(f"  catch-up Socket.IO {n:>7} events: {n / (got['ms'] / 1000):>9.0f} events/s")
            ms = sse_catchup(server.url, head - n, n)
            out[f"sse_{n}"] = {"events": n, "ms": ms, "events_per_s": n / (ms / 1000)}
            log(f"  catch-up SSE       {n:>7} events: {n / (ms / 1000):>9.0f} events/s")
    finally:
        server.stop()
    return out


def sse_catchup(url: str, since: int, count: int) -> float:
    """Milliseconds to read `count` events from GET /api/v1/stream?since=."""
    host, port = url.replace("http://", "").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    start = time.monotonic()
    sock.sendall(f"GET /api/v1/stream?topics=bench.0&since={since} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    marker = b"event: bench.tick\n"
    seen, tail = 0, b""
    deadline = start + 300
    try:
        while seen < count and time.monotonic() < deadline:
            chunk = sock.recv(1 << 18)
            if not chunk:
                break
            data = tail + chunk
            seen += data.count(marker)
            cut = max(0, len(data) - len(marker) + 1)
            seen -= data[cut:].count(marker)  # counted again with the next chunk
            tail = data[cut:]
    finally:
        sock.close()
    return (time.monotonic() - start) * 1000


def rows(result: dict[str, Any]) -> list[Row]:
    """Catch-up events/s against the 50k/s the earlier issue asked for (no peer has a log)."""
    out = []
    for key in sorted(result):
        if isinstance(result[key], dict):
            v = result[key]["events_per_s"]
            transport, n = key.split("_")
            out.append(
                Row(
                    f"catch-up, {transport}, {int(n):,} events behind",
                    f"{v:,.0f} events/s",
                    "target 50k events/s (peers keep no log)",
                    v / 50000,
                    1.0,
                )
            )
    return out


def section(result: dict[str, Any]) -> list[str]:
    """Time and events/s per transport and distance."""
    lines = ["| transport | events behind | time | events/s |", "| --- | --- | --- | --- |"]
    for key in sorted(result):
        if isinstance(result[key], dict):
            t, n = key.split("_")
            lines.append(f"| {t} | {int(n):,} | {result[key]['ms']:.0f} ms | {result[key]['events_per_s']:,.0f} |")
    if "fill_seconds" in result:
        lines.append(
            f"\n(Filling the log with {result['filled']:,} events through `events.publish` in 1000-event "
            f"transactions took {result['fill_seconds']:.1f} s.)"
        )
    return lines


def arguments(parser: argparse._ActionsContainer) -> None:
    """How far behind the client resumes."""
    parser.add_argument("--catchup-sizes", default="10000,100000")


register(
    Scenario(
        name="catchup",
        title="Catch-up (one client resuming from a cursor; ours only: the peers have no log)",
        run=run,
        rows=rows,
        section=section,
        arguments=arguments,
        in_quick=False,  # not a row of the table: --quick (≤ 3 min) leaves it out
        quick={"catchup_sizes": "10000"},
    )
)
