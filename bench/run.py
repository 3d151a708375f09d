"""`make bench`: every registered scenario (bench/registry.py), ours against the peers, and the report.

Writes bench/results/<date>.json, bench/results/<date>.md (the issue's table first, then a section per
scenario), PNG plots next to them, and docs/benchmarks.md (the full run only). `--quick` runs every
scenario small (≤ 3 min) and prints the table. Everything runs on 127.0.0.1. See bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH, LoadSampler, log  # noqa: E402
from bench.registry import SCENARIOS  # noqa: E402

# The scenarios, in the order they run and appear in the report. Adding one = one line here.
SCENARIO_MODULES = [
    "bench.fanout",
    "bench.eventlog",
    "bench.rest_writes",
    "bench.scaleout_scenario",
    "bench.catchup",
    "bench.search",
]


def machine() -> dict[str, Any]:
    """CPU, memory, kernel, runtimes and package versions, and the load average right now."""
    model = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        node = "not installed"
    sio_package = BENCH / "node_modules" / "socket.io" / "package.json"
    sio = json.loads(sio_package.read_text())["version"] if sio_package.exists() else "not installed"
    from importlib.metadata import version

    packages = ("python-socketio", "python-engineio", "Flask-SocketIO", "gevent", "gunicorn", "SQLAlchemy", "psycopg")
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_mb": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": node,
        "node_socket_io": sio,
        "packages": {p: version(p) for p in packages},
        "load_at_start": os.getloadavg(),
        "nofile_limit": resource.getrlimit(resource.RLIMIT_NOFILE),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The common options plus every scenario's own; --quick shrinks what was left at its default."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every scenario small (≤ 3 min): prints the table")
    parser.add_argument("--scenarios", default="", help=f"comma list to run (default all: {','.join(SCENARIOS)})")
    parser.add_argument("--skip", default="", help="comma list of scenarios not to run")
    parser.add_argument("--out", default=str(BENCH / "results"))
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md (--quick never does)")
    for scenario in SCENARIOS.values():
        group = parser.add_argument_group(scenario.name)
        scenario.arguments(group)
    args = parser.parse_args(argv)
    if args.quick:
        for scenario in SCENARIOS.values():
            for key, value in scenario.quick.items():
                if getattr(args, key) == parser.get_default(key):
                    setattr(args, key, value)
    return args


def selected(args: argparse.Namespace) -> list[str]:
    """Names of the scenarios this run measures, in registry order."""
    wanted = [s for s in args.scenarios.split(",") if s] or list(SCENARIOS)
    unknown = set(wanted) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}")
    skip = {s for s in args.skip.split(",") if s}
    named = bool(args.scenarios)  # named with --scenarios: run even under --quick
    return [
        n for n in SCENARIOS if n in wanted and n not in skip and (SCENARIOS[n].in_quick or not args.quick or named)
    ]


def main(argv: list[str] | None = None) -> None:
    """Run the selected scenarios one after another, then write and print the report."""
    for module in SCENARIO_MODULES:
        importlib.import_module(module)
    args = parse_args(argv)
    names = selected(args)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it: 10k sockets each side

    started = time.monotonic()
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%d") + ("-quick" if args.quick else "")
    command = "python bench/run.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    results: dict[str, Any] = {
        "date": now.isoformat(timespec="seconds"),
        "command": command.strip(),
        "machine": machine(),
        "args": vars(args),
        "scenarios": {},
        "load": {},
    }
    log("machine:", results["machine"]["cpu"], results["machine"]["cores"], "cores; load", os.getloadavg())
    sampler = LoadSampler().start()
    try:
        for name in names:
            log(f"== {SCENARIOS[name].title}")
            t0 = time.time()
            try:
                results["scenarios"][name] = SCENARIOS[name].run(args)
            except Exception as exc:  # one broken scenario must not lose the others' figures
                log(f"   {name} failed: {exc!r}")
                results["scenarios"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            results["load"][name] = sampler.summary(t0, time.time())
    finally:
        sampler.stop()
    results["load"]["run"] = sampler.summary()
    results["runtime_seconds"] = time.monotonic() - started

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{stamp}.json"
    json_path.write_text(json.dumps(results, separators=(",", ":"), default=str))
    from bench.report import table, write_report

    md = write_report(results, out, stamp, docs=not (args.quick or args.no_docs))
    log("wrote", json_path, "and", md, "" if args.quick or args.no_docs else "and docs/benchmarks.md")
    print("\n" + "\n".join(table(results)), flush=True)
    log(f"done in {results['runtime_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
