"""Several load generator processes acting as one (`--generators N`), so that the generator is not the limit.

One `loadgen.js` process handles 10,000 connections on one core; on a 2-core machine that shares
a core with the server, a step at 10k clients could measure the generator's event loop as
much as the server. `MultiLoadGen` starts N processes with a share of the clients each (client
i still follows bench.<i % topics>), sends every command to all of them, and merges their
answers: deliveries added up, the latency percentiles and CDF taken over the merged raw
histograms (not averaged percentiles), and the busiest process's core share as `gen_core_share`.
It has the interface of `run.LoadGen` (read, send, stop).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent

BUCKET_US = 50  # as in loadgen.js
QUANTILES = (0.5, 0.9, 0.99, 0.999)


def start_loadgen(opts: dict[str, Any]) -> subprocess.Popen[str]:
    """One loadgen.js process with `opts`, driven line by line over stdin/stdout."""
    return subprocess.Popen(
        ["node", str(BENCH / "loadgen.js"), json.dumps(opts)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, NODE_PATH=str(BENCH / "node_modules")),
        bufsize=1,
    )


class MultiLoadGen:
    """N loadgen.js processes over disjoint client ranges, answering as one."""

    def __init__(self, url: str, clients: int, topics: int, generators: int, **extra: Any) -> None:
        share, rest = divmod(clients, generators)
        self.processes: list[subprocess.Popen[str]] = []
        self.topics = topics
        self.ranges: list[range] = []
        self.expected = 0
        offset = 0
        for k in range(generators):
            count = share + (1 if k < rest else 0)
            opts = {
                "url": url.replace("http://", "ws://"),
                "clients": count,
                "topics": topics,
                "offset": offset,
                "hist": True,
                **extra,
            }
            self.ranges.append(range(offset, offset + count))
            offset += count
            self.processes.append(start_loadgen(opts))

    @property
    def pids(self) -> list[int]:
        """The generator processes (for CPU accounting)."""
        return [p.pid for p in self.processes]

    def send(self, cmd: dict[str, Any]) -> None:
        """Send one command to every generator (a report waits for each one's own share of `per_topic`)."""
        for process, clients in zip(self.processes, self.ranges, strict=True):
            mine = dict(cmd)
            if cmd.get("cmd") == "report":
                self.expected = int(cmd["expected"])
                per_topic = cmd["per_topic"]
                # Client i follows bench.<i % topics>; a step on fewer topics (one shared topic) has a shorter list.
                mine["expected"] = sum(per_topic[i % len(per_topic)] for i in clients)
            assert process.stdin is not None
            process.stdin.write(json.dumps(mine) + "\n")
            process.stdin.flush()

    def _read_one(self, process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError("a load generator did not answer")
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("a load generator exited")
        return dict(json.loads(line))

    def read(self, timeout: float) -> dict[str, Any]:
        """Every generator's next answer, merged into one."""
        answers = [self._read_one(p, timeout) for p in self.processes]
        return merge(answers, self.expected)

    def stop(self) -> None:
        """Quit every generator (killed if it does not)."""
        for process in self.processes:
            if process.poll() is None:
                try:
                    assert process.stdin is not None
                    process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                    process.stdin.flush()
                    process.wait(10)
                except (OSError, subprocess.TimeoutExpired):
                    process.kill()
                    process.wait(5)


def merge(answers: list[dict[str, Any]], expected: int) -> dict[str, Any]:
    """One answer from the generators' answers to the same command."""
    first = answers[0]
    if "ready" in first:
        return {
            "ready": True,
            "subscribed": sum(a["subscribed"] for a in answers),
            "failed": sum(a["failed"] for a in answers),
            "connect_ms": max(a["connect_ms"] for a in answers),
            "generators": len(answers),
        }
    if "step" not in first:
        return first  # marked / bye
    hist: dict[int, int] = {}
    for answer in answers:
        for bucket, count in answer.get("hist", []):
            hist[bucket] = hist.get(bucket, 0) + count
    received = sum(a["received"] for a in answers)
    latency, cdf = percentiles(hist, received)
    if received:
        latency["max"] = max(a.get("max_ms", 0.0) for a in answers)
    return {
        "step": first["step"],
        "received": received,
        "expected": expected,
        "lost": max(0, expected - received),
        "latency_ms": latency,
        "cdf": cdf,
        "gen_cpu_ms": sum(a["gen_cpu_ms"] for a in answers),
        "gen_core_share": max(a["gen_core_share"] for a in answers),  # the busiest process
        "gen_core_shares": [a["gen_core_share"] for a in answers],
        # Per generator process; the worst of them (each sees its share of the clients).
        "spread_ms": {q: max(a["spread_ms"][q] for a in answers) for q in ("p50", "p99", "max")},
        "loop_delay_ms": {q: max(a["loop_delay_ms"][q] for a in answers) for q in ("p50", "p99", "max")},
        "closed": sum(a["closed"] for a in answers),
        "errors": sum(a["errors"] for a in answers),
        "stray": sum(a["stray"] for a in answers),
    }


def percentiles(hist: dict[int, int], total: int) -> tuple[dict[str, float], list[tuple[float, float]]]:
    """p50/p90/p99/p99.9 (ms, bucket upper bounds) and a CDF, from a merged histogram."""
    if not total:
        return {}, []
    targets = sorted({k / 100 for k in range(1, 101)} | {0.995, 0.999})
    result: dict[str, float] = {}
    cdf: list[tuple[float, float]] = []
    cum, qi, ci = 0, 0, 0
    for bucket in sorted(hist):
        cum += hist[bucket]
        ms = (bucket + 1) * BUCKET_US / 1000
        while qi < len(QUANTILES) and cum >= QUANTILES[qi] * total:
            result["p" + f"{QUANTILES[qi] * 100:g}".replace(".", "_")] = ms
            qi += 1
        while ci < len(targets) and cum >= targets[ci] * total:
            cdf.append((ms, targets[ci]))
            ci += 1
    return result, cdf
