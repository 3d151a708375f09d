"""Scale-out: one gunicorn+gevent web process against two behind nginx, on PostgreSQL with Redis.

    python bench/scaleout.py [--clients 2000] [--topics 20] [--seconds 3] [--writers 16] [--generators 1]

One PostgreSQL, one Redis and one nginx serve both topologies (as docker-compose runs them): first
nginx sends everything to web process 1 alone, then web process 2 is started on the same database
and nginx is reloaded with both. The one-process run goes through nginx too, so both pay the proxy.

- fan-out: `--clients` WebSocket clients (bench/loadgen.js, `--generators` processes) connect
  through nginx, each from its own loopback address so that nginx's `ip_hash` spreads them over the
  processes as it spreads real clients (from 127.0.0.1 alone every client would land on one
  process); `--topics` topics. Every web process publishes its share of the events itself
  (`POST /bench/publish`, each event its own transaction), every relay tails the shared log (woken
  through Redis) and pushes to its own clients. The rate doubles while a step is clean (no loss,
  p99 <= 100 ms); the figure is the best clean step's deliveries/s.
- publish: `--writers` HTTP clients (bench/httpload.js, keep-alive, each from its own address)
  `POST /bench/publish` one event per request (its own transaction) through nginx for `--seconds`:
  committed events/s.

For every step it accounts the CPU of each component from /proc (each web process, nginx,
PostgreSQL, Redis, the generators, and the rest of the machine), so the report can say what
limits the ratio on a 2-core machine. Prints one JSON line (the last) with everything.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BENCH,
    P99_LIMIT_MS,
    CpuMeter,
    Server,
    established,
    generators_for,
    log,
    process_tree,
    run_json,
    settle,
)
from bench.multigen import MultiLoadGen  # noqa: E402
from tools.servers import Nginx, free_port, render_nginx, start_postgres, start_redis  # noqa: E402


def web_server(n: int, env: dict[str, str], *, migrate: bool) -> Server:
    """Web process `n` of our bench app on the shared database and Redis (not started)."""
    return Server(f"ours web {n}", "ours", {"DIALOG_FANOUT_FASTPATH": "1", **env}, migrate=migrate)


def components(web: list[Server], nginx: Nginx, postgres: Any, redis: Any) -> dict[str, list[int]]:
    """Root pid of every component whose CPU the report accounts."""
    groups = {f"web{n + 1}": [w.process.pid] for n, w in enumerate(web) if w.process is not None}
    assert nginx.process is not None and postgres.process is not None and redis.process is not None
    groups.update(nginx=[nginx.process.pid], postgresql=[postgres.process.pid], redis=[redis.process.pid])
    return groups


def web_cpu(cpu: dict[str, float]) -> float:
    """The web processes' CPU share together (in cores)."""
    return sum(share for name, share in cpu.items() if name.startswith("web"))


