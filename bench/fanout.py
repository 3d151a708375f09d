"""Fan-out: one event to many clients, on one topic and on many small topics; ours against the peers.

Per size the servers run in the order `ours, node, plain, ours-nofast, ours-nolog`, then `ours, node`
again per extra round (A B A B). Each run starts a fresh server, connects every client (RSS per idle
connection is read here), then publishes in steps whose rate doubles until a step is not clean
(p99 > 100 ms or any loss), and then bisects between the last clean rate and the first that was
not (`--refine-steps`, geometric midpoints, until they are within `--refine-within`). The figure
is the best clean step's deliveries/s, refinement steps included. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import (
    P99_LIMIT_MS,
    LoadGen,
    cpu_seconds,
    generators_for,
    log,
    machine_cpu,
    make_server,
    rss_bytes,
)
from bench.registry import Row, Scenario, k, ratio, register

LABELS = {
    "ours": "ours: fast path, event log on",
    "ours-nofast": "ours: fast path off, event log on",
    "ours-nolog": "ours: fast path, event log off",
    "node": "Node socket.io 4.8",
    "plain": "plain Flask-SocketIO (gevent)",
}


def make_loadgen(url: str, clients: int, topics: int, args: argparse.Namespace, **extra: Any) -> Any:
    """One generator process, or several acting as one (bench/multigen.py); see `generators_for`."""
    count = generators_for(clients, getattr(args, "generators", 0))
    if count > 1:
        from bench.multigen import MultiLoadGen

        return MultiLoadGen(url, clients, topics, count, **extra)
    return LoadGen(url, clients, topics, **extra)


def fanout(
    variant: str, clients: int, topics: int, args: argparse.Namespace, *, one_topic_too: bool = False
) -> list[dict[str, Any]]:
    """One server variant, `clients` on `topics`: RSS per idle connection, then rate steps to the knee.

    With `one_topic_too` (and `topics` > 1) every client also follows one shared topic, and the same
    connections are measured twice: all of them on that one topic, then spread over `topics`
    (two results, as two separate runs would give; it saves a server start and a connect).
    """
    server = make_server(variant).start()
    shared = one_topic_too and topics > 1
    base: dict[str, Any] = {
        "variant": variant,
        "server": server.name,
        "clients": clients,
        "load_at_start": os.getloadavg(),  # a neighbour's work shows here (the machine has 2 cores)
    }
    results: list[dict[str, Any]] = []
    gen: LoadGen | None = None
    try:
        pid = server.worker_pid
        time.sleep(0.5)
        rss0 = rss_bytes(pid)
        extra = {"extra_topic": f"bench.{topics}"} if shared else {}
        cpu0 = cpu_seconds(pid)
        gen = make_loadgen(server.url, clients, topics, args, **extra)
        ready = gen.read(timeout=180)
        # The server's CPU per client for connecting and subscribing (the wall time depends on the load).
        connect_ms = 1000 * (cpu_seconds(pid) - cpu0) / max(1, ready["subscribed"])
        log(
            f"  {variant}: {ready['subscribed']} clients subscribed in {ready['connect_ms'] / 1000:.1f} s "
            f"(server CPU {connect_ms:.2f} ms per client)"
        )
        base["connect"] = ready
        base["connect_cpu_ms_per_client"] = connect_ms
        base["generators"] = generators_for(clients, getattr(args, "generators", 0))
        time.sleep(1.0)
        rss1 = rss_bytes(pid)
        base["rss_idle_before"] = rss0
        base["rss_idle_after"] = rss1
        base["rss_per_connection"] = (rss1 - rss0) / max(1, ready["subscribed"])
        if shared:
            base["subscriptions_per_client"] = 2
            results.append(steps(server, gen, pid, {**base, "topics": 1}, first=topics, args=args))
        results.append(steps(server, gen, pid, {**base, "topics": topics}, first=0, args=args))
    finally:
        if gen is not None:
            gen.stop()
        server.stop()
    return results


def steps(
    server: Any, gen: Any, pid: int, result: dict[str, Any], *, first: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Publish in steps of doubling rate to `result["topics"]` topics from bench.<first>, then refine the knee."""
    clients, topics = result["clients"], result["topics"]
    result["steps"] = []
    quick = getattr(args, "quick", False)
    per_topic_clients = [len(range(t, clients, topics)) for t in range(topics)]
    measure = _Step(server, gen, pid, result, first, args, per_topic_clients)
    # Start near --start-deliveries/s and double: the first step that is not clean is the knee.
    rate = max(1.0, args.start_deliveries / (clients / topics))
    for _ in range(args.max_steps):
        entry = measure(rate)
        # Go on past the knee while nothing is lost and p99 stays under 1 s, to see where
        # throughput itself saturates (the 10k-client figures are such points); --quick
        # stops at the knee.
        if entry["lost"] or entry["latency_ms"].get("p99", float("inf")) > 1000 or (quick and not entry["clean"]):
            break
        rate *= 2
    # Doubling only brackets the knee (both servers of the last run had the same best clean step
    # while their knees differed): bisect between the last clean rate and the first that was not.
    for _ in range(getattr(args, "refine_steps", 0)):
        rate = next_refinement(result["steps"], getattr(args, "refine_within", 1.15))
        if rate is None:
            break
        _settle(pid)  # the steps past the knee leave backlogs: measure from an idle server
        measure(rate, refining=True)
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
    return result


