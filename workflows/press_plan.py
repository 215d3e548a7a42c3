"""Regular press conferences (国办发〔2013〕100号, LAW.md §3 C4): at least one per quarter. The
workflow watches each quarter of a year; a quarter that ends without one escalates to the head
of the agency with an urging notice."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.calendar import SHANGHAI, local_date
    from rules.clock import Unit, quarter_period
    from rules.packs import Action, EmergencyRules, Light, Period
    from rules.packs import Rung as RungSpec
    from schemas import case as d
    from schemas import emergency as s
    from schemas import registry
    from workflows.kind import KindWorkflow


# Issue 24: a quarter's end is a fixed date (LAW.md §6B), never rolled over a rest day; plans
# started before keep their rolled ends as they ran.
FIXED_QUARTERS = "quarters-on-fixed-dates"


def quarter_of(day: datetime) -> int:
    return (local_date(day).month - 1) // 3 + 1


@workflow.defn
class PressConferencePlanWorkflow(KindWorkflow[s.PressPlanInput]):
    SPEC = registry.PRESS_PLAN
    CARRY: ClassVar[dict[str, Any]] = {"quarter": int, "held": dict[int, int]}
    DUE_CLOCKS = ("conference",)

    @workflow.init
    def __init__(self, inp: s.PressPlanInput) -> None:
        self._open(inp, f"{inp.year}年新闻发布会")
        self.quarter = 0
        self.held: dict[int, int] = {}

    @workflow.run
    async def run(self, inp: s.PressPlanInput) -> s.PressPlanView:
        await self._run_case(inp, inp.started_at)
        return self.view()

    async def _begin(self, inp: s.PressPlanInput) -> None:
        self.t0 = local_date(inp.started_at)
        first = quarter_of(inp.started_at) if inp.started_at.year == inp.year else 1
        self._event("started", inp.officer, f"{inp.year}年新闻发布会制度执行监督开始。")
        self._begin_quarter(first)
        await self._refresh()

    def _rules(self) -> EmergencyRules:
        assert self.pack is not None and self.pack.emergency is not None
        return self.pack.emergency

    def _begin_quarter(self, q: int) -> None:
        """Both clocks run from the last day of the previous quarter (excluded) to the last day
        of this one; the quarter's length comes from the pack's period (three months)."""
        period: Period | None = self._rules().press_conference_quarter
        assert period is not None
        self.quarter = q
        last_of_previous, days = quarter_period(self.inp.year, q, period.amount)
        quarter = Period(amount=days, unit=Unit.CALENDAR_DAYS, basis=period.basis)
        anchor = datetime.combine(last_of_previous, time(12), tzinfo=SHANGHAI)
        missed = RungSpec(
            name="overdue",
            light=Light.RED,
            after_due=0,
            actions=[Action.NOTIFY_HEAD, Action.URGING_NOTICE],
        )
        fixed = self._patched(FIXED_QUARTERS)
        self._start("conference", quarter, anchor, rungs=[missed], fixed=fixed)
        self._start("quarter", quarter, anchor, rungs=[self._lapse_rung()], fixed=fixed)

    def _is_open(self) -> bool:
        return False

    async def _lapse(self, clock_name: str) -> None:
        if clock_name != "quarter":
            return
        held = self.held.get(self.quarter, 0)
        self._event(
            "quarter_closed",
            d.SYSTEM,
            f"第{self.quarter}季度结束，举办新闻发布会{held}次。",
            quarter=self.quarter,
            held=held,
        )
        if self.quarter == 4:
            for name in ("conference", "quarter"):
                self._stop(name, "年度结束")
            self.status = s.PressPlanStatus.COMPLETED
            self.done = True
        else:
            self._begin_quarter(self.quarter + 1)

    @workflow.query
    def view(self) -> s.PressPlanView:
        return s.PressPlanView(
            **self._common_view(), year=self.inp.year, quarter=self.quarter, held=self.held
        )

    @workflow.update
    async def record_press_conference(self, a: s.RecordPressConference) -> d.ActionResult:
        async with self._turn(self._v_record_press_conference, a):
            q = quarter_of(a.held_on)
            self.held[q] = self.held.get(q, 0) + 1
            if q == self.quarter:
                self._stop("conference", "本季度已举办")
            return await self._act(
                "press_conference",
                a.actor,
                f"{local_date(a.held_on)}举办新闻发布会：{a.topic}（{a.speaker}）",
                quarter=q,
            )

    @record_press_conference.validator
    def _v_record_press_conference(self, a: s.RecordPressConference) -> None:
        self._allowed("record_press_conference", a.actor)
        self._require(a.held_on.year == self.inp.year, f"只记录{self.inp.year}年的新闻发布会。")
        self._require(a.held_on <= workflow.now(), "不能记录尚未举办的新闻发布会。")
