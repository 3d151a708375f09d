"""Scale-out (bench/scaleout.py): two gunicorn+gevent web processes behind nginx with PostgreSQL and Redis vs one."""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import BENCH, PY, run_json
from bench.registry import Row, Scenario, k, ratio, register

# The components whose CPU scaleout.py accounts, in the order the report lists them.
COMPONENTS = ("web1", "web2", "nginx", "postgresql", "redis", "generators", "others")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run scaleout.py in its own process (its servers, nginx, PostgreSQL and Redis) and keep its JSON."""
    return run_json(
        [
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
            "--max-steps",
            str(args.scaleout_max_steps),
            "--generators",
            str(args.scaleout_generators or args.generators),
            "--rounds",
            str(args.scaleout_rounds),
            *(["--stop-at-knee"] if args.quick else []),
        ],
        timeout=3600,
    )


def _fanout_best(result: dict[str, Any], n: int) -> float | None:
    return result.get(f"web{n}", {}).get("fanout", {}).get("best_clean_deliveries_per_s")


def _cpu(cpu: dict[str, float] | None) -> str:
    """`web1 0.45 + web2 0.40, nginx 0.20, ...` (shares of one core) and the machine's busy cores."""
    if not cpu:
        return "n/a"
    parts = [f"{name} {cpu[name]:.2f}" for name in COMPONENTS if name in cpu]
    return ", ".join(parts) + f" (machine {cpu.get('machine', 0):.2f} of 2 cores)"


def _us(step: dict[str, Any] | None) -> str:
    value = (step or {}).get("web_cpu_us_per_delivery")
    return "n/a" if value is None else f"{value:.1f} µs"


def ceiling(result: dict[str, Any]) -> dict[str, float] | None:
    """What 2 cores allow, from the CPU per delivery of each component at each topology's busiest lossless step.

    The pipeline's CPU per delivery (web processes + nginx + PostgreSQL + Redis + generators, all on
    this machine) bounds any topology at 2 cores / that; one web process is also bounded by its own
    core. The ratio of the two bounds is the most two processes can show here, whatever the code.
    """
    out: dict[str, float] = {}
    for n in (1, 2):
        step = result.get(f"web{n}", {}).get("fanout", {}).get("best_lossless") or {}
        cpu, rate = step.get("cpu"), step.get("deliveries_per_s")
        if not cpu or not rate:
            return None
        us = {name: 1e6 * cpu.get(name, 0.0) / rate for name in COMPONENTS if name != "others"}
        web = us.get("web1", 0.0) + us.get("web2", 0.0)
        total = sum(us.values())
        out[f"web_us_{n}"] = web
        out[f"total_us_{n}"] = total
        out[f"nginx_us_{n}"] = us.get("nginx", 0.0)
        out[f"generators_us_{n}"] = us.get("generators", 0.0)
        out[f"bound_{n}"] = min(n * 1e6 / web, 2e6 / total)
    out["ratio"] = out["bound_2"] / out["bound_1"]
    out["efficiency"] = out["web_us_1"] / out["web_us_2"]  # 1.0: two processes spend what one does per delivery
    return out


def _ceiling_words(c: dict[str, float] | None) -> str:
    if c is None:
        return ""
    return (
        f"On 2 cores with nothing else running, the whole pipeline costs {c['total_us_2']:.0f} µs of CPU per delivery "
        f"with two processes ({c['web_us_2']:.0f} web, {c['nginx_us_2']:.0f} nginx, {c['generators_us_2']:.0f} "
        f"generators, the rest PostgreSQL and Redis) and {c['total_us_1']:.0f} µs with one ({c['web_us_1']:.0f} web): "
        f"the machine carries at most {k(c['bound_2'])} deliveries/s with two and {k(c['bound_1'])}/s with one, "
        f"so two can show at most {c['ratio']:.2f}× here. Per delivery two web processes spend "
        f"{1 / c['efficiency']:.2f}× the CPU of one."
    )


def rows(result: dict[str, Any]) -> list[Row]:
    """Fan-out and publish, two processes against one (target 1.8×)."""
    one, two = result.get("web1", {}), result.get("web2", {})
    f1, f2 = _fanout_best(result, 1), _fanout_best(result, 2)
    p1, p2 = one.get("publish", {}).get("events_per_s"), two.get("publish", {}).get("events_per_s")
    fan1, fan2 = one.get("fanout", {}), two.get("fanout", {})
    s1, s2 = fan1.get("best_lossless_deliveries_per_s"), fan2.get("best_lossless_deliveries_per_s")
    saturation = ratio(s2, s1)
    pub1, pub2 = one.get("publish", {}), two.get("publish", {})
    top2 = fan2.get("best_lossless") or {}
    fan_note = (
        _ceiling_words(ceiling(result))
        + f" Most deliveries/s with no loss: two {k(s2)} vs one {k(s1)}"
        + (f" ({saturation:.2f}×)" if saturation is not None else "")
        + f"; web CPU per delivery at that step: two {_us(top2)}, one {_us(fan1.get('best_lossless'))}; "
        + "CPU there with two: "
        + _cpu(top2.get("cpu"))
    )
    ms1, ms2 = pub1.get("web_cpu_ms_per_event"), pub2.get("web_cpu_ms_per_event")
    pub_note = f"web CPU per event: two {ms2 or 0:.1f} ms, one {ms1 or 0:.1f} ms; CPU with two: " + _cpu(
        pub2.get("cpu")
    )
    return [
        Row(
            "two web processes + Redis vs one: fan-out, clean deliveries/s",
            f"two: {k(f2)}",
            f"one: {k(f1)}",
            ratio(f2, f1),
            1.8,
            note=fan_note,
        ),
        Row(
            f"two web processes + Redis vs one: publish ({pub1.get('writers', '?')} HTTP writers, "
            "one event per transaction), events/s",
            f"two: {k(p2)}",
            f"one: {k(p1)}",
            ratio(p2, p1),
            1.8,
            note=pub_note,
        ),
    ]