def fanout(web: list[Server], proxy: str, groups: dict[str, list[int]], args: argparse.Namespace) -> dict[str, Any]:
    """The best clean fan-out step with clients spread through nginx and publishers in every process."""
    gen = MultiLoadGen(proxy, args.clients, args.topics, generators_for(args.clients, args.generators), spread=True)
    steps: list[dict[str, Any]] = []
    try:
        ready = gen.read(timeout=300)
        time.sleep(0.5)
        # Each client is one upstream connection from nginx to the process holding it.
        split = [established(w.port) for w in web]
        log(f"  {len(web)} process(es): {ready['subscribed']} clients subscribed, upstream connections {split}")
        meter_groups = {**groups, "generators": gen.pids}
        per_topic_clients = [len(range(t, args.clients, args.topics)) for t in range(args.topics)]
        rate = max(1.0, args.start_deliveries / (args.clients / args.topics)) / len(web)  # per process
        for step in range(1, args.max_steps + 1):
            gen.send({"cmd": "mark"})
            gen.read(timeout=10)
            answers: list[dict[str, Any]] = []
            body = {"rate": rate, "seconds": args.seconds, "topics": args.topics, "step": step}

            def publish(server: Server, answers: list[dict[str, Any]] = answers, body: dict[str, Any] = body) -> None:
                answered = requests.post(server.url + "/bench/publish", json=body, timeout=args.seconds + 120)
                answers.append(answered.json())

            threads = [threading.Thread(target=publish, args=(w,)) for w in web]
            meter = CpuMeter(meter_groups).start()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            cpu = meter.stop()
            per_topic = [sum(a["per_topic"][t] for a in answers) for t in range(args.topics)]
            expected = sum(n * c for n, c in zip(per_topic, per_topic_clients, strict=True))
            gen.send({"cmd": "report", "step": step, "expected": expected, "per_topic": per_topic, "wait_ms": 3000})
            rep = gen.read(timeout=60)
            p99 = rep["latency_ms"].get("p99", float("inf"))
            seconds = max(a["seconds"] for a in answers)
            published = sum(a["published"] for a in answers)
            entry = {
                "rate_per_process": rate,
                "published": published,
                # The publishers fell behind their rate: the step measured the commit path, not delivery.
                "publisher_behind": published < 0.9 * rate * len(web) * args.seconds,
                "deliveries_per_s": rep["received"] / max(seconds, 1e-9),
                "lost": rep["lost"],
                "p50_ms": rep["latency_ms"].get("p50"),
                "p99_ms": p99,
                "clean": rep["lost"] == 0 and p99 <= P99_LIMIT_MS,
                "cpu": cpu,
                "gen_core_shares": rep.get("gen_core_shares", [rep["gen_core_share"]]),
                # The web processes' CPU per delivery (all of them together): what a busy machine changes
                # least. If two processes spend what one does, the second core is what the ratio lacks.
                "web_cpu_us_per_delivery": 1e6 * web_cpu(cpu) * meter.seconds / max(1, rep["received"]),
                "lossless": rep["lost"] == 0,
            }
            steps.append(entry)
            log(
                f"  {len(web)} process(es): {entry['deliveries_per_s']:>9.0f} deliveries/s p99 {p99:7.1f} ms"
                f" lost {rep['lost']}{' (publisher behind)' if entry['publisher_behind'] else ''}; cpu "
                + " ".join(f"{name} {share:.2f}" for name, share in cpu.items())
            )
            # Past the knee while nothing is lost and p99 stays under 1 s: where throughput saturates
            # (the load on a shared machine moves the knee more than it moves saturation).
            if rep["lost"] or p99 > 1000 or (args.stop_at_knee and not entry["clean"]):
                break
            rate *= 2
    finally:
        gen.stop()
    clean = [s for s in steps if s["clean"]]
    best = max(clean, key=lambda s: s["deliveries_per_s"]) if clean else None
    lossless = [s for s in steps if s["lossless"]]
    top = max(lossless, key=lambda s: s["deliveries_per_s"]) if lossless else None
    return {
        "best_lossless_deliveries_per_s": top["deliveries_per_s"] if top else 0.0,
        "best_lossless": top,
        "connected": ready,
        "upstream_connections": split,
        "steps": steps,
        "best_clean_deliveries_per_s": best["deliveries_per_s"] if best else 0.0,
        "best_clean": best,
    }


def publish(web: list[Server], proxy: str, groups: dict[str, list[int]], args: argparse.Namespace) -> dict[str, Any]:
    """Committed events/s with `--writers` concurrent HTTP writers through nginx (bench/httpload.js)."""
    opts = {
        "url": proxy,
        "path": "/bench/publish",
        # One event per request, in its own transaction, as a REST write makes.
        "body": {"rate": 1000.0, "seconds": 0.001, "topics": 1, "step": 0},
        "writers": args.writers,
        "seconds": args.seconds,
        "spread": True,
    }
    meters: list[CpuMeter] = []

    def started(pid: int) -> None:
        meters.append(CpuMeter({**groups, "generators": [pid]}).start())

    got = run_json(["node", str(BENCH / "httpload.js"), json.dumps(opts)], args.seconds + 120, started=started)
    if "error" in got:
        raise RuntimeError(got["error"])
    cpu = meters[0].stop()
    writes = got["writes"]
    result = {
        "writers": args.writers,
        "requests": writes["requests"],
        "failed": writes["requests"] - writes["ok"],
        "p50_ms": writes["ms"]["p50"],
        "p99_ms": writes["ms"]["p99"],
        "events_per_s": writes["per_s"],
        "cpu": cpu,
        "web_cpu_ms_per_event": 1e3 * web_cpu(cpu) * meters[0].seconds / max(1, writes["ok"]),
    }
    log(
        f"  {len(web)} process(es): publish {result['events_per_s']:.0f} events/s with {args.writers} writers"
        f" (p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, failed {result['failed']}); cpu "
        + " ".join(f"{name} {share:.2f}" for name, share in cpu.items())
    )
    return result


