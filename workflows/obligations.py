"""A year's recurring duties of an agency (LAW.md §6A P8, P11), one mechanism for all of them:
each duty of the rule pack's [obligations] section has a clock per period (each quarter, or the
year up to its due day) running on the calendar from the period's start; a recorded event with
its evidence stops it; a period that ends without one escalates (the head, an urging notice).
The plan ends with the year. The older press-conference plan (workflows/press_plan.py) keeps
running and replaying the cases it has."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time
from typing import Any, ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.calendar import SHANGHAI, local_date
    from rules.clock import Reading, Unit, quarter_period
    from rules.duties import Window, anchor_of, windows
    from rules.packs import Duty, ObligationRules, Period
    from schemas import case as d
    from schemas import obligations as s
    from schemas import registry
    from workflows.casework import IncompleteAction
    from workflows.kind import KindWorkflow

YEAR_CLOCK = "year"
# Issue 24: a duty's date is fixed (never rolled over a rest day) and a fact counts only inside
# its window (rules/duties.py); plans started before keep their periods as they ran.
FIXED_DATES = "duties-on-fixed-dates"


def _quarter(day: date) -> int:
    return (day.month - 1) // 3 + 1


@workflow.defn
class ObligationPlanWorkflow(KindWorkflow[s.PlanInput]):
    SPEC = registry.OBLIGATIONS
    CARRY: ClassVar[dict[str, Any]] = {"periods": list[s.DutyPeriod], "windows": bool}
    DUE_CLOCKS = ()

    @workflow.init
    def __init__(self, inp: s.PlanInput) -> None:
        self._open(inp, f"{inp.year}年政务公开常规工作")
        self.periods: list[s.DutyPeriod] = []
        self.windows = False  # duties on fixed dates, met inside their windows (FIXED_DATES)

    @workflow.run
    async def run(self, inp: s.PlanInput) -> s.PlanView:
        await self._run_case(inp, inp.started_at)
        return self.view()

    async def _begin(self, inp: s.PlanInput) -> None:
        self.t0 = local_date(inp.started_at)
        self._event("started", inp.officer, f"{inp.year}年政务公开常规工作监督开始。")
        self._begin_periods(self.t0)
        await self._refresh()

    def _rules(self) -> ObligationRules:
        assert self.pack is not None and self.pack.obligations is not None
        return self.pack.obligations

    def _begin_periods(self, started: date) -> None:
        """A clock per duty and period whose due day is not already past when the plan starts."""
        if self._patched(FIXED_DATES):
            self.windows = True
            self._begin_windows(started)
            return
        self._start_year(fixed=False)
        for duty in self._rules().duties:
            for period, since, due in self._periods_of(duty):
                if due >= started:
                    self._watch(duty, period, since, due, fixed=False)

    def _begin_windows(self, started: date) -> None:
        """Fixed dates (LAW.md §6B): each window's clock ends on its own last day, whatever day
        of the week; the year's clock on 31 December."""
        self._start_year(fixed=True)
        for duty in self._rules().duties:
            if duty.competent_department_only and not self.inp.competent_department:
                continue
            for w in windows(duty, self.inp.year):
                if w.closes >= started:
                    shown = {"opens": w.opens, "closes": w.closes, "times": duty.times}
                    self._watch(duty, w.period, anchor_of(w), w.closes, fixed=True, **shown)

    def _start_year(self, *, fixed: bool) -> None:
        """The year's own clock, to 31 December: when it runs out the plan ends."""
        year = self.inp.year
        anchor = datetime.combine(date(year - 1, 12, 31), time(12), tzinfo=SHANGHAI)
        days_in_year = (date(year, 12, 31) - date(year - 1, 12, 31)).days
        whole = Period(amount=days_in_year, unit=Unit.CALENDAR_DAYS, basis="自然年度")
        self._start(YEAR_CLOCK, whole, anchor, rungs=[self._lapse_rung()], fixed=fixed)

    def _watch(
        self, duty: Duty, period: str, since: date, due: date, *, fixed: bool, **window: Any
    ) -> None:
        """A duty's clock for one period, from the day before it starts (excluded) to its last
        day, on the pack's ladder; and the period as the plan shows it."""
        name = f"{duty.key}:{period}"
        length = Period(amount=(due - since).days, unit=Unit.CALENDAR_DAYS, basis=duty.basis)
        start = datetime.combine(since, time(12), tzinfo=SHANGHAI)
        self._start(name, length, start, rungs=list(self._rules().escalation.rungs), fixed=fixed)
        self.periods.append(
            s.DutyPeriod(
                clock=name, duty=duty.key, name=duty.name, period=period, basis=duty.basis, **window
            )
        )

    def _periods_of(self, duty: Duty) -> list[tuple[str, date, date]]:
        """(period, the day before it starts (excluded), its last day)."""
        year = self.inp.year
        if duty.every == "quarter":
            out = []
            for q in range(1, 5):
                before, _ = quarter_period(year, q, 3)
                out.append((f"Q{q}", before, date(year, 3 * q, monthrange(year, 3 * q)[1])))
            return out
        last = monthrange(year, duty.due_month)[1]
        due = date(year, duty.due_month, min(duty.due_day, last))
        return [("Y", date(year - 1, 12, 31), due)]

    def _is_open(self) -> bool:
        return False  # no inactivity reminder: each period has its own clock

    def _due_reading(self) -> Reading | None:
        """The case's due date on the board: the nearest period not yet done."""
        running = [
            self.readings[p.clock]
            for p in self.periods
            if self._watching(p.clock) and p.clock in self.readings
        ]
        dated = [(r.shown_due_at, n, r) for n, r in enumerate(running) if r.shown_due_at]
        return min(dated)[2] if dated else None

    async def _lapse(self, clock_name: str) -> None:
        if clock_name != YEAR_CLOCK:
            return
        missed = [p for p in self.periods if p.done_at is None]
        for p in self.periods:
            self._stop(p.clock, "年度结束")
        self._stop(YEAR_CLOCK, "年度结束")
        left = "、".join(f"{p.name}（{p.period}）" for p in missed) or "无"
        self._event(
            "year_closed",
            d.SYSTEM,
            f"{self.inp.year}年度结束；未完成：{left}。",
            missed=len(missed),
        )
        self.status = s.PlanStatus.COMPLETED
        self.done = True

    @workflow.query
    def view(self) -> s.PlanView:
        return s.PlanView(**self._common_view(), year=self.inp.year, periods=self.periods)

    def _period_for(self, duty: str, when: datetime) -> s.DutyPeriod | None:
        day = local_date(when)
        if self.windows:  # the window that holds the day (a fixed date's, LAW.md §6B)
            return next(
                (
                    p
                    for p in self.periods
                    if p.duty == duty and p.opens and p.closes and p.opens <= day <= p.closes
                ),
                None,
            )
        wanted = f"Q{_quarter(day)}" if day.year == self.inp.year else ""
        for p in self.periods:
            if p.duty == duty and (p.period == "Y" or p.period == wanted):
                return p
        return None

    @workflow.update
    async def record_duty(self, a: s.RecordDuty) -> d.ActionResult:
        async with self._turn(self._v_record_duty, a):
            at = a.occurred_at or workflow.now()
            period = self._period_for(a.duty, at)
            assert period is not None
            period.count += 1
            if period.done_at is None and period.count >= period.times:
                period.done_at = at
                period.evidence = a.evidence
                self._stop(period.clock, "已完成", at)
            where = f"（{a.evidence}）" if a.evidence else ""
            nth = f"（第{period.count}次，每期至少{period.times}次）" if period.times > 1 else ""
            return await self._act(
                "duty_done",
                a.actor,
                f"{local_date(at)}{period.name}"
                f"{'' if period.period == 'Y' else f'（第{period.period[1]}季度）'}{nth}{where}"
                f"{'：' + a.summary if a.summary else ''}",
                at,
                duty=a.duty,
                period=period.period,
            )

    @record_duty.validator
    def _v_record_duty(self, a: s.RecordDuty) -> None:
        self._allowed("record_duty", a.actor)
        known = {duty.key: duty for duty in self._rules().duties}
        self._require(
            a.duty in known,
            "没有这项常规工作；可登记的有："
            + "、".join(f"{k}（{v.name}）" for k, v in known.items())
            + "。",
        )
        at = a.occurred_at or workflow.now()
        self._require(
            local_date(at).year == self.inp.year,
            f"本计划只登记{self.inp.year}年的完成情况。",
        )
        if self._period_for(a.duty, at) is not None:
            return
        day = local_date(at)
        held = [p for p in self.periods if p.duty == a.duty]
        if self.windows and held:
            duty = known[a.duty]
            spans = "、".join(
                Window(p.period, p.opens, p.closes).zh for p in held if p.opens and p.closes
            )
            mine = next((w for w in windows(duty, self.inp.year) if w.holds(day)), None)
            if mine is None:  # outside every window of the duty (a May open day in March)
                raise IncompleteAction(
                    f"“{duty.name}”须在{spans}内完成（{duty.basis}）；所登记的日期{day}不在其中，"
                    "请核对日期。"
                )
        self._require(False, "该期间不在本计划内（计划开始时已过期的期间不再跟踪）。")
