"""The Markdown report of one `bench/run.py` result: the issue's table, then each scenario's section.

The full run also refreshes docs/benchmarks.md (the report plus the hand-written analysis in
docs/benchmarks-notes.md); `--quick` writes only its own files under bench/results/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.registry import SCENARIOS, Row

ROOT = Path(__file__).resolve().parent.parent


def _ratio(row: Row) -> str:
    if row.ratio is None:
        return "n/a"
    if row.ratio == float("inf"):
        return "∞"
    return f"{row.ratio:.2f}×"


def _verdict(row: Row) -> str:
    if row.target is None:
        return "—"
    met = row.met
    if met is None:
        return "not measured"
    sign = "≤" if row.lower_is_better else "≥"
    return f"{'**met**' if met else '**not met**'} ({sign} {row.target:g}×)"


def table(results: dict[str, Any]) -> list[str]:
    """The issue's table: every scenario's rows, our figure beside the peer's, the ratio and its target."""
    lines = [
        "| what (same run) | ours | peer / reference | ratio | target | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, scenario in SCENARIOS.items():
        result = results.get("scenarios", {}).get(name)
        if result is None:
            continue
        if "error" in result and len(result) == 1:
            lines.append(f"| {scenario.title} | failed | | n/a | not measured | {_cell(result['error'])[:200]} |")
            continue
        for row in scenario.rows(result):
            lines.append(
                f"| {row.what} | {row.ours} | {row.peer} | {_ratio(row)} | {_verdict(row)} | {_cell(row.note)} |"
            )
    return lines


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _load(summary: dict[str, Any] | None) -> str:
    if not summary:
        return "not sampled"
    busy = summary.get("cpu_busy")
    share = "" if busy is None else f", all cores {busy * 100:.0f} % busy"
    return f"load average {summary['load_avg']:.2f} (max {summary['load_max']:.2f}){share}"


def write_report(results: dict[str, Any], out: Path, stamp: str, *, docs: bool) -> Path:
    """Write `<out>/<stamp>.md` (and with `docs`, docs/benchmarks.md); return the report's path."""
    m = results["machine"]
    lines: list[str] = [f"# Benchmark run {results['date']}", ""]
    lines += [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']} MB RAM, Linux {m['kernel']}; "
        f"Python {m['python']}, Node {m['node']} (socket.io {m['node_socket_io']}); "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        + ".",
        "",
        f"Command: `{results['command']}`. Run time: {results.get('runtime_seconds', 0) / 60:.1f} min.",
        "",
        "**The machine is shared** with other work (2 cores): its load is sampled every 2 s during the run. "
        f"Load average at start: {', '.join(f'{x:.2f}' for x in m['load_at_start'])}; during the whole run: "
        f"{_load(results.get('load', {}).get('run'))}. Each section below gives the load while it ran.",
        "",
        "## The issue's table",
        "",
        *table(results),
    ]
    plot_names: list[str] = []
    for name, scenario in SCENARIOS.items():
        result = results.get("scenarios", {}).get(name)
        if result is None:
            continue
        load = _load(results.get("load", {}).get(name))
        lines += ["", f"## {scenario.title}", "", f"Machine while it ran: {load}.", ""]
        if "error" in result and len(result) == 1:
            lines += ["Failed:", "", "```", str(result["error"])[-2000:], "```"]
            continue
        lines += scenario.section(result)
        names = scenario.plots(result, out, stamp)
        plot_names += names
        lines += [line for name in names for line in ("", f"![{name}]({name})")]
    md = out / f"{stamp}.md"
    md.write_text("\n".join(lines) + "\n")
    if docs:
        _docs(lines, plot_names, stamp)
    return md


def _docs(lines: list[str], plots: list[str], stamp: str) -> None:
    body = "\n".join(lines[1:])
    for name in plots:
        body = body.replace(f"]({name})", f"](../bench/results/{name})")
    text = (
        "# Benchmarks\n\n"
        f"Latest run: [bench/results/{stamp}.md](../bench/results/{stamp}.md) "
        f"(raw numbers: [bench/results/{stamp}.json](../bench/results/{stamp}.json)). "
        "How to run and what each scenario does: [bench/README.md](../bench/README.md). "
        "The analysis (where each target stands and what limits the rest) is in "
        "[the notes below](#notes).\n" + body + "\n"
    )
    notes = ROOT / "docs" / "benchmarks-notes.md"
    if notes.exists():
        text += "\n" + notes.read_text()
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
