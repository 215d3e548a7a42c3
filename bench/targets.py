"""The targets table (issues 17 and 25): every figure as a ratio to bare Temporal measured in
the same run, with its target and PASS/FAIL. Each benchmark adds its rows; `make bench` prints
the table last and writes bench/results/targets.json."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bench.common import report


@dataclass
class Target:
    what: str
    gongkai: str  # the measured figure(s), with units
    bare: str  # bare Temporal's, same run ("–" where there is none)
    ratio: float  # gongkai ÷ bare (or the figure itself where the target is absolute)
    target: str
    passed: bool


ROWS: list[Target] = []


def at_least(what: str, ours: float, bare: float, unit: str, minimum: float) -> None:
    """A throughput: ours ÷ bare must be ≥ ``minimum``."""
    _ratio(what, ours, bare, unit, f"≥ {minimum}", lambda r: r >= minimum)


def at_most(what: str, ours: float, bare: float, unit: str, maximum: float) -> None:
    """A latency: ours ÷ bare must be ≤ ``maximum``."""
    _ratio(what, ours, bare, unit, f"≤ {maximum}×", lambda r: r <= maximum)


def _ratio(
    what: str, ours: float, bare: float, unit: str, target: str, met: Callable[[float], bool]
) -> None:
    ratio = ours / bare if bare else math.nan
    ROWS.append(Target(what, f"{ours:.1f} {unit}", f"{bare:.1f} {unit}", ratio, target, met(ratio)))


def within(what: str, figure: float, unit: str, limit: float, detail: str = "–") -> None:
    """An absolute bound: ``figure`` must be ≤ ``limit`` (no bare counterpart)."""
    ROWS.append(
        Target(
            what,
            f"{figure:.1f} {unit}",
            detail,
            figure / limit,
            f"≤ {limit:g} {unit}",
            figure <= limit,
        )
    )


def note(what: str, figure: str, detail: str = "–") -> None:
    """A figure the table must show (no pass/fail of its own)."""
    ROWS.append(Target(what, figure, detail, math.nan, "shown", True))


def summary() -> str:
    rows: list[list[Any]] = [
        [r.what, r.gongkai, r.bare, r.ratio, r.target, "PASS" if r.passed else "FAIL"] for r in ROWS
    ]
    met = sum(1 for r in ROWS if r.passed)
    return report(
        "targets",
        "Targets (issues 17, 25): Gongkai against bare Temporal, same server, same run",
        ["what", "Gongkai", "bare Temporal", "ratio", "target", "result"],
        rows,
        {"rows": [asdict(r) for r in ROWS]},
        [f"{met} of {len(ROWS)} met; every ratio from figures measured in this run"],
    )
