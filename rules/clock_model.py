"""The statutory clock's data (rules/clock.py): what a clock is, what evaluating it says.

These pydantic models travel in workflow state, activity inputs and results and Temporal
histories (by field, never by module path); the operations on them are in ``rules/clock.py``,
the evaluation in ``rules/clock_reading.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from rules.calendar import DayInfo, local_date


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"
    HOURS = "hours"

    @property
    def zh(self) -> str:
        return {
            "working_days": "个工作日",
            "calendar_days": "日",
            "months": "个月",
            "hours": "小时",
        }[self.value]


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    EXPIRED = "expired"
    STOPPED = "stopped"
    # A minimum period (e.g. Decree 713 Art. 27: the legality reviewer is given generally at
    # least 7 WD) that has been given in full: nothing is late.
    ELAPSED = "elapsed"

    @property
    def zh(self) -> str:
        return {
            "running": "计时中",
            "paused": "暂停计算",
            "expired": "已届满",
            "stopped": "已停止",
            "elapsed": "最短期间已满",
        }[self.value]


class ClockError(ValueError):
    """An operation the law does not allow on this clock; the message says why."""


class ClockPolicy(BaseModel):
    max_extensions: int = 0
    extension_cap: int = 0
    # LAW.md §0 pause-boundary convention: working days stop on the day after the pausing act and
    # resume on the working day after the answer (the answer day itself is not counted).
    resume_day_counts: bool = False
    # Working days subtracted from internal due dates computed on a provisional calendar (§6.3).
    provisional_margin: int = 2


class Pause(BaseModel):
    reason: str
    since: datetime
    until: datetime | None = None
    by: str = ""


class Extension(BaseModel):
    amount: int
    approver: str
    reason: str
    at: datetime


class Override(BaseModel):
    due_date: date
    reason: str
    approver: str
    at: datetime


class Restart(BaseModel):
    """A full reset (LAW.md §0 RESTART): what the earlier run had is kept here, not applied."""

    at: datetime
    reason: str
    previous_anchor: datetime
    discarded_pauses: list[Pause] = Field(default_factory=list)
    discarded_extensions: list[Extension] = Field(default_factory=list)
    discarded_override: Override | None = None


class Clock(BaseModel):
    name: str
    unit: Unit
    limit: int
    anchor_at: datetime
    basis: str = ""
    rule_pack: str = ""
    policy: ClockPolicy = Field(default_factory=ClockPolicy)
    pauses: list[Pause] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    override: Override | None = None
    restarts: list[Restart] = Field(default_factory=list)
    stopped_at: datetime | None = None
    stop_reason: str = ""
    # A period that must at least be given (not a deadline): it never expires, it elapses.
    minimum: bool = False
    # Its last day is a date fixed by law or a seed ("每年1月31日前", a quarter's end: LAW.md
    # §6B), not a period counted in days: never rolled over a rest day (rules/duties.py).
    fixed: bool = False

    @property
    def anchor_date(self) -> date:
        return local_date(self.anchor_at)

    @property
    def open_pause(self) -> Pause | None:
        return self.pauses[-1] if self.pauses and self.pauses[-1].until is None else None

    @property
    def total_limit(self) -> int:
        return self.limit + sum(e.amount for e in self.extensions)


class PauseSpan(BaseModel):
    reason: str
    since: date
    until: date | None
    excluded_days: int


class DayInfoModel(BaseModel):
    day: date
    kind: str
    name: str = ""
    label: str = ""

    @classmethod
    def of(cls, info: DayInfo) -> DayInfoModel:
        return cls(day=info.day, kind=info.kind, name=info.name, label=info.label)


class Explanation(BaseModel):
    """Why the due date is what it is, in data and in words (Chinese, the officers' language)."""

    clock: str
    basis: str
    unit: Unit
    limit: int
    total_limit: int
    anchor_date: date
    due_date: date | None
    skipped: list[DayInfoModel] = Field(default_factory=list)
    makeup_days_counted: list[DayInfoModel] = Field(default_factory=list)
    rolled_over: list[DayInfoModel] = Field(default_factory=list)
    pauses: list[PauseSpan] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    override: Override | None = None
    restarts: list[Restart] = Field(default_factory=list)
    calendar_revision: str
    provisional: bool
    provisional_years: list[int] = Field(default_factory=list)
    rule_pack: str
    lines: list[str] = Field(default_factory=list)


class Reading(BaseModel):
    """A clock as of one moment."""

    clock: str
    state: ClockState
    unit: Unit
    # None while paused: the last day is not known until the pause ends.
    due_date: date | None
    due_at: datetime | None
    # Earlier than due_at when the calendar is provisional (safety margin) or when the
    # conservative pause convention counts the resume day: drives internal alerts. While
    # paused it is set only when the period was used up before the pause (it cannot move).
    internal_due_at: datetime | None
    consumed: int
    remaining: int | None
    provisional: bool
    explanation: Explanation
    # While paused: the due date as if the pause ended now. When the whole period was used up
    # before the pause (``used_up``), this is its fixed legal due date and the case is late
    # whatever the pause (GIDR Art. 33 para 2: judged on the consumed working days).
    frozen_due_date: date | None = None
    frozen_due_at: datetime | None = None
    used_up: bool = False
    stopped_at: datetime | None = None
    stop_reason: str = ""

    @property
    def shown_due_date(self) -> date | None:
        """The date to show: the due date, or while paused the frozen one."""
        return self.due_date or self.frozen_due_date

    @property
    def shown_due_at(self) -> datetime | None:
        return self.due_at or self.frozen_due_at

    @property
    def lapses_at(self) -> datetime | None:
        """The instant the period runs out as things stand: its due instant while running, its
        frozen one while paused after it was used up, never while paused before that."""
        if self.state is ClockState.PAUSED:
            return self.due_at or (self.frozen_due_at if self.used_up else None)
        if self.state in (ClockState.STOPPED, ClockState.ELAPSED):
            return None
        return self.due_at

    def expired_by(self, now: datetime) -> bool:
        lapses = self.lapses_at
        return lapses is not None and now > lapses


class CaseDue(BaseModel):
    """What a case's row shows of its clocks (the read model, the board)."""

    due_at: datetime | None = None
    internal_due_at: datetime | None = None
    provisional: bool = False
    explanation: Explanation | None = None


class Milestone(BaseModel):
    """When an escalation rung of a clock falls due (None while the clock is paused)."""

    rung: str
    at: datetime | None


def aware(at: datetime) -> None:
    """Instants are absolute: a naive one would be read in the machine's zone."""
    if at.tzinfo is None:
        raise ClockError("时间须带时区（北京时间）。")
