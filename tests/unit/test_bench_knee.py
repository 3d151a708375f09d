"""The fan-out benchmark's knee search: doubling brackets the knee, bisection narrows it."""

from __future__ import annotations

from typing import Any

from bench.fanout import next_refinement


def _steps(*outcomes: tuple[float, bool]) -> list[dict[str, Any]]:
    return [{"rate_events_per_s": rate, "clean": clean} for rate, clean in outcomes]


def test_the_first_refinement_is_the_geometric_midpoint_of_the_bracket() -> None:
    # Doubling went on past the knee (lossless there): the bracket is the last clean rate and the
    # lowest rate above it that was not clean, not the highest step.
    steps = _steps((100, True), (200, True), (400, True), (800, False), (1600, False))
    assert next_refinement(steps, 1.15) == (400 * 800) ** 0.5


def test_refinement_narrows_the_bracket_from_both_sides_and_stops_within_the_ratio() -> None:
    steps = _steps((400, True), (800, False))
    rates = []
    clean_below = 500.0  # a server whose knee lies at 500 events/s
    while (rate := next_refinement(steps, 1.15)) is not None:
        rates.append(rate)
        steps += _steps((rate, rate <= clean_below))
    assert len(rates) == 3  # 800/400 = 2 -> 1.41 -> 1.19 -> 1.09
    best_clean = max(s["rate_events_per_s"] for s in steps if s["clean"])
    lowest_failed = min(s["rate_events_per_s"] for s in steps if not s["clean"])
    assert best_clean <= clean_below < lowest_failed and lowest_failed / best_clean <= 1.15


def test_no_refinement_without_a_bracket() -> None:
    assert next_refinement(_steps((100, False), (200, False)), 1.15) is None  # no clean step
    assert next_refinement(_steps((100, True), (200, True)), 1.15) is None  # the knee was not reached
    assert next_refinement(_steps((100, True), (110, False)), 1.15) is None  # already within the ratio
