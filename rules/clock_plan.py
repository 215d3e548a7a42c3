"""A case's plan on one calendar — every due date, every escalation instant and the inactivity
reminder — and the calendar a workflow carries to make it itself (issue 25: decide once, in the
workflow; no activity per step).

Pure: the same request on the same snapshot gives the same plan, in the worker's activity (cases
from before) and in the workflow (cases from now on) alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pydantic import BaseModel, Field

from rules.calendar import (
    SHANGHAI,
    CalendarEntry,
    DayKind,
    Origin,
    WorkCalendar,
    YearStatus,
    local_date,
)
from rules.clock_milestones import milestone_at
from rules.clock_model import Clock, Milestone, Reading
from rules.clock_reading import evaluate
from rules.packs import Rung

# One packed day: its date, h (holiday) or w (working weekend day), its name; ';' between days.
_PACKED = r"^(\d{4}-\d{2}-\d{2}[hw][^;]{0,100})?(;\d{4}-\d{2}-\d{2}[hw][^;]{0,100})*$"


class ClockPlanRequest(BaseModel):
    """Every clock of a case, with the escalation rungs still to watch."""

    clocks: dict[str, Clock]
    rungs: dict[str, list[Rung]] = Field(default_factory=dict)
    now: datetime
    region: str = "CN"
    # Inactivity rule: the instant of the last officer action and the quiet period in WD.
    last_action_at: datetime | None = None
    inactivity_working_days: int | None = None


class ClockPlan(BaseModel):
    readings: dict[str, Reading]
    milestones: dict[str, list[Milestone]]
    inactivity_at: datetime | None = None
    calendar_revision: str


def plan_clocks(req: ClockPlanRequest, calendar: WorkCalendar) -> ClockPlan:
    """Due dates and escalation instants for every clock of a case, on ``calendar``."""
    readings = {name: evaluate(c, calendar, req.now) for name, c in req.clocks.items()}
    milestones = {
        name: [
            Milestone(
                rung=r.name,
                at=milestone_at(
                    req.clocks[name],
                    calendar,
                    req.now,
                    at_consumed=r.at_consumed,
                    at_fraction=r.at_fraction,
                    after_due=r.after_due,
                    on_working_day=r.on_working_day,
                    reading=readings[name],
                ),
            )
            for r in rungs
        ]
        for name, rungs in req.rungs.items()
        if name in req.clocks
    }
    inactivity_at = None
    if req.last_action_at is not None and req.inactivity_working_days:
        # N working days without an action have passed at the start of the next one.
        day = calendar.nth_working_day(
            local_date(req.last_action_at), req.inactivity_working_days + 1
        ).end
        inactivity_at = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)
    return ClockPlan(
        readings=readings,
        milestones=milestones,
        inactivity_at=inactivity_at,
        calendar_revision=calendar.revision,
    )


_KIND_CODE = {DayKind.HOLIDAY: "h", DayKind.MAKEUP_WORKDAY: "w"}
_CODE_KIND = {c: k for k, c in _KIND_CODE.items()}


def _pack_days(entries: Iterable[CalendarEntry]) -> str:
    """Days as one line (``2026-10-01h国庆节;2026-09-27w调休上班;…``): the snapshot travels in
    every new case's input, where a supervisor reads it in the Temporal UI."""
    return ";".join(
        f"{e.day.isoformat()}{_KIND_CODE[e.kind]}{e.name.replace(';', '，')}" for e in entries
    )


def _unpack_days(packed: str) -> list[CalendarEntry]:
    return [
        CalendarEntry(date.fromisoformat(item[:10]), _CODE_KIND[item[10]], item[11:], Origin.SEED)
        for item in packed.split(";")
        if item
    ]


