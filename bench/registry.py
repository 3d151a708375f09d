"""The scenario registry of `bench/run.py`: each scenario module registers one `Scenario`.

A scenario is a function from the parsed arguments to a JSON-able result, plus what the report
shows of that result: rows of the issue's table (`Row`: ours, the peer or reference, the ratio
and its target) and a Markdown section with the detail. To add one: write `bench/<name>.py`
calling `register(Scenario(...))` at import, and add the module's name to `SCENARIO_MODULES` in
bench/run.py (the only edit run.py needs).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Result = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """One row of the issue's table: our figure beside the peer's, and the ratio against its target."""

    what: str
    ours: str
    peer: str
    ratio: float | None = None  # ours / peer (or the reference); None when not measured
    target: float | None = None  # the ratio the issue asks for; None for rows shown for reference
    lower_is_better: bool = False  # e.g. memory per connection: met when ratio <= target
    note: str = ""  # what limits it, or why it was not measured

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None: no target, or not measured)."""
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target if self.lower_is_better else self.ratio >= self.target


@dataclass(frozen=True)
class Scenario:
    """A named benchmark: `run(args)` measures, `rows`/`section` describe the result in the report."""

    name: str  # for --scenarios / --skip, and the key of its result in the JSON
    title: str
    run: Callable[[argparse.Namespace], Result]
    rows: Callable[[Result], list[Row]] = lambda _result: []
    section: Callable[[Result], list[str]] = lambda _result: []
    # Writes PNG plots into the results directory; returns their file names (shown under its section).
    plots: Callable[[Result, Path, str], list[str]] = lambda _result, _out, _stamp: []
    # Adds the scenario's own options (to an argument group: `add_argument` as on a parser); `quick`
    # maps some of them to the smaller values of --quick
    # (applied only where the option was left at its default).
    arguments: Callable[[argparse._ActionsContainer], None] = lambda _parser: None
    quick: dict[str, Any] = field(default_factory=dict)
    in_quick: bool = True  # False: --quick skips it entirely


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    """Make `scenario` known to bench/run.py (in registration order)."""
    if scenario.name in SCENARIOS:
        raise ValueError(f"two scenarios named {scenario.name!r}")
    SCENARIOS[scenario.name] = scenario
    return scenario


def k(value: float | None) -> str:
    """12.3k / 950 / n/a."""
    if value is None:
        return "n/a"
    return f"{value / 1000:.1f}k" if abs(value) >= 1000 else f"{value:.0f}"


def ratio(ours: float | None, peer: float | None) -> float | None:
    """ours / peer, or None if either is missing; infinite if only the peer is zero."""
    if ours is None or peer is None:
        return None
    if peer == 0:
        return float("inf") if ours else None
    return ours / peer
