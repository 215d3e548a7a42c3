"""Deadline activities: the calendar lives in the database, so due dates are computed here and
recorded in the workflow history (replay stays deterministic)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from temporalio import activity

from rules.clock import Reading, evaluate
from rules.packs import RulePack, select_pack
from schemas.deadlines import EvaluateClock
from schemas.rules import SelectPack
from store.calendar import load_calendar


class DeadlineActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn
    def evaluate_clock(self, req: EvaluateClock) -> Reading:
        calendar = load_calendar(self.engine, req.region)
        return evaluate(req.clock, calendar, req.now)


@activity.defn
def select_rule_pack(req: SelectPack) -> RulePack:
    return select_pack(req.kind, req.jurisdiction, req.on)
