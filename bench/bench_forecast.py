"""The workload forecast over N open cases of one agency (default 10,000; ``--cases 100000``).

Open cases are read-model rows inserted directly, due over the next ten weeks and spread over
50 officers and 8 units; then ``GET /forecast`` (the page: the next 30 working days per officer
and per unit, with current holdings) as an officer of the agency, one request after another.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from bench.common import Progress, ms, pct, report
from bench.stack import AGENCY, Stack
from store.models import CaseRow

REPEAT = 30
UNITS = ["规划处", "财务处", "法规科", "城建科", "环保科", "交通科", "教育科", "办公室"]


def _seed(stack: Stack, n: int, progress: Progress) -> None:
    rng = random.Random(30)
    now = datetime.now(UTC)
    table = CaseRow.__table__  # type: ignore[attr-defined]
    for start in range(0, n, 5000):
        rows = []
        for i in range(start, min(n, start + 5000)):
            due = now + timedelta(hours=rng.randrange(-24 * 5, 24 * 70))
            rows.append(
                {
                    "case_no": f"FC-2026-{i:07d}",
                    "kind": "disclosure",
                    "agency": AGENCY,
                    "officer": f"officer{i % 50:02d}",
                    "unit": UNITS[i % len(UNITS)],
                    "status": "assigned",
                    "light": "green",
                    "due_at": due,
                    "internal_due_at": due,
                    "provisional": False,
                    "summary": "基准测试：工作量预测",
                    "last_seq": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        with stack.engine.begin() as conn:
            conn.execute(insert(table), rows)
        progress.update(min(n, start + 5000))
    progress.close()


async def run(stack: Stack, cases: int) -> str:
    with Session(stack.engine) as s:
        have = s.exec(
            select(func.count())
            .select_from(CaseRow)
            .where(CaseRow.agency == AGENCY, col(CaseRow.status) == "assigned")
        ).one()
    new = max(0, cases - have)
    t = time.perf_counter()
    if new:
        _seed(stack, new, Progress("open cases inserted", new))
    seed_s = time.perf_counter() - t
    with Session(stack.engine) as s:
        total = s.exec(
            select(func.count()).select_from(CaseRow).where(CaseRow.agency == AGENCY)
        ).one()
    officer = stack.token("forecast-officer")
    lat: list[float] = []
    size = 0
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60, headers=officer) as http:
        for _ in range(REPEAT):
            t = time.perf_counter()
            res = await http.get("/forecast")
            lat.append(time.perf_counter() - t)
            res.raise_for_status()
            size = len(res.content)
    rows: list[list[Any]] = [
        [
            "forecast page GET /forecast",
            f"{ms(pct(lat, 50)):.0f}",
            f"{ms(pct(lat, 95)):.0f}",
            f"{ms(max(lat)):.0f}",
            f"{size / 1024:.0f} KiB",
        ]
    ]
    return report(
        "forecast" if cases == 10_000 else f"forecast_{cases}",
        f"7. Workload forecast ({total:,} cases of one agency)",
        ["page", "p50 ms", "p95 ms", "max ms", "size"],
        rows,
        {"cases": total, "seed_s": seed_s, "forecast_ms": [ms(x) for x in lat]},
        [
            f"30 working days × 50 officers and 8 units; {REPEAT} sequential requests; "
            f"seeded in {seed_s:.1f} s"
        ],
    )
