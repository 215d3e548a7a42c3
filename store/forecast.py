"""The workload forecast's figures: an agency's open cases by the day they fall due, per officer
and unit, counted by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from schemas.registry import CLOSED
from store.models import CaseRow


@dataclass
class DueCounts:
    # (officer, unit, k, open cases falling due on the k-th day from ``start``)
    by_day: list[tuple[str, str, int, int]]
    held: dict[str, int]  # open cases per officer, now
    overdue: int  # open cases already due before ``start``


def due_counts(engine: Engine, agency: str, start: datetime, span: int) -> DueCounts:
    """The agency's open cases falling due in the ``span`` days from ``start`` (by the date
    alerts count from), one row per officer, unit and day rather than one per case (100,000 open
    cases stay one quick query)."""
    end = start + timedelta(days=span)
    open_: list[Any] = [CaseRow.agency == agency, col(CaseRow.status).not_in(sorted(CLOSED))]
    due = col(CaseRow.internal_due_at)
    day_of = case(*((due < start + timedelta(days=k + 1), k) for k in range(span)), else_=span)
    with Session(engine) as db:
        rows = db.exec(
            select(CaseRow.officer, CaseRow.unit, day_of, func.count())
            .where(*open_, due >= start, due < end)
            .group_by(CaseRow.officer, CaseRow.unit, day_of)
        ).all()
        held = {
            str(officer): int(n)
            for officer, n in db.exec(
                select(CaseRow.officer, func.count()).where(*open_).group_by(CaseRow.officer)
            ).all()
        }
        overdue = int(db.exec(select(func.count()).where(*open_, due < start)).one())
    return DueCounts(
        [(str(officer), str(unit), int(k), int(n)) for officer, unit, k, n in rows], held, overdue
    )
