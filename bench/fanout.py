"""Fan-out: one event to many clients, on one topic and on many small topics; ours against the peers.

Per size the servers run in the order `ours, node, plain, ours-nofast, ours-nolog`, then `ours, node`
again per extra round (A B A B). Each run starts a fresh server, connects every client (RSS per idle
connection is read here), then publishes in steps whose rate doubles until a step is not clean
(p99 > 100 ms or any loss). The figure is the best clean step's deliveries/s. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import P99_LIMIT_MS, LoadGen, cpu_seconds, log, make_server, rss_bytes
from bench.registry import Row, Scenario, k, ratio, register

LABELS = {
    "ours": "ours: fast path, event log on",
    "ours-nofast": "ours: fast path off, event log on",
    "ours-nolog": "ours: fast path, event log off",
    "node": "Node socket.io 4.8",
    "plain": "plain Flask-SocketIO (gevent)",
}


def make_loadgen(url: str, clients: int, topics: int, args: argparse.Namespace) -> Any:
    """One generator process, or `--generators` of them acting as one (bench/multigen.py)."""
    if getattr(args, "generators", 1) > 1:
        from bench.multigen import MultiLoadGen

        return MultiLoadGen(url, clients, topics, args.generators)
    return LoadGen(url, clients, topics)


def fanout(variant: str, clients: int, topics: int, args: argparse.Namespace) -> dict[str, Any]:
    """One server variant, `clients` on `topics`: RSS per idle connection, then rate steps to the knee."""
    server = make_server(variant).start()
    result: dict[str, Any] = {
        "variant": variant,
        "server": server.name,
        "clients": clients,
        "topics": topics,
        "steps": [],
        "load_at_start": os.getloadavg(),  # a neighbour's work shows here (the machine has 2 cores)
    }
    gen: LoadGen | None = None
    try:
        pid = server.worker_pid
        time.sleep(0.5)
        rss0 = rss_bytes(pid)
        gen = make_loadgen(server.url, clients, topics, args)
        ready = gen.read(timeout=180)
        result["connect"] = ready
        time.sleep(1.0)
        rss1 = rss_bytes(pid)
        result["rss_idle_before"] = rss0
        result["rss_idle_after"] = rss1
        result["rss_per_connection"] = (rss1 - rss0) / max(1, ready["subscribed"])
        per_topic_clients = [len(range(t, clients, topics)) for t in range(topics)]
        # Start near 5k deliveries/s and double: the first step that is not clean is the knee.
        rate = max(1.0, args.start_deliveries / (clients / topics))
        for step in range(1, args.max_steps + 1):
            gen.send({"cmd": "mark"})
            gen.read(timeout=10)
            cpu0 = cpu_seconds(pid)
            t0 = time.monotonic()
            pub = requests.post(
                server.url + "/bench/publish",
                json={"rate": rate, "seconds": args.step_seconds, "topics": topics, "step": step, "log": server.log_on},
                timeout=args.step_seconds + 60,
            ).json()
            cpu1 = cpu_seconds(pid)
            wall = time.monotonic() - t0
            expected = sum(n * c for n, c in zip(pub["per_topic"], per_topic_clients, strict=True))
            gen.send(
                {"cmd": "report", "step": step, "expected": expected, "per_topic": pub["per_topic"], "wait_ms": 3000}
            )
            rep = gen.read(timeout=30)
            p99 = rep["latency_ms"].get("p99", float("inf"))
            clean = rep["lost"] == 0 and p99 <= P99_LIMIT_MS
            entry = {
                "step": step,
                "rate_events_per_s": rate,
                "published": pub["published"],
                "expected": expected,
                "received": rep["received"],
                "lost": rep["lost"],
                "deliveries_per_s": rep["received"] / max(pub["seconds"], 1e-9),
                "latency_ms": rep["latency_ms"],
                "cdf": rep["cdf"],
                "server_cpu_s": cpu1 - cpu0,
                "server_cpu_share": (cpu1 - cpu0) / wall,
                "server_cpu_us_per_delivery": 1e6 * (cpu1 - cpu0) / max(1, rep["received"]),
                "gen_core_share": rep["gen_core_share"],
                "gen_busy": rep["gen_core_share"] > 0.7,
                "clean": clean,
            }
            result["steps"].append(entry)
            log(
                f"  {variant:12s} {clients:>6} clients {topics:>3} topics rate {rate:8.1f}/s: "
                f"{entry['deliveries_per_s']:>9.0f} deliveries/s p99 {p99:7.1f} ms lost {rep['lost']:>7} "
                f"server cpu {entry['server_cpu_share']:.2f} gen {rep['gen_core_share']:.2f}"
                f"{' BUSY' if entry['gen_busy'] else ''}"
            )
            entry["lossless"] = rep["lost"] == 0
            # Go on past the knee while nothing is lost and p99 stays under 1 s, to see where
            # throughput itself saturates (the 10k-client figures are such points).
            if rep["lost"] or p99 > 1000:
                break
            rate *= 2
        clean_steps = [s for s in result["steps"] if s["clean"]]
        best = max(clean_steps, key=lambda s: s["deliveries_per_s"]) if clean_steps else None
        result["best_clean"] = best and {k: v for k, v in best.items() if k != "cdf"}
        result["best_clean_deliveries_per_s"] = best["deliveries_per_s"] if best else 0.0
        result["gen_busy_any"] = any(s["gen_busy"] for s in result["steps"])
        result["knee_reached"] = any(not s["clean"] for s in result["steps"])
        lossless = [s for s in result["steps"] if s["lost"] == 0]
        top = max(lossless, key=lambda s: s["deliveries_per_s"]) if lossless else None
        result["best_lossless_deliveries_per_s"] = top["deliveries_per_s"] if top else 0.0
        result["best_lossless_p99_ms"] = top["latency_ms"].get("p99") if top else None
    finally:
        if gen is not None:
            gen.stop()
        server.stop()
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every size and the topic grid, each server variant in A B A B order."""
    runs: list[dict[str, Any]] = []
    plan: list[tuple[int, int, list[str]]] = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        order = ["ours", "node", "plain", "ours-nofast", "ours-nolog"]
        for _ in range(args.rounds - 1):
            order += ["ours", "node"]  # A B A B: the headline pair again, later in the run
        plan.append((size, 1, order))
    if args.topic_grid:
        t, c = (int(x) for x in args.topic_grid.split("x"))
        plan.append((t * c, t, ["ours", "node", "plain"]))
    variants = [v for v in args.variants.split(",") if v]
    for clients, topics, order in plan:
        order = [v for v in order if not variants or v in variants]
        log(f"fan-out: {clients} clients on {topics} topic(s): {' '.join(order)}")
        for variant in order:
            try:
                runs.append(fanout(variant, clients, topics, args))
            except Exception as exc:  # record it and go on with the others
                log(f"  {variant} failed: {exc}")
                runs.append({"variant": variant, "clients": clients, "topics": topics, "error": str(exc)})
    return {"runs": runs}


