"""The traffic-light board's figures: counts by SQL over every open case (an agency may have tens
of thousands of them), and lists of at most ``limit`` rows each, most urgent first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from rules.calendar import SHANGHAI
from schemas.registry import CLOSED, OPEN
from store.models import CaseRow


@dataclass(frozen=True)
class BoardFilter:
    """Which open cases the board counts (None: all of them)."""

    agency: str | None = None
    officer: str | None = None
    kind: str | None = None
    unit: str | None = None

    def where(self) -> list[Any]:
        return [col(CaseRow.status).not_in(sorted(CLOSED)), *self._chosen()]

    def open_where(self) -> list[Any]:
        """The same cases by the positive list of open statuses: the board's one grouped count
        reads the covering index ``ix_case_board`` (status, agency, light, kind, unit, t0,
        officer) in its own order, seeking each open status instead of testing every row."""
        return [col(CaseRow.status).in_(sorted(OPEN)), *self._chosen()]

    def _chosen(self) -> list[Any]:
        chosen = (
            (CaseRow.agency, self.agency),
            (CaseRow.officer, self.officer),
            (CaseRow.kind, self.kind),
            (CaseRow.unit, self.unit),
        )
        return [column == value for column, value in chosen if value]


@dataclass
class BoardFigures:
    counts: Counter[str]  # by light
    by_kind: Counter[str]
    by_unit: Counter[str]
    red: list[CaseRow]
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

        def rows(*extra: Any, order: Any = due, most: int = limit) -> list[CaseRow]:
            q = select(CaseRow).where(*where, *extra).order_by(order, CaseRow.case_no)
            return list(s.exec(q.limit(most)).all())

        counts, by_kind, by_unit, by_day = _grouped(s, f)
        return BoardFigures(
            counts=counts,
            by_kind=by_kind,
            by_unit=by_unit,
            red=rows(CaseRow.light == "red"),
            due_today_count=count(due >= day_start, due < tomorrow),
            due_week=rows(due >= day_start, due < week_end),
            due_week_count=count(due >= day_start, due < week_end),
            overdue=rows(due < now),
            overdue_count=count(due < now),
            oldest=rows(t0.is_not(None), order=t0, most=10),
            by_day=by_day,
        )


def _grouped(
    s: Session, f: BoardFilter
) -> tuple[Counter[str], Counter[str], Counter[str], list[tuple[date, str, int]]]:
    """The open cases counted by light, by kind, by unit and by (day of receipt, light), in one
    pass over the covering index, grouped in the index's order (no sort, no table read)."""
    keys = [
        col(CaseRow.status),
        col(CaseRow.agency),
        col(CaseRow.light),
        col(CaseRow.kind),
        col(CaseRow.unit),
        col(CaseRow.t0),
    ]
    q = sa_select(*keys, func.count()).where(*f.open_where()).group_by(*keys)
    by_light: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_unit: Counter[str] = Counter()
    by_day: Counter[tuple[date, str]] = Counter()
    rows: list[tuple[Any, ...]] = [tuple(r) for r in s.connection().execute(q).all()]
    for _status, _agency, light, kind, unit, t0, n in rows:
        by_light[str(light)] += n
        by_kind[str(kind)] += n
        by_unit[str(unit)] += n
        if t0 is not None:
            by_day[t0, str(light)] += n
    return by_light, by_kind, by_unit, [(d, light, n) for (d, light), n in by_day.items()]
