"""The public deadline calculator: what the law's clock says, and why."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from api import deps
from rules.calendar import SHANGHAI, WorkCalendar
from rules.clock import ClockPolicy, Explanation, Unit, evaluate, start

router = APIRouter(prefix="/v1", tags=["deadlines"])
# The working-day calendar covers these years (later ones as provisional); a period of 1000
# units from the last day still ends inside what Python's dates can hold.
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


class DeadlineOut(BaseModel):
    start: date
    n: int
    unit: Unit
    due_date: date
    due_at: datetime
    internal_due_at: datetime
    provisional: bool
    calendar_revision: str
    explanation: Explanation


@router.get(
    "/deadlines",
    response_model=DeadlineOut,
    summary="Compute a statutory deadline on the working-day calendar",
    operation_id="compute_deadline",
    description=(
        "The start day is excluded and the n-th day is the last permissible day (民法典 Arts. "
        "201, 1259); the due instant is 23:59:59 Asia/Shanghai. Calendar-day periods ending on "
        "a rest day roll to the next working day (Art. 203). Hours run 24×7 from the start "
        "instant. A result that crosses a year without a State Council notice is provisional."
    ),
)
def compute_deadline(
    start_: Annotated[
        str,
        Query(
            alias="start",
            description="receipt date, e.g. 2026-09-15 (or an instant, for hours)",
            examples=["2026-09-15"],
        ),
    ],
    n: Annotated[int, Query(ge=1, le=1000, description="length of the period")],
    unit: Annotated[Unit, Query()] = Unit.WORKING_DAYS,
    calendar: WorkCalendar = Depends(deps.calendar),
) -> DeadlineOut:
    anchor = _parse_start(start_)
    if not EARLIEST <= anchor.astimezone(SHANGHAI).date() <= LATEST:
        raise HTTPException(
            422,
            f"'start'：{start_!r} 超出可计算的日期范围"
            f"（{EARLIEST.isoformat()} 至 {LATEST.isoformat()}）。",
        )
    clock = start(
        "deadline", unit, n, anchor, basis="期限计算", policy=ClockPolicy(provisional_margin=2)
    )
    reading = evaluate(clock, calendar, anchor)
    assert reading.due_date and reading.due_at and reading.internal_due_at
    return DeadlineOut(
        start=anchor.astimezone(SHANGHAI).date(),
        n=n,
        unit=unit,
        due_date=reading.due_date,
        due_at=reading.due_at,
        internal_due_at=reading.internal_due_at,
        provisional=reading.provisional,
        calendar_revision=calendar.revision,
        explanation=reading.explanation,
    )


def _parse_start(value: str) -> datetime:
    """A date means that day in Asia/Shanghai; an instant without offset is Beijing time."""
    try:
        return datetime.combine(date.fromisoformat(value), time(12, 0), tzinfo=SHANGHAI)
    except ValueError:
        pass
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(
            422,
            f"'start'：{value!r} 不是日期；请写作 YYYY-MM-DD（如 2026-09-15），"
            "以小时计的期限可写作时刻，如 2026-09-15T08:30:00+08:00。",
        ) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=SHANGHAI)
