"""`make bench`: every benchmark, each printing its numbers."""

from __future__ import annotations

import asyncio

from bench import bench_calendar, bench_timer


def main() -> None:
    bench_calendar.main()
    asyncio.run(bench_timer.main())


if __name__ == "__main__":
    main()
