"""Inputs and outputs of deadline computation, shared by the API, activities and workflows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from rules.clock import Clock, Reading
from rules.clock_plan import CalendarSnapshot, ClockPlan, ClockPlanRequest

__all__ = ["CalendarSnapshot", "ClockPlan", "ClockPlanRequest", "SnapshotYears"]


class SnapshotYears(BaseModel):
    """The calendar a workflow carries: its region, for the years its clocks span."""

    region: str = Field(default="CN", max_length=20)
    first: int = Field(ge=1990, le=2200)
    last: int = Field(ge=1990, le=2200)


class EvaluateClock(BaseModel):
    """Ask the calendar for a clock's due date as of ``now``."""

    clock: Clock
    now: datetime
    region: str = "CN"


class StatutoryTimerInput(BaseModel):
    """A single statutory period to watch, e.g. A14: proactive disclosure within 20 WD."""

    name: str = Field(description="what the period is for, e.g. 'proactive_disclosure'")
    kind: str = "disclosure"
    period: str = Field(description="the rule-pack field holding the period, e.g. 'reply'")
    jurisdiction: str = "CN"
    region: str = "CN"
    subject: str = ""


class StatutoryTimerResult(BaseModel):
    name: str
    reading: Reading
    fired_at: datetime


class CalendarChange(BaseModel):
    """What changed in the working-day calendar, told to every open case it may touch."""

    reason: str = Field(min_length=1, max_length=500)
    years: list[int] = Field(default_factory=list)
    revision: str = ""
    by: str = ""
    # The region's calendar as changed, for the years around the change (store.calendar
    # .calendar_change): a case whose clocks stay within them plans on it at once, instead of
    # each of thousands of cases reading the calendar back from the read model.
    calendar: CalendarSnapshot | None = None
    issued_at: datetime | None = None  # when the calendar was read (two changes: the newer)
    # The officers were told by one digest per agency (store/digest.py): the case records its
    # moves in its history without a notice of its own.
    digested: bool = False


class DeadlineMove(BaseModel):
    """One clock whose due date moved because the calendar changed (old → new)."""

    clock: str
    clock_zh: str
    old_due_at: datetime | None
    new_due_at: datetime | None
    old_text: str
    new_text: str


class Recalculation(BaseModel):
    """A case's answer to a calendar change: its deadlines that moved (none if unaffected)."""

    case_no: str
    moved: list[DeadlineMove] = Field(default_factory=list)


class CheckNextYear(BaseModel):
    """Is next year's holiday notice in the calendar yet? (asked daily from 1 November)"""

    on: datetime
    region: str = "CN"


class NextYearStatus(BaseModel):
    year: int
    status: str  # official | provisional
    alerted: bool = False


class CalendarWatchInput(BaseModel):
    region: str = "CN"
