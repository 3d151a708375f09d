"""Markdown report and plots from one `bench/run.py` result; also refreshes docs/benchmarks.md."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELS = {
    "ours": "ours: fast path, event log on",
    "ours-nofast": "ours: fast path off, event log on",
    "ours-nolog": "ours: fast path, event log off",
    "node": "Node socket.io 4.8",
    "plain": "plain Flask-SocketIO (gevent)",
}
ISSUE_PEERS = """| server (issue 6, measured earlier on this machine type) | 1,000 clients | 10,000 clients | server CPU per delivery |
| --- | --- | --- | --- |
| C floor (one write + read per delivery) | ~430k deliveries/s on 2 cores | same | ~2.2 µs |
| Node socket.io 4.8 | 100k/s, p99 8.5 ms | 30k/s, p99 171 ms | 4–17 µs |
| Python `websockets` broadcast() | 100k/s | 40k/s | 5–13 µs |
| plain Flask-SocketIO on gevent | 40k/s, p99 141 ms | 10k/s, p99 629 ms | 25–115 µs |"""


def _runs(results: dict[str, Any], variant: str, clients: int, topics: int) -> list[dict[str, Any]]:
    return [
        r
        for r in results.get("fanout", [])
        if r.get("variant") == variant and r.get("clients") == clients and r.get("topics") == topics and "error" not in r
    ]


def _best(runs: list[dict[str, Any]]) -> float | None:
    values = [r["best_clean_deliveries_per_s"] for r in runs]
    return statistics.mean(values) if values else None


def _ratio(a: float | None, b: float | None) -> str:
    if a and b:
        return f"{a / b:.2f}×"
    if a and b == 0:
        return "∞ (the peer had no clean step)"
    return "n/a"


def _ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0f} ms"


def _quot(a: float | None, b: float | None) -> float | None:
    if a and b:
        return a / b
    if a and b == 0:
        return float("inf")
    return None


def _k(v: float | None) -> str:
    return "n/a" if v is None else (f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}")


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "not measured"
    return "**met**" if value >= target else "**not met**"


def _plots(results: dict[str, Any], out: Path, stamp: str) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    names: list[str] = []
    groups = sorted({(r["clients"], r["topics"]) for r in results.get("fanout", []) if "error" not in r})
    if groups:
        fig, axes = plt.subplots(1, len(groups), figsize=(5.5 * len(groups), 4.2), squeeze=False)
        for ax, (clients, topics) in zip(axes[0], groups, strict=True):
            for variant in LABELS:
                runs = _runs(results, variant, clients, topics)
                if not runs:
                    continue
                run = runs[0]
                clean = [s for s in run["steps"] if s["clean"]]
                step = max(clean, key=lambda s: s["deliveries_per_s"]) if clean else (run["steps"] or [None])[0]
                if step is None or not step["cdf"]:
                    continue
                xs = [max(p[0], 0.05) for p in step["cdf"]]
                ys = [p[1] for p in step["cdf"]]
                ax.plot(xs, ys, label=f"{LABELS[variant]} @ {_k(step['deliveries_per_s'])}/s")
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
            ys = [_best(_runs(results, variant, c, 1)) for c in sizes]
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


def write_report(results: dict[str, Any], out: Path, stamp: str) -> Path:
    plots = _plots(results, out, stamp)
    m = results["machine"]
    lines: list[str] = [f"# Benchmark run {results['date']}", ""]
    lines += [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']} MB RAM, Linux {m['kernel']}; "
        f"Python {m['python']}, Node {m['node']} (socket.io {m['node_socket_io']}); "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        + f". Load average at start: {', '.join(f'{x:.2f}' for x in m['load_at_start'])}. "
        f"Run time: {results.get('runtime_seconds', 0) / 60:.1f} min.",
        "",
        "Command: `make bench` (= `.venv/bin/python bench/run.py "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in _cli_args(results["args"]).items())
        + "`).",
        "",
        "Every server is one process (gunicorn + gevent, one worker, for the Python ones; `node` for "
        "socket.io) on 127.0.0.1; one load-generator process (bench/loadgen.js, raw TCP WebSocket "
        "client speaking Engine.IO v4 / Socket.IO v5) holds every connection. Clean = no loss and "
        "p99 ≤ 100 ms over the step; the rate doubles each step until a step is not clean (the knee). "
        "Steps flagged *gen busy* had the generator above 70 % of a core, so the server may not be "
        "the limit there. Server CPU is utime+stime of the worker from /proc.",
        "",
        "## Fan-out",
        "",
        "| clients × topics | server | best clean deliveries/s (each run) | p99 at best | server µs/delivery at best | most deliveries/s with no loss (p99) | gen busy | RSS per idle connection |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    groups = sorted({(r["clients"], r["topics"]) for r in results.get("fanout", [])})
    for clients, topics in groups:
        for variant in LABELS:
            runs = _runs(results, variant, clients, topics)
            errors = [
                r for r in results.get("fanout", [])
                if r.get("variant") == variant and r.get("clients") == clients and r.get("topics") == topics and "error" in r
            ]
            if not runs and not errors:
                continue
            if not runs:
                lines.append(f"| {clients}×{topics} | {LABELS[variant]} | failed: {errors[0]['error'][:80]} | | | | | |")
                continue
            each = ", ".join(_k(r["best_clean_deliveries_per_s"]) for r in runs)
            best = runs[0].get("best_clean") or {}
            p99 = best.get("latency_ms", {}).get("p99")
            lines.append(
                f"| {clients}×{topics} | {LABELS[variant]} | **{_k(_best(runs))}** ({each}) | "
                f"{'n/a' if p99 is None else f'{p99:.1f} ms'} | "
                f"{best.get('server_cpu_us_per_delivery', float('nan')):.1f} | "
                f"{_k(statistics.mean(r['best_lossless_deliveries_per_s'] for r in runs))} "
                f"({', '.join(_ms(r['best_lossless_p99_ms']) for r in runs)}) | "
                f"{'yes' if any(r['gen_busy_any'] for r in runs) else 'no'} | "
                f"{statistics.mean(r['rss_per_connection'] for r in runs) / 1024:.1f} KiB |"
            )
    lines += ["", "Every step of every run (deliveries/s, p99, loss, server CPU share, generator CPU share):", ""]
    for r in results.get("fanout", []):
        if "error" in r:
            continue
        steps = "; ".join(
            f"{_k(s['deliveries_per_s'])}/s p99 {s['latency_ms'].get('p99', float('nan')):.0f} ms"
            f"{'' if not s['lost'] else ' lost ' + str(s['lost'])} cpu {s['server_cpu_share']:.2f} gen {s['gen_core_share']:.2f}"
            for s in r["steps"]
        )
        load = r.get("load_at_start")
        at = f" (load {load[0]:.2f} at start)" if load else ""
        lines.append(f"- {r['clients']}×{r['topics']} {LABELS[r['variant']]}{at}: {steps}")
    for name in plots:
        lines += ["", f"![{name}]({name})"]

    # -- targets
    def best(variant: str, clients: int, topics: int = 1) -> float | None:
        return _best(_runs(results, variant, clients, topics))

    lines += ["", "## Targets (ratios from this one run)", "", "| target | value | verdict |", "| --- | --- | --- |"]
    for size in sorted({c for c, t in groups if t == 1}):
        ours, node, plain = best("ours", size), best("node", size), best("plain", size)
        nolog, nofast = best("ours-nolog", size), best("ours-nofast", size)
        lines.append(f"| fan-out at {size} clients ≥ 1.0× Node socket.io (log on) | {_ratio(ours, node)} ({_k(ours)} vs {_k(node)}) | {_verdict(_quot(ours, node), 1.0)} |")
        lines.append(f"| fan-out at {size} clients ≥ 2.5× plain Flask-SocketIO | {_ratio(ours, plain)} ({_k(ours)} vs {_k(plain)}) | {_verdict(_quot(ours, plain), 2.5)} |")
        lines.append(f"| event log on vs off at {size} clients ≥ 0.95× | {_ratio(ours, nolog)} | {_verdict(_quot(ours, nolog), 0.95)} |")
        lines.append(f"| (fast path on vs off at {size} clients, for reference) | {_ratio(ours, nofast)} | — |")
        lo = {v: _runs(results, v, size, 1) for v in ("ours", "node", "plain")}
        lm = {v: statistics.mean(r["best_lossless_deliveries_per_s"] for r in rs) if rs else None for v, rs in lo.items()}
        lines.append(
            f"| (most deliveries/s with no loss at {size} clients: vs Node / vs plain) | "
            f"{_ratio(lm['ours'], lm['node'])} / {_ratio(lm['ours'], lm['plain'])} | — |"
        )
    grid = [(c, t) for c, t in groups if t > 1]
    for clients, topics in grid:
        ours, node, plain = best("ours", clients, topics), best("node", clients, topics), best("plain", clients, topics)
        lines.append(f"| (fan-out {topics} topics × {clients // topics} clients vs Node / vs plain) | {_ratio(ours, node)} / {_ratio(ours, plain)} | — |")
    log = results.get("event_log", {})
    for dbname in ("sqlite", "postgresql"):
        r = log.get(dbname, {})
        if "ratio_batched_vs_executemany" in r:
            lines.append(
                f"| event log batched append ≥ 0.5× raw Core executemany ({dbname}) | "
                f"{r['ratio_batched_vs_executemany']:.2f}× ({r['ours_batched']:.0f} vs {r['core_executemany']:.0f} events/s) | "
                f"{_verdict(r['ratio_batched_vs_executemany'], 0.5)} |"
            )
        elif r:
            lines.append(f"| event log batched append ({dbname}) | {r.get('skipped', r.get('error', ''))[:120]} | not measured |")
    cu = results.get("catchup", {})
    for key in sorted(cu):
        if isinstance(cu[key], dict):
            v = cu[key]["events_per_s"]
            lines.append(f"| catch-up ≥ 50k events/s: {key.replace('_', ', ')} events behind | {v:,.0f} events/s | {_verdict(v, 50000)} |")
    rss = {v: [r["rss_per_connection"] for r in results.get("fanout", []) if r.get("variant") == v and "error" not in r and r["clients"] >= 10000] for v in ("ours", "node", "plain")}
    if rss["ours"] and rss["node"]:
        o, n = statistics.mean(rss["ours"]), statistics.mean(rss["node"])
        lines.append(f"| RSS per idle connection ≤ Node's (10k connections) | {o / 1024:.1f} KiB vs {n / 1024:.1f} KiB (plain: {statistics.mean(rss['plain']) / 1024 if rss['plain'] else float('nan'):.1f} KiB) | {'**met**' if o <= n else '**not met**'} |")

    lines += ["", "## Event log append throughput", "", "| database | ours single (1 event/tx) | ours batched (1000/tx) | raw Core single | raw Core executemany (1000/tx) |", "| --- | --- | --- | --- | --- |"]
    for dbname in ("sqlite", "postgresql"):
        r = log.get(dbname, {})
        if "ours_single" in r:
            lines.append(f"| {dbname} | {r['ours_single']:,.0f}/s | {r['ours_batched']:,.0f}/s | {r['core_single']:,.0f}/s | {r['core_executemany']:,.0f}/s |")
        elif r:
            lines.append(f"| {dbname} | {r.get('skipped', r.get('error', ''))[:160]} | | | |")
    if cu:
        lines += ["", "## Catch-up (one client resuming from a cursor; ours only: the peers have no log)", ""]
        lines += ["| transport | events behind | time | events/s |", "| --- | --- | --- | --- |"]
        for key in sorted(cu):
            if isinstance(cu[key], dict):
                t, n = key.split("_")
                lines.append(f"| {t} | {int(n):,} | {cu[key]['ms']:.0f} ms | {cu[key]['events_per_s']:,.0f} |")
        if "fill_seconds" in cu:
            lines.append(f"\n(Filling the log with {cu['filled']:,} events through `events.publish` in 1000-event transactions took {cu['fill_seconds']:.1f} s.)")
    lines += ["", "## The peers as the issue measured them", "", ISSUE_PEERS, ""]
    md = out / f"{stamp}.md"
    md.write_text("\n".join(lines) + "\n")
    _docs(results, lines, plots, stamp)
    return md


def _cli_args(args: dict[str, Any]) -> dict[str, Any]:
    keep = ("sizes", "topic_grid", "rounds", "step_seconds", "max_steps", "start_deliveries", "log_events")
    return {k: args[k] for k in keep if k in args}


def _docs(results: dict[str, Any], lines: list[str], plots: list[str], stamp: str) -> None:
    body = "\n".join(lines[1:])
    for name in plots:
        body = body.replace(f"]({name})", f"](../bench/results/{name})")
    text = (
        "# Benchmarks\n\n"
        f"Latest run: [bench/results/{stamp}.md](../bench/results/{stamp}.md) "
        f"(raw numbers: [bench/results/{stamp}.json](../bench/results/{stamp}.json)). "
        "How to run and what each scenario does: [bench/README.md](../bench/README.md). "
        "The analysis (where each target stands and what limits the rest) is in "
        "[the notes below](#notes).\n"
        + body
        + "\n"
    )
    notes = ROOT / "docs" / "benchmarks-notes.md"
    if notes.exists():
        text += "\n" + notes.read_text()
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
