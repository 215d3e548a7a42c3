"""The workbench's queues: 我的案件 (an officer's open cases, the agency's unclaimed ones and their
unit's) and 审批 (what waits for a supervisor), most urgent first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from schemas.registry import CLOSED
from store.models import CaseRow

LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}
QUEUE_LIMIT = 200


def _urgent_first() -> tuple[Any, ...]:
    """Red, then yellow, then green; within a light the earliest due (by the date alerts
    count from), then the case number."""
    light_rank = case(LIGHT_ORDER, value=CaseRow.light, else_=len(LIGHT_ORDER))
    due = col(CaseRow.internal_due_at)
    return (light_rank, due.is_(None), due, CaseRow.case_no)


@dataclass(frozen=True)
class MineFilter:
    kind: str = ""
    # (kind, status) pairs, any of which a case may be in (None: any status)
    statuses: list[tuple[str, str]] | None = None
    light: str = ""
    unit: str = ""
    due_before: datetime | None = None  # by the date alerts count from


@dataclass
class MyQueue:
    rows: list[CaseRow]  # at most QUEUE_LIMIT of ``total``
    total: int
    counts: dict[str, int]  # all the officer's open cases by light, whatever the filter
    provisional: int  # of those, due in a year whose holidays are not yet published
    unclaimed: list[CaseRow]
    unit_cases: list[CaseRow]


def my_queue(engine: Engine, officer: str, agency: str, unit: str, f: MineFilter) -> MyQueue:
    """The officer's open cases that meet ``f``, with the counts of all of them; the cases the
    public opened that nobody has taken yet (the first step makes them yours); and, for a unit's
    member, the cases routed to the unit (签收, the draft)."""
    mine: list[Any] = [
        col(CaseRow.status).not_in(sorted(CLOSED)),
        CaseRow.officer == officer,
        CaseRow.agency == agency,
    ]
    where = [*mine, *_filtered(f)]
    order = _urgent_first()
    with Session(engine) as db:
        total = int(db.exec(select(func.count()).select_from(CaseRow).where(*where)).one())
        rows = db.exec(select(CaseRow).where(*where).order_by(*order).limit(QUEUE_LIMIT)).all()
        counts = {
            str(k): int(n)
            for k, n in db.exec(
                select(CaseRow.light, func.count()).where(*mine).group_by(CaseRow.light)
            ).all()
        }
        provisional = int(
            db.exec(
                select(func.count())
                .select_from(CaseRow)
                .where(*mine, col(CaseRow.provisional).is_(True))
            ).one()
        )
        unclaimed = _open_of(db, agency, col(CaseRow.officer) == "")
        theirs = (col(CaseRow.unit) == unit) & (col(CaseRow.officer) != officer)
        unit_cases = _open_of(db, agency, theirs) if unit else []
    return MyQueue(list(rows), total, counts, provisional, unclaimed, unit_cases)


def _filtered(f: MineFilter) -> list[Any]:
    where: list[Any] = []
    if f.kind:
        where.append(CaseRow.kind == f.kind)
    if f.statuses is not None:
        where.append(
            or_(*(and_(col(CaseRow.kind) == k, col(CaseRow.status) == s) for k, s in f.statuses))
        )
    if f.light:
        where.append(CaseRow.light == f.light)
    if f.unit:
        where.append(CaseRow.unit == f.unit)
    if f.due_before is not None:
        where.append(col(CaseRow.internal_due_at) < f.due_before)
    return where


def _open_of(db: Session, agency: str, condition: Any) -> list[CaseRow]:
    """The agency's open cases that meet ``condition``, most urgent first."""
    return list(
        db.exec(
            select(CaseRow)
            .where(col(CaseRow.status).not_in(sorted(CLOSED)), CaseRow.agency == agency)
            .where(condition)
            .order_by(*_urgent_first())
            .limit(QUEUE_LIMIT)
        ).all()
    )


def awaiting_approval(
    engine: Engine, agency: str, owed: Iterable[tuple[str, str]]
) -> list[CaseRow]:
    """The agency's open cases in one of the ``owed`` (kind, status) pairs, or whose projection
    says they await a decision, oldest first."""
    waiting = or_(
        *(and_(col(CaseRow.kind) == kind, col(CaseRow.status) == status) for kind, status in owed),
        col(CaseRow.awaiting) != "",
    )
    with Session(engine) as db:
        return list(
            db.exec(
                select(CaseRow)
                .where(CaseRow.agency == agency, col(CaseRow.status).not_in(sorted(CLOSED)))
                .where(waiting)
                .order_by(col(CaseRow.updated_at))
                .limit(QUEUE_LIMIT)
            ).all()
        )