def _runs(result: dict[str, Any], variant: str, clients: int, topics: int) -> list[dict[str, Any]]:
    return [
        r
        for r in result.get("runs", [])
        if r.get("variant") == variant
        and r.get("clients") == clients
        and r.get("topics") == topics
        and "error" not in r
    ]


def _best(runs: list[dict[str, Any]]) -> float | None:
    values = [r["best_clean_deliveries_per_s"] for r in runs]
    return statistics.mean(values) if values else None


def _p99(runs: list[dict[str, Any]]) -> str:
    best = (runs[0].get("best_clean") or {}) if runs else {}
    p99 = best.get("latency_ms", {}).get("p99")
    return "" if p99 is None else f", p99 {p99:.0f} ms"


def rows(result: dict[str, Any]) -> list[Row]:
    """The issue's fan-out rows: many small topics, one big topic, RSS per idle connection."""
    out: list[Row] = []
    groups = sorted({(r["clients"], r["topics"]) for r in result.get("runs", [])})
    for clients, topics in groups:
        ours_runs, node_runs = _runs(result, "ours", clients, topics), _runs(result, "node", clients, topics)
        ours, node = _best(ours_runs), _best(node_runs)
        if topics > 1:
            what, target = f"{topics} topics × {clients // topics} clients, clean deliveries/s", 1.5
        else:
            what, target = f"{clients:,} clients on one topic, clean deliveries/s (p99 ≤ 100 ms)", None
        silent = [name for name, value in (("ours", ours), ("Node", node)) if value == 0]
        note = f"no clean step (p99 ≤ 100 ms, no loss) for {' or '.join(silent)}" if silent else ""
        out.append(
            Row(
                what,
                f"{k(ours)}{_p99(ours_runs)}",
                f"Node socket.io {k(node)}{_p99(node_runs)}",
                ratio(ours, node),
                target,
                note=note,
            )
        )
    rss = {
        v: [r["rss_per_connection"] for r in result.get("runs", []) if r.get("variant") == v and "error" not in r]
        for v in ("ours", "node", "plain")
    }
    sizes = [r["clients"] for r in result.get("runs", []) if "error" not in r]
    if rss["ours"] and rss["node"] and sizes:
        o, n = statistics.mean(rss["ours"]), statistics.mean(rss["node"])
        plain = f" (plain Flask-SocketIO {statistics.mean(rss['plain']) / 1024:.0f} KiB)" if rss["plain"] else ""
        out.append(
            Row(
                f"RSS per idle connection (up to {max(sizes):,})",
                f"{o / 1024:.1f} KiB{plain}",
                f"Node {n / 1024:.1f} KiB",
                ratio(o, n),
                1.0,
                lower_is_better=True,
            )
        )
    return out