def next_refinement(steps_so_far: list[dict[str, Any]], within: float) -> float | None:
    """The next rate to try between the best clean rate and the lowest higher one that was not clean.

    The geometric midpoint (rates doubled, so the knee is bracketed within a factor); None when
    nothing brackets the knee (no clean step, or none failed above it) or the bracket is already
    narrower than `within` (a ratio, e.g. 1.15).
    """
    clean = [s["rate_events_per_s"] for s in steps_so_far if s["clean"]]
    if not clean:
        return None
    low = max(clean)
    failed = [s["rate_events_per_s"] for s in steps_so_far if not s["clean"] and s["rate_events_per_s"] > low]
    if not failed:
        return None
    high = min(failed)
    if high / low <= within:
        return None
    return float((low * high) ** 0.5)


def _settle(pid: int, *, idle_share: float = 0.1, timeout: float = 15.0) -> None:
    """Wait until the server's CPU share over half a second is below `idle_share` (or `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(0.5)
        if (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0) < idle_share:
            return


class _Step:
    """Measures one step: publish at a rate for --step-seconds, then the generators' report."""

    def __init__(
        self,
        server: Any,
        gen: Any,
        pid: int,
        result: dict[str, Any],
        first: int,
        args: argparse.Namespace,
        per_topic_clients: list[int],
    ) -> None:
        self.server, self.gen, self.pid, self.result = server, gen, pid, result
        self.first, self.args, self.per_topic_clients = first, args, per_topic_clients

    def __call__(self, rate: float, *, refining: bool = False) -> dict[str, Any]:
        """Run the step at `rate` events/s per topic, append it to the result's steps and return it."""
        server, gen, pid, args, result = self.server, self.gen, self.pid, self.args, self.result
        step_no = len(result["steps"]) + 1
        step = step_no + (1000 if self.first else 0)  # the generator keys its counts by step: never reuse one
        gen.send({"cmd": "mark"})
        gen.read(timeout=10)
        cpu0 = cpu_seconds(pid)
        machine0 = machine_cpu()
        t0 = time.monotonic()
        body = {
            "rate": rate,
            "seconds": args.step_seconds,
            "topics": result["topics"],
            "step": step,
            "log": server.log_on,
            "first": self.first,
        }
        pub = requests.post(server.url + "/bench/publish", json=body, timeout=args.step_seconds + 60).json()
        cpu1 = cpu_seconds(pid)
        wall = time.monotonic() - t0
        busy1, total1 = machine_cpu()
        expected = sum(n * c for n, c in zip(pub["per_topic"], self.per_topic_clients, strict=True))
        gen.send({"cmd": "report", "step": step, "expected": expected, "per_topic": pub["per_topic"], "wait_ms": 3000})
        rep = gen.read(timeout=30)
        p99 = rep["latency_ms"].get("p99", float("inf"))
        clean = rep["lost"] == 0 and p99 <= P99_LIMIT_MS
        entry = {
            "step": step_no,
            "refining": refining,
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
            # The server's CPU per published event: writing one event to every client on its topic.
            "server_cpu_ms_per_event": 1e3 * (cpu1 - cpu0) / max(1, pub["published"]),
            "gen_core_share": rep["gen_core_share"],
            "gen_core_shares": rep.get("gen_core_shares", [rep["gen_core_share"]]),
            "gen_busy": rep["gen_core_share"] > 0.7,
            # First to last arrival of one event in a generator process, and how late its loop ran.
            "spread_ms": rep.get("spread_ms"),
            "loop_delay_ms": rep.get("loop_delay_ms"),
            "machine_busy_cores": (os.cpu_count() or 1) * (busy1 - machine0[0]) / max(1.0, total1 - machine0[1]),
            "load1": os.getloadavg()[0],
            "clean": clean,
            "lossless": rep["lost"] == 0,
        }
        result["steps"].append(entry)
        log(
            f"  {result['variant']:12s} {result['clients']:>6} clients {result['topics']:>3} topics "
            f"rate {rate:8.1f}/s{' (refining)' if refining else ''}: "
            f"{entry['deliveries_per_s']:>9.0f} deliveries/s p99 {p99:7.1f} ms lost {rep['lost']:>7} "
            f"server cpu {entry['server_cpu_share']:.2f} ({entry['server_cpu_ms_per_event']:.1f} ms/event) "
            f"gen {' '.join(f'{g:.2f}' for g in entry['gen_core_shares'])}"
            f"{' BUSY' if entry['gen_busy'] else ''} machine {entry['machine_busy_cores']:.2f} cores"
        )
        return entry


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every size and the topic grid, each server variant in A B A B order."""
    runs: list[dict[str, Any]] = []
    plan: list[tuple[int, int, list[str], bool]] = []
    grid = tuple(int(x) for x in args.topic_grid.split("x")) if args.topic_grid else None
    sizes = [int(s) for s in args.sizes.split(",") if s]
    shared = bool(grid and args.one_topic_on_grid and grid[0] * grid[1] in sizes)
    for size in sizes:
        if shared and grid and size == grid[0] * grid[1]:
            continue  # measured on the grid's connections below
        order = ["ours", "node", "plain", "ours-nofast", "ours-nolog"]
        for _ in range(args.rounds - 1):
            order += ["ours", "node"]  # A B A B: the headline pair again, later in the run
        plan.append((size, 1, order, False))
    if grid:
        plan.append((grid[0] * grid[1], grid[0], ["ours", "node", "plain"], shared))
    variants = [v for v in args.variants.split(",") if v]
    for clients, topics, order, one_topic_too in plan:
        order = [v for v in order if not variants or v in variants]
        also = " (and all of them on one topic)" if one_topic_too else ""
        log(f"fan-out: {clients} clients on {topics} topic(s){also}: {' '.join(order)}")
        for variant in order:
            try:
                runs += fanout(variant, clients, topics, args, one_topic_too=one_topic_too)
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
        measured = ratio(ours, node)
        if target is not None and measured is not None and measured < target:
            # Not met: what ours spent at its knee (the lowest rate above the best clean one that was not clean).
            knee = _knee(ours_runs[0]["steps"] if ours_runs else [])
            if knee is not None:
                note = (
                    f"ours at its knee ({k(knee['deliveries_per_s'])}/s, p99 "
                    f"{knee['latency_ms'].get('p99', float('nan')):.0f} ms): server {knee['server_cpu_share']:.2f} "
                    f"of a core ({knee['server_cpu_us_per_delivery']:.1f} µs per delivery), generators "
                    + "/".join(f"{g:.2f}" for g in knee.get("gen_core_shares", [knee["gen_core_share"]]))
                    + f", machine {knee.get('machine_busy_cores', float('nan')):.2f} of 2 cores busy"
                    + (f"; {note}" if note else "")
                )
        if topics == 1 and clients >= 5000:
            # Where the time goes at the first (slowest) step; the section has every step.
            firsts = [
                f"{name}: {_first_step(runs)}" for name, runs in (("ours", ours_runs), ("Node", node_runs)) if runs
            ]
            note = "; ".join([note, *firsts]) if note else "; ".join(firsts)
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
                note="" if o <= n else "what each /live session still holds: see the notes (RSS per idle connection)",
            )
        )
    return out


def _knee(steps_of_run: list[dict[str, Any]]) -> dict[str, Any] | None:
    clean = [s["rate_events_per_s"] for s in steps_of_run if s["clean"]]
    above = [s for s in steps_of_run if not s["clean"] and s["rate_events_per_s"] > max(clean, default=0.0)]
    return min(above, key=lambda s: s["rate_events_per_s"]) if above else None


def _first_step(runs: list[dict[str, Any]]) -> str:
    """The first step of a run in words: p99, the server's CPU per event, the spread, generators, machine."""
    if not runs or not runs[0]["steps"]:
        return "no step"
    st = runs[0]["steps"][0]
    spread, delay = st.get("spread_ms") or {}, st.get("loop_delay_ms") or {}
    gens = "/".join(f"{g:.2f}" for g in st.get("gen_core_shares", [st["gen_core_share"]]))
    return (
        f"at {st['rate_events_per_s']:g} event/s p99 {st['latency_ms'].get('p99', float('nan')):.0f} ms, "
        f"server CPU {st.get('server_cpu_ms_per_event', float('nan')):.0f} ms per event, "
        f"first-to-last arrival {spread.get('p99', float('nan')):.0f} ms, generators {gens} of a core "
        f"(loop delay p99 {delay.get('p99', float('nan')):.0f} ms), "
        f"machine {st.get('machine_busy_cores', float('nan')):.2f} of 2 cores busy"
    )


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
    lines += where_time_goes(all_runs)
    lines += ["", "Every step of every run (deliveries/s, p99, loss, server CPU share, generator CPU share):", ""]
    for r in all_runs:
        if "error" in r:
            continue
        steps = "; ".join(
            f"{k(s['deliveries_per_s'])}/s p99 {s['latency_ms'].get('p99', float('nan')):.0f} ms"
            f"{'' if not s['lost'] else ' lost ' + str(s['lost'])} cpu {s['server_cpu_share']:.2f}"
            f" gen {s['gen_core_share']:.2f}{' (refining)' if s.get('refining') else ''}"
            for s in r["steps"]
        )
        load = r.get("load_at_start")
        at = f" (load {load[0]:.2f} at start)" if load else ""
        if "connect_cpu_ms_per_client" in r:
            at += (
                f" (connect: {r['connect']['subscribed']:,} clients in {r['connect']['connect_ms'] / 1000:.1f} s, "
                f"server CPU {r['connect_cpu_ms_per_client']:.2f} ms per client)"
            )
        lines.append(f"- {r['clients']}×{r['topics']} {LABELS[r['variant']]}{at}: {steps}")
    return lines


