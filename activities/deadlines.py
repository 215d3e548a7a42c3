"""Deadline activities: the calendar lives in the database, so due dates are computed here and
recorded in the workflow history (replay stays deterministic)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.failures import final_on_bad_input
from rules.calendar import local_date
from rules.clock import Reading, evaluate
from rules.clock_plan import plan_clocks, snapshot_of
from rules.packs import RulePack, RulePackError, select_pack
from schemas.deadlines import (
    CalendarSnapshot,
    CheckNextYear,
    ClockPlan,
    ClockPlanRequest,
    EvaluateClock,
    NextYearStatus,
    SnapshotYears,
)
from schemas.rules import SelectPack
from store.calendar import load_calendar


class DeadlineActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    @final_on_bad_input
    def evaluate_clock(self, req: EvaluateClock) -> Reading:
        calendar = load_calendar(self.engine, req.region)
        return evaluate(req.clock, calendar, req.now)

    @activity.defn
    @final_on_bad_input
    def next_year_status(self, req: CheckNextYear) -> NextYearStatus:
        """Whether the year after ``req.on`` (Asia/Shanghai) is official or still provisional."""
        year = local_date(req.on).year + 1
        status = load_calendar(self.engine, req.region).year_status(year)
        return NextYearStatus(year=year, status=status.value)

    @activity.defn
    @final_on_bad_input
    def calendar_revision(self, region: str) -> str:
        """The current calendar's revision: a rung about to fire plans again only when it is
        not the one its plan was made on."""
        return load_calendar(self.engine, region).revision

    @activity.defn
    @final_on_bad_input
    def plan_clocks(self, req: ClockPlanRequest) -> ClockPlan:
        """Due dates and escalation instants for every clock of a case, on one calendar."""
        return plan_case_clocks(self.engine, req)

    @activity.defn
    @final_on_bad_input
    def calendar_snapshot(self, req: SnapshotYears) -> CalendarSnapshot:
        """The region's calendar for the years a case's clocks span, for the workflow to plan
        on itself until the calendar changes (a few hundred days: recorded once per case and
        per change, instead of a plan in every step)."""
        if req.last < req.first or req.last - req.first > 20:
            raise ApplicationError("日历年份范围无效。", type="BadSnapshot", non_retryable=True)
        return snapshot_of(load_calendar(self.engine, req.region), req.first, req.last)


def plan_case_clocks(engine: Engine, req: ClockPlanRequest) -> ClockPlan:
    """Due dates and escalation instants for every clock of a case, on the region's calendar
    as stored now (cases from before the workflow planned its clocks itself)."""
    return plan_clocks(req, load_calendar(engine, req.region))


@activity.defn
@final_on_bad_input
def select_rule_pack(req: SelectPack) -> RulePack:
    try:
        return select_pack(req.kind, req.jurisdiction, req.on)
    except RulePackError as exc:  # retrying cannot help: the case needs a pack that exists
        raise ApplicationError(str(exc), type="NoRulePack", non_retryable=True) from exc


@activity.defn
@final_on_bad_input
def choose_rule_pack(req: SelectPack) -> str:
    """The ref (id@version) of the pack that governs the case: the workflow takes the pack
    itself from the worker's loaded packs, so its history records 40 bytes, not the pack."""
    return select_rule_pack(req).ref
