"""The traffic-light board's figures: counts by SQL over every open case (an agency may have tens
of thousands of them), and lists of at most ``limit`` rows each, most urgent first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from rules.calendar import SHANGHAI
from schemas.registry import CLOSED
from store.models import CaseRow


@dataclass(frozen=True)
class BoardFilter:
    """Which open cases the board counts (None: all of them)."""

    agency: str | None = None
    officer: str | None = None
    kind: str | None = None
    unit: str | None = None

    def where(self) -> list[Any]:
        where: list[Any] = [col(CaseRow.status).not_in(sorted(CLOSED))]
        for column, value in (
            (CaseRow.agency, self.agency),
            (CaseRow.officer, self.officer),
            (CaseRow.kind, self.kind),
            (CaseRow.unit, self.unit),
        ):
            if value:
                where.append(column == value)
        return where


@dataclass
class BoardFigures:
    counts: Counter[str]  # by light
    by_kind: Counter[str]
    by_unit: Counter[str]
    red: list[CaseRow]
    due_today: list[CaseRow]
    due_today_count: int
    due_week: list[CaseRow]
    due_week_count: int
    overdue: list[CaseRow]
    overdue_count: int
    oldest: list[CaseRow]  # the ten received longest ago
    by_day: list[tuple[date, str, int]]  # (day of receipt, light, open cases)


def board_figures(engine: Engine, f: BoardFilter, now: datetime, limit: int) -> BoardFigures:
    """The board as of ``now``: lists of at most ``limit`` rows, the most urgent first."""
    where = f.where()
    today = now.astimezone(SHANGHAI).date()
    day_start = datetime.combine(today, datetime.min.time(), SHANGHAI)
    tomorrow = day_start + timedelta(days=1)
    week_end = day_start + timedelta(days=8)
    # Alerts count from the internal due date (LAW.md §6.4(3)); a paused case keeps its frozen
    # date, and stays overdue if its period ran out before the pause.
    due = col(CaseRow.internal_due_at)
    t0 = col(CaseRow.t0)

    with Session(engine) as s:

        def count(*extra: Any) -> int:
            return int(
                s.exec(select(func.count()).select_from(CaseRow).where(*where, *extra)).one()
            )

        def grouped(column: Any) -> Counter[str]:
            q = select(column, func.count()).where(*where).group_by(column)
            return Counter({str(k): int(n) for k, n in s.exec(q).all()})

        def rows(*extra: Any, order: Any = due, most: int = limit) -> list[CaseRow]:
            q = select(CaseRow).where(*where, *extra).order_by(order, CaseRow.case_no)
            return list(s.exec(q.limit(most)).all())

        by_day = s.exec(
            select(t0, CaseRow.light, func.count())
            .where(*where, t0.is_not(None))
            .group_by(t0, CaseRow.light)
        ).all()
        return BoardFigures(
            counts=grouped(CaseRow.light),
            by_kind=grouped(CaseRow.kind),
            by_unit=grouped(CaseRow.unit),
            red=rows(CaseRow.light == "red"),
            due_today=rows(due >= day_start, due < tomorrow),
            due_today_count=count(due >= day_start, due < tomorrow),
            due_week=rows(due >= day_start, due < week_end),
            due_week_count=count(due >= day_start, due < week_end),
            overdue=rows(due < now),
            overdue_count=count(due < now),
            oldest=rows(t0.is_not(None), order=t0, most=10),
            by_day=[(d, light, int(n)) for d, light, n in by_day if d],
        )
