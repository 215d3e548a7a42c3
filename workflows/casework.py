"""The machinery every case kind shares: statutory clocks planned on the calendar, the escalation
loop (each rung once, lights, notifications, urging notices), the business-event log and its
projection, documents, and the guards used by update validators.

A case workflow subclasses :class:`CaseWorkflow`, sets its kind, starts its clocks and implements
:meth:`_lapse` (what happens when a window runs out). Nothing here knows a statutory number: the
periods and ladders come from the rule pack the case was started with.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import choose_rule_pack, select_rule_pack
    from rules.calendar import local_date
    from rules.clock import Clock, Milestone, Reading
    from rules.packs import RulePack, RulePackError, pack_by_ref
    from rules.packs import Rung as RungSpec
    from schemas import case as s
    from schemas.activities import (
        RenderDocument,
    )
    from schemas.deadlines import CalendarChange, Recalculation
    from schemas.rules import SelectPack

from workflows.case_guards import CaseGuards

# What the kinds' workflows take from the case machinery (this module is their one door to it).
from workflows.case_state import ACTIVITY_TIMEOUT as ACTIVITY_TIMEOUT
from workflows.case_state import (
    ANSWER_FIRST,
    CARRIED_EVENTS,
    HISTORY_BYTES,
    HISTORY_EVENTS,
    PACK_BY_REF,
    PLAN_HERE,
    PROJECT_AFTER,
    TIMER_KEPT,
)
from workflows.case_state import APPLICANT_NOTICES as APPLICANT_NOTICES
from workflows.case_state import DOCS_DATED as DOCS_DATED
from workflows.case_state import DOCS_PROJECTED as DOCS_PROJECTED
from workflows.case_state import GENERATIONS as GENERATIONS
from workflows.case_state import ONE_STEP as ONE_STEP
from workflows.case_state import RETRY as RETRY
from workflows.case_state import IllegalAction as IllegalAction
from workflows.case_state import IncompleteAction as IncompleteAction
from workflows.case_state import local_tz as local_tz


class CaseWorkflow(CaseGuards):
    """Base of every case workflow (not a workflow itself): the lifecycle — the rule pack, the
    loop until the next statutory moment, continue-as-new."""

    async def _load_pack(self, on: datetime) -> None:
        which = SelectPack(
            kind=self.PACK_SECTION, jurisdiction=self.agency.jurisdiction, on=local_date(on)
        )
        if self._patched(PACK_BY_REF):
            # The choice is recorded (a ref); the pack is the worker's, read from its files
            # once per process (a released pack version never changes). The API chose it for
            # the day the case opened: taken from the input when that is the day asked about.
            given = getattr(self, "inp", None)
            ref = getattr(given, "pack_ref", "")
            if not (ref and getattr(given, "pack_on", None) == which.on):
                ref = ""
            if ref and self._patched(PLAN_HERE):
                with workflow.unsafe.sandbox_unrestricted():
                    try:
                        self.pack = pack_by_ref(ref)
                        return
                    except RulePackError:
                        pass  # not installed on this worker: asked for below
            ref = await self._local(choose_rule_pack, which)
            with workflow.unsafe.sandbox_unrestricted():
                self.pack = pack_by_ref(ref)
            return
        self.pack = await self._local(select_rule_pack, which)

    async def _loop(self, inp: Any) -> None:
        """Sleep until the next statutory moment (or an action / calendar change), handle it,
        repeat until the case is done; continue as new when the history grows large."""
        self.started = True  # actions that came before the first turn take theirs now
        while not self.done:
            if self.pending_documents:  # (carried by continue-as-new): not beside an update
                async with self.lock:
                    await self._flush_documents()
            if self._history_large(inp) and self._patched("continue-as-new"):
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._owed() and self._patched(ANSWER_FIRST):  # only the tail is carried
                    async with self.lock:
                        await self._write_owed()
                carry: dict[str, Any] = {"carried": self._carry()}
                if self._patched(PLAN_HERE):  # the calendar the case plans on now
                    carry["calendar"] = self.calendar_snapshot
                workflow.continue_as_new(inp.model_copy(update=carry))
            wake = self._next_wake()
            now = workflow.now()
            if wake is None or wake > now:
                self.woken = False
                if self._patched(TIMER_KEPT):
                    await self._sleep_until(wake, now)
                else:
                    try:
                        await workflow.wait_condition(
                            lambda: self.woken or self.done,
                            timeout=(wake - now) if wake else None,
                            timeout_summary=f"next statutory moment {wake.isoformat()}"
                            if wake
                            else None,
                        )
                    except TimeoutError:
                        pass
            async with self.lock:
                await self._on_time()
                await self._flush_documents()
                await self._catch_up()
        if self.timer is not None:
            self.timer.cancel()
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._owed() and self._patched(ANSWER_FIRST):  # the last answer, before the end
            async with self.lock:
                await self._write_owed()

    async def _catch_up(self) -> None:
        """ANSWER_FIRST: once its timer has run, write the answered views the read model may
        not have (the API writes them before replying; this only writes if it did not)."""
        if self.catch_up is None or not self.catch_up.done():
            return
        self.catch_up = None
        if self._owed():
            await self._write_owed()

    async def _write_owed(self) -> None:
        """The answered views, written if the read model is behind them. One the read model
        refuses for good is recorded (nothing typed into a case may end it) and not tried again
        every PROJECT_AFTER: the next step's projection carries the case on."""
        try:
            await self._project(behind_only=True)
        except ActivityError as exc:
            self._fault("project", exc)
            self.projected = self.event_seq

    async def _sleep_until(self, wake: datetime | None, now: datetime) -> None:
        """Wait for the next statutory moment, an action or the end. The timer is set once per
        instant: an action that does not move the next moment (a note, most steps) leaves it
        running instead of cancelling and setting it again (two history events and two server
        transactions fewer per action)."""
        if wake != self.timer_at or self.timer is None:
            if self.timer is not None:
                self.timer.cancel()
            self.timer, self.timer_at = None, wake
            if wake is not None:
                self.timer = asyncio.create_task(
                    workflow.sleep(wake - now, summary=f"next statutory moment {wake.isoformat()}")
                )
        if self.catch_up is None and self._owed() and self._patched(ANSWER_FIRST):
            self.catch_up = asyncio.create_task(
                workflow.sleep(PROJECT_AFTER, summary="read model catch-up")
            )
        timer, catch_up = self.timer, self.catch_up
        await workflow.wait_condition(
            lambda: (
                self.woken
                or self.done
                or (timer is not None and timer.done())
                or (catch_up is not None and catch_up.done())
            )
        )
        if timer is not None and timer.done():
            self.timer, self.timer_at = None, None

    @staticmethod
    def _history_large(inp: Any) -> bool:
        info = workflow.info()
        limit = getattr(inp, "max_history_events", None) or HISTORY_EVENTS
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > limit
            or info.get_current_history_size() > HISTORY_BYTES
        )

    def _carry(self) -> s.CaseCarry:
        """The whole state of the case, for the next run (continue-as-new)."""
        values = {name: getattr(self, name) for name in {**_CARRIED, **self.CARRY}}
        values["events"] = self.events[-CARRIED_EVENTS:]
        kinds = {**_CARRIED, **self.CARRY}
        state = {n: _adapter(kinds[n]).dump_python(v, mode="json") for n, v in values.items()}
        state["status"] = self.status.value
        return s.CaseCarry(state=state)

    def _restore(self, carried: s.CaseCarry) -> None:
        for name, kind in {**_CARRIED, **self.CARRY}.items():
            if name in carried.state:
                setattr(self, name, _adapter(kind).validate_python(carried.state[name]))
        self.status = self.SPEC.status(carried.state["status"])
        self.woken = True  # plan again at once: the new run's first task

    @workflow.signal
    def calendar_changed(self, change: CalendarChange | None = None) -> None:
        """The calendar was edited: recompute every due date (DESIGN.md §3)."""
        self.woken = True
        self.calendar_dirty = True
        pending = self.calendar_change
        if change is not None and change.digested and pending is not None and not pending.digested:
            # Two changes before the case ran: the earlier one's officer was owed a notice.
            change = change.model_copy(update={"digested": False})
        self.calendar_change = change

    @workflow.update
    async def recalculate_deadlines(self, change: CalendarChange) -> Recalculation:
        """The calendar was edited (a State Council notice imported, a day overridden): recompute
        every due date now and answer which moved, old → new (DESIGN.md §3)."""
        async with self._turn(self._validate_recalculate_deadlines, change):
            moved = await self._recalculate(change)
        self.woken = True
        return Recalculation(case_no=self.case_no, moved=moved)

    @recalculate_deadlines.validator
    def _validate_recalculate_deadlines(self, change: CalendarChange) -> None:
        self._require(not self.done, f"案件{self.case_no}已办结，期限不再计算。")


# The state every case has, by attribute and type (continue-as-new carries it).
_CARRIED: dict[str, Any] = {
    "officer": s.Actor,  # 经办人: named or taken since the case opened
    "summary": str,
    "pack": RulePack | None,
    "clocks": dict[str, Clock],
    "rungs": dict[str, list[RungSpec]],
    "readings": dict[str, Reading],
    "milestones": dict[str, list[Milestone]],
    "inactivity_at": datetime | None,
    "fired": list[s.Rung],
    "fired_keys": set[str],
    "events": list[s.CaseEvent],
    "event_seq": int,
    "projected": int,
    "documents": list[s.DocumentRef],
    "t0": date | None,
    "unit": str,
    "last_action_at": datetime,
    "last_action_seq": int,
    "last_fact_at": datetime,
    "calendar_dirty": bool,
    "calendar_as_of": datetime | None,
    "calendar_change": CalendarChange | None,
    "pending_documents": list[RenderDocument],
}
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]