def where_time_goes(runs: list[dict[str, Any]]) -> list[str]:
    """Per step at 5,000+ clients on one topic: what the latency is made of (server write, generators, machine)."""
    big = [r for r in runs if "error" not in r and r["topics"] == 1 and r["clients"] >= 5000]
    if not big:
        return []
    lines = [
        "",
        f"**{max(r['clients'] for r in big):,} clients on one topic: where the time goes.** Each event is one frame "
        "to every client. *Server CPU per event*: the server's CPU time for publishing one event and writing it "
        "to every client (on loopback a `send` also runs the receiver's TCP path, so it is counted here). "
        "*Spread*: from the first to the last arrival of the same event in one generator process (p99 over "
        "events; the worst process). *Generator loop delay*: how late the generators' event loops ran ready "
        "callbacks (p99; the worst process) — small beside the spread means the generators read as fast as "
        "frames came. *Machine*: busy cores of 2 during the step (everything, other people's work included).",
        "",
        "| server | events/s | deliveries/s | p50 / p99 | server CPU per event | spread p99 | generators' CPU "
        "(each, share of a core) | generator loop delay p99 | machine busy, load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in big:
        for st in r["steps"]:
            lat, spread, delay = st["latency_ms"], st.get("spread_ms") or {}, st.get("loop_delay_ms") or {}
            gens = ", ".join(f"{g:.2f}" for g in st.get("gen_core_shares", [st["gen_core_share"]]))
            lines.append(
                f"| {LABELS[r['variant']]} | {st['rate_events_per_s']:g} | {k(st['deliveries_per_s'])} "
                f"| {lat.get('p50', float('nan')):.0f} / {lat.get('p99', float('nan')):.0f} ms "
                f"| {st.get('server_cpu_ms_per_event', float('nan')):.0f} ms "
                f"| {spread.get('p99', float('nan')):.0f} ms | {gens} | {delay.get('p99', float('nan')):.0f} ms "
                f"| {st.get('machine_busy_cores', float('nan')):.2f}, {st.get('load1', float('nan')):.1f} |"
            )
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
    parser.add_argument(
        "--generators",
        type=int,
        default=0,
        help="load generator processes (bench/multigen.py); 0: one per core from 5,000 clients, else one",
    )
    parser.add_argument(
        "--one-topic-on-grid",
        action="store_true",
        help="measure the size equal to the grid's clients on the grid's connections (each follows a shared topic too)",
    )
    parser.add_argument("--max-steps", type=int, default=7)
    parser.add_argument("--start-deliveries", type=float, default=10000.0)
    parser.add_argument(
        "--refine-steps",
        type=int,
        default=3,
        help="steps bisecting between the last clean rate and the first that was not (0: doubling only)",
    )
    parser.add_argument(
        "--refine-within", type=float, default=1.15, help="stop refining once the knee is bracketed within this ratio"
    )
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
        # --quick: the rows only, at half size: 100 topics × 50 clients, and the same 5,000
        # connections all on one topic (p99 and RSS per idle connection): one server start and one
        # connect per server (connecting 10k clients to ours alone takes 45-90 s on the busy 2-core
        # machine); steps of 1 s that stop at the knee.
        quick={
            "sizes": "5000",
            "topic_grid": "100x50",
            "one_topic_on_grid": True,
            "rounds": 1,
            "step_seconds": 1.0,
            "max_steps": 4,
            "refine_steps": 1,
            "variants": "ours,node",
        },
    )
)
