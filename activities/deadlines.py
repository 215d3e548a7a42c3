"""Deadline activities: the calendar lives in the database, so due dates are computed here and
recorded in the workflow history (replay stays deterministic)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.failures import final_on_bad_input
from rules.calendar import SHANGHAI, local_date
from rules.clock import Milestone, Reading, evaluate, milestone_at
from rules.packs import RulePack, RulePackError, select_pack
from schemas.deadlines import (
    CheckNextYear,
    ClockPlan,
    ClockPlanRequest,
    EvaluateClock,
    NextYearStatus,
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


def plan_case_clocks(engine: Engine, req: ClockPlanRequest) -> ClockPlan:
    """Due dates and escalation instants for every clock of a case, on the region's calendar
    (also the first half of CaseActivities.refresh_case)."""
    calendar = load_calendar(engine, req.region)
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
