"""Small helpers shared by the stack benchmarks: percentiles, a progress line, the printed table
and the JSON result file under bench/results/."""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.stack import machine

RESULTS = Path(__file__).parent / "results"


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


class Progress:
    """One self-overwriting line on a terminal, a line every ~10 % otherwise."""

    def __init__(self, what: str, total: int) -> None:
        self.what, self.total, self.t0 = what, total, time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last_decile = -1

    def update(self, done: int, extra: str = "") -> None:
        rate = done / max(time.perf_counter() - self.t0, 1e-9)
        line = f"  {self.what}: {done}/{self.total} ({rate:.0f}/s) {extra}"
        if self.tty:
            sys.stderr.write("\r" + line.ljust(78))
            sys.stderr.flush()
        else:
            decile = done * 10 // max(self.total, 1)
            if decile != self.last_decile:
                self.last_decile = decile
                print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            if math.isnan(v):
                return "–"
            return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    text = [[cell(v) for v in r] for r in rows]
    numeric = [
        i > 0 and all(isinstance(r[i], int | float) or cell(r[i]) == "–" for r in rows)
        for i in range(len(headers))
    ]
    widths = [max(len(h), *(len(r[i]) for r in text)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    out = [title, line, "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    for r in text:
        out.append(
            "  ".join(
                v.rjust(w) if numeric[i] else v.ljust(w)
                for i, (v, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    out.append(line)
    return "\n".join(out)


def report(
    name: str,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    data: dict[str, Any],
    notes: Sequence[str] = (),
) -> str:
    """Print the table (and notes) and write bench/results/<name>.json."""
    text = table(title, headers, rows)
    if notes:
        text += "\n" + "\n".join(f"  {n}" for n in notes)
    print("\n" + text, flush=True)
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "benchmark": name,
        "machine": machine(),
        "table": {"title": title, "headers": list(headers), "rows": [list(r) for r in rows]},
        "notes": list(notes),
        **data,
    }
    (RESULTS / f"{name}.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"
    )
    return text