def measure(web: list[Server], proxy: str, groups: dict[str, list[int]], args: argparse.Namespace) -> dict[str, Any]:
    """Fan-out then publish on one topology, each started once the web processes are idle."""
    roots = [w.process.pid for w in web if w.process is not None]
    log(f"scale-out: {len(web)} web process(es) behind nginx (idle after {settle(roots):.1f} s)")
    spread = fanout(web, proxy, groups, args)
    # The fan-out's clients have just gone: closing their sessions takes a process seconds.
    waited = settle(roots)
    log(f"  idle after {waited:.1f} s")
    return {"fanout": spread, "publish": publish(web, proxy, groups, args)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--max-steps", type=int, default=6)
    parser.add_argument("--start-deliveries", type=float, default=5000.0)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--stop-at-knee", action="store_true", help="stop at the first step that is not clean")
    parser.add_argument("--generators", type=int, default=0, help="0: bench.common.generators_for")
    parser.add_argument("--rounds", type=int, default=2, help="1 2 1 2 ...: each topology this often, interleaved")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    postgres = start_postgres(base / "pg")
    redis = start_redis(base / "redis")
    results: dict[str, Any] = {"args": vars(args), "load_at_start": os.getloadavg()}
    web: list[Server] = []
    nginx: Nginx | None = None
    rounds: list[dict[str, Any]] = []
    try:
        env = {
            "DIALOG_DATABASE_URL": postgres.create_database("scaleout"),
            "DIALOG_REDIS_URL": redis.url,
            "DIALOG_RELAY_POLL_SECONDS": "0.5",
            # Web process 2 is stopped (SIGSTOP) while process 1 runs alone: its master must not
            # take the pause for a hung worker when both resume.
            "GUNICORN_CMD_ARGS": "--timeout 900",
        }
        web.append(web_server(1, env, migrate=True).start())
        web.append(web_server(2, env, migrate=False).start())  # the same database, migrated already
        port = free_port()
        upstreams = [f"127.0.0.1:{w.port}" for w in web]
        nginx = Nginx(base / "nginx", render_nginx(base / "nginx", upstreams[:1] * 2, port), port).start()
        proxy = f"http://127.0.0.1:{port}"
        paused = False
        # 1 2 1 2: a neighbour's load on the shared machine hits both topologies alike.
        for _ in range(args.rounds):
            measured: dict[str, Any] = {}
            for count in (1, 2):
                # One process: nginx sends everything to web 1 and web 2 is frozen (its relay
                # would otherwise read every event too). Two: web 2 resumes and nginx balances.
                render_nginx(base / "nginx", upstreams[:1] * 2 if count == 1 else upstreams, port)
                nginx.reload()
                if count == 1 and not paused:
                    signal_tree(web[1], signal.SIGSTOP)
                    paused = True
                elif count == 2 and paused:
                    signal_tree(web[1], signal.SIGCONT)
                    paused = False
                time.sleep(0.5)  # nginx's new worker; web 2's relay catches up (measure() waits for idle)
                measured[f"web{count}"] = measure(
                    web[:count], proxy, components(web[:count], nginx, postgres, redis), args
                )
            rounds.append(measured)
        if paused:
            signal_tree(web[1], signal.SIGCONT)
    finally:
        if nginx is not None:
            nginx.stop()
        for server in web:
            server.stop()
        redis.stop()
        postgres.remove()
    results["rounds"] = rounds
    for count in (1, 2):
        results[f"web{count}"] = summarise([r[f"web{count}"] for r in rounds])
    one, two = results["web1"], results["web2"]
    best = "best_clean_deliveries_per_s"
    results["ratio_fanout"] = two["fanout"][best] / max(1.0, one["fanout"][best])
    results["ratio_publish"] = two["publish"]["events_per_s"] / max(1.0, one["publish"]["events_per_s"])
    log(f"two processes vs one: fan-out {results['ratio_fanout']:.2f}x, publish {results['ratio_publish']:.2f}x")
    print(json.dumps(results, separators=(",", ":")), flush=True)


def signal_tree(server: Server, signum: int) -> None:
    """Send `signum` to a server's master and worker (SIGSTOP / SIGCONT)."""
    assert server.process is not None
    for pid in process_tree(server.process.pid):
        os.kill(pid, signum)


def summarise(measured: list[dict[str, Any]]) -> dict[str, Any]:
    """One topology over its rounds: the mean figures, each round's, every step, the last round's detail."""
    fan = [m["fanout"] for m in measured]
    pub = [m["publish"] for m in measured]
    keys = ("best_clean_deliveries_per_s", "best_lossless_deliveries_per_s")
    fanout = {**fan[-1], **{key: statistics.mean(f[key] for f in fan) for key in keys}}
    fanout["each"] = {key: [f[key] for f in fan] for key in keys}
    fanout["steps"] = [{**step, "round": n + 1} for n, f in enumerate(fan) for step in f["steps"]]
    publish = {**pub[-1], "events_per_s": statistics.mean(p["events_per_s"] for p in pub)}
    publish["each"] = [p["events_per_s"] for p in pub]
    publish["web_cpu_ms_per_event"] = statistics.mean(p["web_cpu_ms_per_event"] for p in pub)
    return {"fanout": fanout, "publish": publish}


if __name__ == "__main__":
    main()
