"""Scale-out: one gunicorn+gevent web process against two behind nginx, on PostgreSQL with Redis.

    python bench/scaleout.py [--clients 2000] [--topics 20] [--seconds 3] [--writers 8]

For 1 and then 2 web processes (the same PostgreSQL database and Redis, nginx in front of both,
as docker-compose runs them) it measures:

- fan-out: `--clients` WebSocket clients connect through nginx (so they spread over the
  processes), `--topics` topics; events are published in the web processes themselves
  (`POST /bench/publish`, each event its own transaction, on every process at once) at a rate
  that doubles while the step is clean (no loss, p99 <= 100 ms); the best clean deliveries/s.
- publish: `--writers` concurrent HTTP clients through nginx, each `POST /bench/publish` of one
  event (`rate` high, one event) in a loop for `--seconds`: committed events/s.

Prints one JSON line per variant and a summary; the 2-core machine also runs nginx, PostgreSQL,
Redis and the generator, so it says which process used how much CPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import P99_LIMIT_MS, LoadGen, Server, cpu_seconds, log  # noqa: E402
from tools.servers import Nginx, free_port, render_nginx, start_postgres, start_redis  # noqa: E402


def start_web(count: int, env: dict[str, str]) -> list[Server]:
    """`count` gunicorn+gevent web processes of our bench app on the shared database and Redis."""
    servers: list[Server] = []
    for n in range(count):
        servers.append(Server(f"ours web {n + 1}/{count}", "ours", {"DIALOG_FANOUT_FASTPATH": "1", **env}).start())
    return servers


def fanout(web: list[Server], proxy: str, args: argparse.Namespace) -> dict[str, Any]:
    """The best clean fan-out step with clients through nginx and publishers in every process."""
    pids = [w.worker_pid for w in web]
    gen = LoadGen(proxy, args.clients, args.topics)
    steps: list[dict[str, Any]] = []
    try:
        ready = gen.read(timeout=300)
        per_topic_clients = [len(range(t, args.clients, args.topics)) for t in range(args.topics)]
        rate = max(1.0, 5000.0 / (args.clients / args.topics)) / len(web)  # per process
        for step in range(1, args.max_steps + 1):
            gen.send({"cmd": "mark"})
            gen.read(timeout=10)
            cpu0 = [cpu_seconds(p) for p in pids]
            answers: list[dict[str, Any]] = []

            body = {"rate": rate, "seconds": args.seconds, "topics": args.topics, "step": step}

            def publish(server: Server, answers: list[dict[str, Any]] = answers, body: dict[str, Any] = body) -> None:
                answered = requests.post(server.url + "/bench/publish", json=body, timeout=args.seconds + 120)
                answers.append(answered.json())

            threads = [threading.Thread(target=publish, args=(w,)) for w in web]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.monotonic() - began
            cpu = [cpu_seconds(p) - c for p, c in zip(pids, cpu0, strict=True)]
            per_topic = [sum(a["per_topic"][t] for a in answers) for t in range(args.topics)]
            expected = sum(n * c for n, c in zip(per_topic, per_topic_clients, strict=True))
            gen.send({"cmd": "report", "step": step, "expected": expected, "per_topic": per_topic, "wait_ms": 3000})
            rep = gen.read(timeout=60)
            p99 = rep["latency_ms"].get("p99", float("inf"))
            entry = {
                "rate_per_process": rate,
                "published": sum(a["published"] for a in answers),
                "deliveries_per_s": rep["received"] / max(max(a["seconds"] for a in answers), 1e-9),
                "lost": rep["lost"],
                "p99_ms": p99,
                "clean": rep["lost"] == 0 and p99 <= P99_LIMIT_MS,
                "cpu_share_per_process": [c / wall for c in cpu],
                "gen_core_share": rep["gen_core_share"],
            }
            steps.append(entry)
            log(
                f"  {len(web)} process(es): {entry['deliveries_per_s']:>9.0f} deliveries/s p99 {p99:7.1f} ms"
                f" lost {rep['lost']} cpu {[round(c, 2) for c in entry['cpu_share_per_process']]}"
            )
            if not entry["clean"]:
                break
            rate *= 2
    finally:
        gen.stop()
    clean = [s for s in steps if s["clean"]]
    best = max(clean, key=lambda s: s["deliveries_per_s"]) if clean else None
    best_rate = best["deliveries_per_s"] if best else 0.0
    return {"connected": ready, "steps": steps, "best_clean_deliveries_per_s": best_rate}


def publish(web: list[Server], proxy: str, args: argparse.Namespace) -> dict[str, Any]:
    """Committed events/s with `--writers` concurrent HTTP writers through nginx."""
    pids = [w.worker_pid for w in web]
    done = [0] * args.writers
    latencies: list[float] = []
    failures: list[str] = []
    stop = time.monotonic() + args.seconds

    def writer(n: int) -> None:
        with requests.Session() as http:
            while time.monotonic() < stop:
                # One event per request (its own transaction), as a REST write makes.
                body = {"rate": 1000.0, "seconds": 0.001, "topics": 1, "step": 0}
                began = time.monotonic()
                answer = http.post(proxy + "/bench/publish", json=body, timeout=60)
                latencies.append(time.monotonic() - began)
                if answer.ok:
                    done[n] += answer.json()["published"]
                else:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")

    cpu0 = [cpu_seconds(p) for p in pids]
    began = time.monotonic()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    latencies.sort()
    result = {
        "writers": args.writers,
        "requests": len(latencies),
        "failures": failures[:5],
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else None,
        "events_per_s": sum(done) / wall,
        "cpu_share_per_process": [(cpu_seconds(p) - c) / wall for p, c in zip(pids, cpu0, strict=True)],
    }
    log(
        f"  {len(web)} process(es): publish {result['events_per_s']:.0f} events/s with {args.writers} writers"
        f" (p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, failures {failures[:2]})"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--max-steps", type=int, default=6)
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    postgres = start_postgres(base / "pg")
    redis = start_redis(base / "redis")
    results: dict[str, Any] = {"args": vars(args)}
    try:
        for count in (1, 2):
            database = postgres.create_database(f"scaleout{count}")
            env = {"DIALOG_DATABASE_URL": database, "DIALOG_REDIS_URL": redis.url, "DIALOG_RELAY_POLL_SECONDS": "0.5"}
            web = start_web(count, env)
            port = free_port()
            upstreams = [f"127.0.0.1:{w.port}" for w in web]
            conf = render_nginx(base / f"nginx{count}", upstreams if count == 2 else upstreams * 2, port)
            nginx = Nginx(base / f"nginx{count}", conf, port).start()
            proxy = f"http://127.0.0.1:{port}"
            try:
                log(f"scale-out: {count} web process(es) behind nginx")
                results[f"web{count}"] = {"fanout": fanout(web, proxy, args), "publish": publish(web, proxy, args)}
            finally:
                nginx.stop()
                for server in web:
                    server.stop()
    finally:
        redis.stop()
        postgres.stop()
    one, two = results["web1"], results["web2"]
    best = "best_clean_deliveries_per_s"
    results["ratio_fanout"] = two["fanout"][best] / max(1.0, one["fanout"][best])
    results["ratio_publish"] = two["publish"]["events_per_s"] / max(1.0, one["publish"]["events_per_s"])
    print(json.dumps(results, separators=(",", ":")), flush=True)
    log(f"two processes vs one: fan-out {results['ratio_fanout']:.2f}x, publish {results['ratio_publish']:.2f}x")


if __name__ == "__main__":
    main()
