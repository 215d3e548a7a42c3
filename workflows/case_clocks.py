"""A case's statutory clocks: started and stopped, planned on the working-day calendar, planned
again when the calendar changes; a step recorded and the case refreshed.

A layer of :class:`workflows.casework.CaseWorkflow` (read it bottom-up: state, record, clocks,
escalation, guards, then the lifecycle in casework.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from activities.deadlines import DeadlineActivities
    from rules import clock as clk
    from rules import clock_plan as clk_plan
    from rules.calendar import local_date
    from rules.clock import Clock, ClockError, ClockState
    from rules.packs import Light, Period
    from rules.packs import Rung as RungSpec
    from schemas import case as s
    from schemas.activities import RefreshCase, answered
    from schemas.deadlines import (
        CalendarChange,
        ClockPlan,
        ClockPlanRequest,
        DeadlineMove,
        SnapshotYears,
    )

from workflows.case_record import CaseRecord
from workflows.case_state import (
    ANSWER_FIRST,
    CALENDAR_TOLD,
    LAPSE,
    ONE_STEP,
    PLAN_HERE,
    IllegalAction,
)


class CaseClocks(CaseRecord):
    """A case's statutory clocks."""

    async def _calendar_moved(self) -> bool:
        """Is the calendar now another revision than the one of the case's last plan?"""
        revision: str = await self._local(DeadlineActivities.calendar_revision, self.agency.region)
        return revision != self.plan_revision

    def _start(
        self,
        name: str,
        period: Period,
        at: datetime,
        *,
        extension: Period | None = None,
        rungs: list[RungSpec] | None = None,
        limit: int | None = None,
        minimum: bool = False,
        fixed: bool = False,
    ) -> None:
        assert self.pack is not None
        self.clocks[name] = clk.start(
            name,
            period.unit,
            period.amount if limit is None else limit,
            at,
            basis=period.basis,
            rule_pack=self.pack.ref,
            policy=self.pack.policy(period, extension=extension),
            minimum=minimum,
            fixed=fixed,
        )
        self.rungs[name] = rungs or []

    def _stop(self, name: str, reason: str, at: datetime | None = None) -> None:
        """Stop a clock (its duty was met or no longer applies); its reading says so at once,
        with the reason and the date, instead of keeping its last running state."""
        c = self.clocks.get(name)
        if c is None or c.stopped_at is not None:
            return
        when = at or workflow.now()
        self.clocks[name] = clk.stop(c, when, reason)
        reading = self.readings.get(name)
        if reading is not None:
            line = f"{local_date(when).isoformat()}停止计算：{reason}。"
            explanation = reading.explanation.model_copy(
                update={
                    "lines": [
                        *reading.explanation.lines[:-1],
                        line,
                        *reading.explanation.lines[-1:],
                    ]
                }
            )
            self.readings[name] = reading.model_copy(
                update={
                    "state": ClockState.STOPPED,
                    "stopped_at": when,
                    "stop_reason": reason,
                    "explanation": explanation,
                }
            )

    @staticmethod
    def _clock_op(op: Any, *args: Any) -> Clock:
        """Apply a clock operation inside a handler: a refusal is the officer's answer (409), never
        a failed workflow task that would be retried forever."""
        try:
            result: Clock = op(*args)
        except ClockError as exc:
            raise IllegalAction(str(exc)) from exc
        return result

    @staticmethod
    def _lapse_rung() -> RungSpec:
        return RungSpec(name=LAPSE, light=Light.GREEN, after_due=0)

    async def _refresh(self) -> None:
        """Recompute every due date on the calendar, then index and project the case. A step
        that fails for good (its activity said the input can never work) is recorded and the
        case goes on with what it had: nothing typed into a case may end it."""
        if self._patched(PLAN_HERE):
            # Planned here, on the calendar the case carries; then the one local activity
            # writes the read model (a projection it refuses costs the case nothing of its plan).
            for step in (self._plan, self._project):
                try:
                    await step()
                except ActivityError as exc:
                    self._fault(step.__name__.strip("_"), exc)
            return
        if self._patched(ONE_STEP):
            try:
                await self._plan_and_project()
                return
            except ActivityError as exc:
                # Recorded; then each half on its own, so that a projection the read model
                # refuses does not also cost the case its plan (its escalation times).
                self._fault("refresh", exc)
        for step in (self._plan, self._project):
            try:
                await step()
            except ActivityError as exc:
                self._fault(step.__name__.strip("_"), exc)

    def _plan_request(self) -> ClockPlanRequest:
        escalation = self._escalation()
        inactivity = escalation.inactivity if escalation else None
        live = {n: c for n, c in self.clocks.items() if c.stopped_at is None}
        return ClockPlanRequest(
            clocks=live,
            rungs={n: self.rungs.get(n, []) for n in live},
            now=workflow.now(),
            region=self.agency.region,
            last_action_at=self.last_action_at if self._is_open() else None,
            inactivity_working_days=inactivity.working_days if inactivity else None,
        )

    def _apply_plan(self, plan: ClockPlan) -> None:
        self.plan_revision = plan.calendar_revision
        self.readings.update(plan.readings)
        self.milestones = plan.milestones
        self.inactivity_at = plan.inactivity_at

    async def _plan(self) -> None:
        """Recompute every due date, milestone and the inactivity reminder on the calendar: here,
        on the snapshot the case carries (PLAN_HERE), or in an activity (cases from before,
        and a plan that reaches a year the snapshot does not hold)."""
        request = self._plan_request()
        if self._patched(PLAN_HERE):
            calendar = await self._calendar(request)
            try:
                self._apply_plan(clk_plan.plan_clocks(request, calendar))
                return
            except clk_plan.OutsideSnapshot:
                pass
        plan: ClockPlan = await self._local(DeadlineActivities.plan_clocks, request)
        self._apply_plan(plan)

    async def _calendar(self, request: ClockPlanRequest) -> clk_plan.SnapshotCalendar:
        """The calendar the case plans on: its snapshot, fetched once for the years its clocks
        span (rules.clock_plan.needed_years) and again after a change."""
        years = [local_date(c.anchor_at).year for c in request.clocks.values()]
        now = local_date(request.now).year
        first, last = clk_plan.needed_years([now, *years])
        wide = clk_plan.fetched_years([now, *years])
        if not self.calendar_taken:  # the API's (or the previous run's), at the first plan
            self.calendar_taken = True
            self.calendar_snapshot = getattr(getattr(self, "inp", None), "calendar", None)
            self.calendar_as_of = self.calendar_as_of or workflow.now()
        snap = self.calendar_snapshot
        if snap is None or snap.region != request.region or not snap.covers(first, last):
            snap = await self._local(
                DeadlineActivities.calendar_snapshot,
                SnapshotYears(region=request.region, first=wide[0], last=wide[1]),
            )
            self.calendar_snapshot, self.work_calendar = snap, None
            self.calendar_as_of = workflow.now()
        assert snap is not None
        if self.work_calendar is None or self.work_calendar.revision != snap.revision:
            self.work_calendar = clk_plan.calendar_of(snap)
        return self.work_calendar

    async def _plan_and_project(self) -> None:
        """Plan and project in one local activity: the activity computes the row's due date
        from the plan it made (rules.clock.case_due, as :meth:`due_at` does here)."""
        request = self._plan_request()
        kept = {
            n: self.readings[n]
            for n in self.DUE_CLOCKS
            if n in self.readings and n not in request.clocks
        }
        projection, new = self._projection()
        plan: ClockPlan = await self._local(
            CaseActivities.refresh_case,
            RefreshCase(
                plan=request,
                project=projection,
                due_clocks=list(self.DUE_CLOCKS),
                internal_clocks=list(self.INTERNAL_CLOCKS),
                kept=kept,
                told=self._told(),
            ),
        )
        self._apply_plan(plan)
        self._projected(new)
        self._index()

    async def _act(
        self,
        kind: str,
        actor: s.Actor,
        summary: str,
        occurred_at: datetime | None = None,
        **data: Any,
    ) -> s.ActionResult:
        seq = self._event(kind, actor, summary, occurred_at, **data)
        if self._patched(ANSWER_FIRST) and not self.pending_documents:
            # Answer first: planned here, the view handed to the API to write; a step that
            # issued a document stores it before answering (the applicant may open it at once).
            try:
                await self._plan()
            except ActivityError as exc:
                self._fault("plan", exc)
            self.woken = True
            done = s.ActionResult(status=self.status.value, seq=seq, message=summary)
            return answered(done, self._answer())
        await self._refresh()
        self.woken = True
        return s.ActionResult(status=self.status.value, seq=seq, message=summary)

    async def _recalculate(self, change: CalendarChange) -> list[DeadlineMove]:
        """Plan the clocks on the new calendar; record every due date that moved, with the
        reason, in the case's history and tell the officer; project the case."""
        moved = await self._replan(change)
        await self._project()
        return moved

    def _told_calendar(self, change: CalendarChange) -> clk_plan.CalendarSnapshot | None:
        """The calendar a change carries, if the case may plan on it: this region's, and newer
        than the calendar the case has (two changes told at once may arrive in either order; an
        older one is not planned on, the current calendar is fetched instead)."""
        told, issued = change.calendar, change.issued_at
        if told is None or issued is None or told.region != self.agency.region:
            return None
        if self.calendar_as_of is not None and issued < self.calendar_as_of:
            return None
        if not self._patched(CALENDAR_TOLD):
            return None
        self.calendar_as_of = issued
        return told

    async def _replan(self, change: CalendarChange) -> list[DeadlineMove]:
        """Plan the clocks on the current calendar; record every due date that moved, with the
        reason, in the case's history and tell the officer."""
        before = {n: (r.due_at, self._due_text(n)) for n, r in self.readings.items()}
        # The calendar changed: the case plans on the new one, as the change carries it (for
        # the years around the change; a case that needs others fetches it).
        self.calendar_snapshot, self.calendar_taken = self._told_calendar(change), True
        await self._plan()
        moved = [
            DeadlineMove(
                clock=name,
                clock_zh=self._clock_zh(name),
                old_due_at=old_at,
                new_due_at=self.readings[name].due_at,
                old_text=old_text,
                new_text=self._due_text(name),
            )
            for name, (old_at, old_text) in before.items()
            if self._watching(name)
            and name in self.readings
            and self.readings[name].due_at != old_at
        ]
        if moved:
            lines = "；".join(f"{m.clock_zh}由{m.old_text}调整为{m.new_text}" for m in moved)
            summary = f"工作日历变更（{change.reason}）：{lines}。"
            seq = self._event(
                "deadlines_moved",
                s.SYSTEM,
                summary,
                reason=change.reason,
                revision=change.revision,
                moved=[m.model_dump(mode="json") for m in moved],
            )
            if change.digested:  # the officers were told by one digest for all the cases
                return moved
            await self._notify(
                f"{self.case_no}:{seq}:deadlines_moved",
                "officer",
                self.agency.officer_email,
                f"【期限调整】{self.case_no} {moved[0].clock_zh}{moved[0].new_text}",
                f"{self.SPEC.noun_zh}{self.case_no}（经办人{self.officer.name}）{summary}",
            )
        return moved

    async def _flush_documents(self) -> None:
        """Store the documents issued since the last projection (a refresh of its own when none
        followed them: what a document told the applicant reaches the row's clocks too)."""
        if self.pending_documents:
            await self._refresh()