def section(result: dict[str, Any]) -> list[str]:
    """Each topology: how the clients split, every fan-out step and the publish run, with CPU per component."""
    args = result.get("args", {})
    lines = [
        f"{args.get('clients', '?')} clients on {args.get('topics', '?')} topics through nginx (each client from its "
        f"own loopback address, so nginx's `ip_hash` spreads them), events published in the web processes, "
        f"{args.get('seconds', '?')} s per step; publish: {args.get('writers', '?')} HTTP writers through nginx. "
        f"The topologies ran interleaved ({args.get('rounds', 1)} round(s) of one process, then two; web process 2 "
        "frozen while web process 1 ran alone); figures are the means over the rounds. "
        "PostgreSQL with fsync off (as the tests run it). CPU in shares of one core per component, from /proc; "
        "`others` is what the rest of the (shared) machine used meanwhile.",
        "",
        "| web processes | clients per process | fan-out best clean deliveries/s (each round) "
        "| most deliveries/s with no loss (each round) | publish events/s (each round; p50 / p99 of the last) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for n in (1, 2):
        r = result.get(f"web{n}", {})
        f, p = r.get("fanout", {}), r.get("publish", {})
        split = " / ".join(str(c) for c in f.get("upstream_connections", []))
        each = f.get("each", {})
        clean = ", ".join(k(v) for v in each.get("best_clean_deliveries_per_s", []))
        lossless = ", ".join(k(v) for v in each.get("best_lossless_deliveries_per_s", []))
        published = ", ".join(k(v) for v in p.get("each", []))
        lines.append(
            f"| {n} | {split} | {k(f.get('best_clean_deliveries_per_s'))} ({clean}) "
            f"| {k(f.get('best_lossless_deliveries_per_s'))} ({lossless}) | {k(p.get('events_per_s'))} ({published}; "
            f"{p.get('p50_ms') or 0:.0f} / {p.get('p99_ms') or 0:.0f} ms) |"
        )
    words = _ceiling_words(ceiling(result))
    if words:
        lines += ["", "**What 2 cores allow.** " + words]
    lines += ["", "Every step (deliveries/s, p50 / p99, loss; CPU per component):", ""]
    for n in (1, 2):
        r = result.get(f"web{n}", {})
        for s in r.get("fanout", {}).get("steps", []):
            behind = ", publisher behind its rate" if s.get("publisher_behind") else ""
            lines.append(
                f"- round {s.get('round', 1)}, {n} process(es), fan-out {k(s['deliveries_per_s'])}/s "
                f"({_us(s)} web CPU per delivery), "
                f"p50 {s.get('p50_ms') or 0:.0f} / "
                f"p99 {s['p99_ms']:.0f} ms{', lost ' + str(s['lost']) if s['lost'] else ''}{behind}: "
                + _cpu(s.get("cpu"))
            )
        p = r.get("publish")
        if p:
            lines.append(
                f"- {n} process(es), publish {k(p['events_per_s'])} events/s "
                f"({p.get('web_cpu_ms_per_event') or 0:.1f} ms web CPU per event): {_cpu(p.get('cpu'))}"
            )
    return lines


def arguments(parser: argparse._ActionsContainer) -> None:
    """Clients, topics, seconds per step, writers, generator processes."""
    parser.add_argument("--scaleout-clients", type=int, default=2000)
    parser.add_argument(
        "--scaleout-topics", type=int, default=2, help="few topics: each event reaches many clients (delivery-bound)"
    )
    parser.add_argument("--scaleout-seconds", type=float, default=3.0)
    parser.add_argument("--scaleout-max-steps", type=int, default=6)
    parser.add_argument("--scaleout-writers", type=int, default=16)
    parser.add_argument("--scaleout-generators", type=int, default=0, help="default: --generators")
    parser.add_argument("--scaleout-rounds", type=int, default=2, help="1 2 1 2: each topology this often")


register(
    Scenario(
        name="scaleout",
        title="Scale-out: two web processes behind nginx with PostgreSQL and Redis vs one",
        run=run,
        rows=rows,
        section=section,
        arguments=arguments,
        quick={"scaleout_clients": 1000, "scaleout_seconds": 2.0, "scaleout_max_steps": 4, "scaleout_rounds": 1},
    )
)
