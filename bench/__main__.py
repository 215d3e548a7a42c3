"""`make bench`: every benchmark, each printing its numbers.

    python -m bench [--only NAME[,NAME]] [--cases N]

The stack benchmarks (start, actions, escalation, scale, portal, search, forecast) share one
real `gongkai up` (dev server + worker + API) in a temporary directory and write their tables
to bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import bench_calendar, bench_scale, bench_timer, targets

STACK_BENCHES = ("start", "actions", "escalation", "scale", "portal", "search", "forecast")
ALL = ("calendar", "timer", *STACK_BENCHES)


async def _stack(names: list[str], cases: int, keep: bool) -> None:
    from bench.stack import Stack

    tmp = tempfile.mkdtemp(prefix="gongkai-bench-")
    stack = Stack(Path(tmp))
    if keep:
        print(f"stack directory (kept): {tmp}", flush=True)
    try:
        took = stack.start()
        print(f"gongkai up (dev server + worker + API) healthy in {took:.1f} s", flush=True)
        for name in names:
            module = importlib.import_module(f"bench.bench_{name}")
            await module.run(stack, cases)
    finally:
        code = stack.stop()
        if code:
            print(f"gongkai up exited with {code}; log:", file=sys.stderr)
            print((Path(tmp) / "up.log").read_text()[-4000:], file=sys.stderr)
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of: {', '.join(ALL)} (default: all)"
    )
    parser.add_argument(
        "--cases",
        type=int,
        default=10_000,
        help="open cases for the scale benchmark (default 10000; 100000 for the full run); "
        "the other benchmarks scale their sample sizes from it",
    )
    parser.add_argument(
        "--real",
        type=int,
        default=10_000,
        help="of the scale benchmark's open cases, how many are real running workflows "
        "(default 10000; the rest are read-model rows)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the stack's directory (databases, logs)"
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(ALL)
    unknown = set(names) - set(ALL)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    t = time.perf_counter()
    if "calendar" in names:
        bench_calendar.main()
    if "timer" in names:
        asyncio.run(bench_timer.main())
    stack_names = [n for n in STACK_BENCHES if n in names]
    bench_scale.REAL = args.real
    if stack_names:
        asyncio.run(_stack(stack_names, args.cases, args.keep))
    if targets.ROWS:
        targets.summary()
    print(f"\nbench finished in {time.perf_counter() - t:.0f} s", flush=True)
    # Skip interpreter finalisation: the Temporal SDK's Rust threads can abort it (sdk-python#300).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