class CalendarSnapshot(BaseModel):
    """A region's calendar as of one revision, for the years ``first``–``last``: what planning
    reads of it (the exceptional days and which years are official, plus the statutory days
    certain in the provisional ones), without the notices' sources."""

    region: str = Field(max_length=20)
    revision: str = Field(max_length=64)
    first: int = Field(ge=1990, le=2200)
    last: int = Field(ge=1990, le=2200)
    official_years: list[int] = Field(max_length=30)
    days: str = Field(default="", max_length=100_000, pattern=_PACKED)
    certain: str = Field(default="", max_length=100_000, pattern=_PACKED)

    def covers(self, first: int, last: int) -> bool:
        return self.first <= first and last <= self.last


def needed_years(years: Iterable[int]) -> tuple[int, int]:
    """The years a plan reads for clocks anchored in ``years`` (and now's): those and the next."""
    known = list(years)
    return min(known), max(known) + 1


def fetched_years(years: Iterable[int]) -> tuple[int, int]:
    """The years a snapshot is made for: those a plan reads, with a year's margin either side
    (a pause carries a clock further; a fixed date may lie a year ahead)."""
    first, last = needed_years(years)
    return first - 1, last + 1


class OutsideSnapshot(LookupError):
    """Planning needed a year the snapshot does not hold (the caller plans the old way)."""


def snapshot_of(calendar: WorkCalendar, first: int, last: int) -> CalendarSnapshot:
    """The part of ``calendar`` that planning in ``first``–``last`` reads."""
    years = range(first, last + 1)
    provisional = [y for y in years if calendar.year_status(y) is YearStatus.PROVISIONAL]
    return CalendarSnapshot(
        region=calendar.region,
        revision=calendar.revision,
        first=first,
        last=last,
        official_years=[y for y in years if y not in provisional],
        days=_pack_days(e for e in calendar.entries if first <= e.day.year <= last),
        certain=_pack_days(
            e for y in provisional for _, e in sorted(calendar.certain_days(y).items())
        ),
    )


class SnapshotCalendar(WorkCalendar):
    """A :class:`WorkCalendar` made from a snapshot: the revision is the stored calendar's (the
    snapshot holds only some of its years), and a day outside the snapshot's years raises
    :class:`OutsideSnapshot` rather than answering from an incomplete calendar."""

    def __init__(self, snapshot: CalendarSnapshot) -> None:
        super().__init__(
            _unpack_days(snapshot.days),
            dict.fromkeys(snapshot.official_years, ""),
            snapshot.region,
        )
        self.first, self.last = snapshot.first, snapshot.last
        self.revision = snapshot.revision
        certain: dict[int, dict[date, CalendarEntry]] = {
            y: {} for y in range(self.first, self.last + 1) if y not in self.official_years
        }
        for e in _unpack_days(snapshot.certain):
            certain.setdefault(e.day.year, {})[e.day] = e
        self._certain = certain

    def entry(self, day: date) -> CalendarEntry | None:
        if not self.first <= day.year <= self.last:
            raise OutsideSnapshot(day.year)
        return super().entry(day)

    def year_status(self, year: int) -> YearStatus:
        if not self.first <= year <= self.last:
            raise OutsideSnapshot(year)
        return super().year_status(year)

    def certain_days(self, year: int) -> dict[date, CalendarEntry]:
        if year not in self._certain:
            raise OutsideSnapshot(year)
        return self._certain[year]


_SHARED: dict[tuple[object, ...], SnapshotCalendar] = {}
SHARED_MOST = 64  # distinct snapshots kept in a process (a region's few revisions × year spans)


def calendar_of(snapshot: CalendarSnapshot) -> SnapshotCalendar:
    """The calendar a snapshot describes, one per distinct snapshot in a process: thousands of
    cached cases planning on the same calendar share one (about 30 KiB and a digest each
    otherwise). It is only read, and equal snapshots make equal calendars, so sharing it
    changes no plan; the key is the snapshot's whole content, not its revision alone."""
    key = (
        snapshot.region,
        snapshot.revision,
        snapshot.first,
        snapshot.last,
        tuple(snapshot.official_years),
        snapshot.days,
        snapshot.certain,
    )
    found = _SHARED.get(key)
    if found is None:
        if len(_SHARED) >= SHARED_MOST:
            _SHARED.clear()
        found = _SHARED[key] = SnapshotCalendar(snapshot)
    return found