def section(result: dict[str, Any]) -> list[str]:
    """Per size and server: best clean step, its p99 and CPU, the lossless maximum, RSS; then every step."""
    lines = [
        "| clients × topics | server | best clean deliveries/s (each run) | p99 at best | server µs/delivery at best "
        "| most deliveries/s with no loss (p99) | gen busy | RSS per idle connection |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    all_runs = result.get("runs", [])
    for clients, topics in sorted({(r["clients"], r["topics"]) for r in all_runs}):
        for variant in LABELS:
            runs = _runs(result, variant, clients, topics)
            errors = [
                r
                for r in all_runs
                if (r.get("variant"), r.get("clients"), r.get("topics")) == (variant, clients, topics) and "error" in r
            ]
            if not runs and not errors:
                continue
            if not runs:
                lines.append(
                    f"| {clients}×{topics} | {LABELS[variant]} | failed: {errors[0]['error'][:80]} | | | | | |"
                )
                continue
            each = ", ".join(k(r["best_clean_deliveries_per_s"]) for r in runs)
            best = runs[0].get("best_clean") or {}
            p99 = best.get("latency_ms", {}).get("p99")
            lossless = ", ".join(
                "n/a" if r["best_lossless_p99_ms"] is None else f"{r['best_lossless_p99_ms']:.0f} ms" for r in runs
            )
            lines.append(
                f"| {clients}×{topics} | {LABELS[variant]} | **{k(_best(runs))}** ({each}) | "
                f"{'n/a' if p99 is None else f'{p99:.1f} ms'} | "
                f"{best.get('server_cpu_us_per_delivery', float('nan')):.1f} | "
                f"{k(statistics.mean(r['best_lossless_deliveries_per_s'] for r in runs))} ({lossless}) | "
                f"{'yes' if any(r['gen_busy_any'] for r in runs) else 'no'} | "
                f"{statistics.mean(r['rss_per_connection'] for r in runs) / 1024:.1f} KiB |"
            )
    lines += ["", "Every step of every run (deliveries/s, p99, loss, server CPU share, generator CPU share):", ""]
    for r in all_runs:
        if "error" in r:
            continue
        steps = "; ".join(
            f"{k(s['deliveries_per_s'])}/s p99 {s['latency_ms'].get('p99', float('nan')):.0f} ms"
            f"{'' if not s['lost'] else ' lost ' + str(s['lost'])} cpu {s['server_cpu_share']:.2f}"
            f" gen {s['gen_core_share']:.2f}"
            for s in r["steps"]
        )
        load = r.get("load_at_start")
        at = f" (load {load[0]:.2f} at start)" if load else ""
        lines.append(f"- {r['clients']}×{r['topics']} {LABELS[r['variant']]}{at}: {steps}")
    return lines


def plots(result: dict[str, Any], out: Path, stamp: str) -> list[str]:
    """Latency CDF at the best clean step, and deliveries/s against clients (PNG files in `out`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    names: list[str] = []
    groups = sorted({(r["clients"], r["topics"]) for r in result.get("runs", []) if "error" not in r})
    if groups:
        fig, axes = plt.subplots(1, len(groups), figsize=(5.5 * len(groups), 4.2), squeeze=False)
        for ax, (clients, topics) in zip(axes[0], groups, strict=True):
            for variant in LABELS:
                runs = _runs(result, variant, clients, topics)
                if not runs:
                    continue
                run = runs[0]
                clean = [s for s in run["steps"] if s["clean"]]
                step = max(clean, key=lambda s: s["deliveries_per_s"]) if clean else (run["steps"] or [None])[0]
                if step is None or not step["cdf"]:
                    continue
                xs = [max(p[0], 0.05) for p in step["cdf"]]
                ys = [p[1] for p in step["cdf"]]
                ax.plot(xs, ys, label=f"{LABELS[variant]} @ {k(step['deliveries_per_s'])}/s")
            ax.set_xscale("log")
            ax.axvline(100, color="grey", linestyle=":", linewidth=1)
            ax.set_title(f"{clients} clients, {topics} topic(s): best clean step (else the first)", fontsize=9)
            ax.set_xlabel("latency (ms, log)")
            ax.set_ylabel("fraction of deliveries")
            ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        name = f"{stamp}-latency-cdf.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        names.append(name)

        sizes = sorted({c for c, t in groups if t == 1})
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        for variant in LABELS:
            ys = [_best(_runs(result, variant, c, 1)) for c in sizes]
            pts = [(c, y) for c, y in zip(sizes, ys, strict=True) if y is not None]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] / 1000 for p in pts], marker="o", label=LABELS[variant])
        ax.set_xscale("log")
        ax.set_xlabel("clients (one topic)")
        ax.set_ylabel("deliveries/s (thousands) at p99 ≤ 100 ms, no loss")
        ax.set_title("Fan-out: best clean step")
        ax.legend(fontsize=7)
        fig.tight_layout()
        name = f"{stamp}-deliveries-vs-clients.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        names.append(name)
    return names


def arguments(parser: argparse._ActionsContainer) -> None:
    """Sizes, the topic grid, rounds and the rate steps."""
    parser.add_argument("--sizes", default="1000,10000", help="clients on one topic")
    parser.add_argument("--topic-grid", default="100x100", help="topics x clients each ('' to skip)")
    parser.add_argument("--rounds", type=int, default=2, help="A B A B: how often ours and Node repeat")
    parser.add_argument("--step-seconds", type=float, default=2.0)
    parser.add_argument("--generators", type=int, default=1, help="load generator processes (bench/multigen.py)")
    parser.add_argument("--max-steps", type=int, default=7)
    parser.add_argument("--start-deliveries", type=float, default=10000.0)
    parser.add_argument("--variants", default="", help="comma list of server variants to run (default: all)")


register(
    Scenario(
        name="fanout",
        title="Fan-out",
        run=run,
        rows=rows,
        section=section,
        plots=plots,
        arguments=arguments,
        # --quick: many small topics at 100 × 20 (connecting 10k clients alone can take a minute on a busy machine)
        quick={
            "sizes": "1000",
            "topic_grid": "100x20",
            "rounds": 1,
            "step_seconds": 1.0,
            "max_steps": 5,
            "variants": "ours,node",
        },
    )
)
