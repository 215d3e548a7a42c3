"""Calendar and clock speed and memory: how fast due dates are computed and explained."""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc
from datetime import date, datetime, timedelta

from rules.calendar import SHANGHAI, build_calendar, seed_year
from rules.clock import ClockPolicy, Unit, evaluate, pause, resume, start


def _timeit(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    seed_year.cache_clear()
    t = time.perf_counter()
    cal = build_calendar()
    cold = time.perf_counter() - t
    seed_year.cache_clear()
    tracemalloc.start()
    build_calendar()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    warm = statistics.median(_timeit(build_calendar, 20))
    print(
        f"calendar build (19 official years): cold {cold * 1000:.1f} ms, warm {warm * 1000:.2f} ms,"
        f" peak memory {peak / 1024:.0f} KiB, {len(tuple(cal.entries))} exceptional days"
    )

    rng = random.Random(7)
    starts = [date(2019, 1, 1) + timedelta(days=rng.randrange(365 * 8)) for _ in range(20_000)]
    t = time.perf_counter()
    for s in starts:
        cal.nth_working_day(s, 20)
    dt = time.perf_counter() - t
    print(
        f"nth_working_day(n=20): {len(starts) / dt:,.0f} per second "
        f"({dt / len(starts) * 1e6:.1f} µs each, with skipped-day explanation)"
    )

    policy = ClockPolicy(max_extensions=1, extension_cap=20)
    clocks = []
    for s in starts[:5000]:
        anchor = datetime.combine(s, datetime.min.time(), SHANGHAI).replace(hour=10)
        c = start("reply", Unit.WORKING_DAYS, 20, anchor, basis="GIDR Art. 33", policy=policy)
        c = resume(
            pause(c, "征求第三方意见", anchor + timedelta(days=3)), anchor + timedelta(days=9)
        )
        clocks.append((c, anchor + timedelta(days=10)))
    t = time.perf_counter()
    for c, now in clocks:
        evaluate(c, cal, now)
    dt = time.perf_counter() - t
    print(
        f"clock evaluate (20 WD, one pause, full explanation): {len(clocks) / dt:,.0f} per second "
        f"({dt / len(clocks) * 1e6:.0f} µs each)"
    )


if __name__ == "__main__":
    main()
