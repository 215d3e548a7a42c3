"""The machinery every case kind shares: statutory clocks planned on the calendar, the escalation
loop (each rung once, lights, notifications, urging notices), the business-event log and its
projection, documents, and the guards used by update validators.

A case workflow subclasses :class:`CaseWorkflow`, sets its kind, starts its clocks and implements
:meth:`_lapse` (what happens when a window runs out). Nothing here knows a statutory number: the
periods and ladders come from the rule pack the case was started with.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import TypeAdapter
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.cases import DOCUMENT_TITLES, CaseActivities
    from activities.deadlines import DeadlineActivities, choose_rule_pack, select_rule_pack
    from rules import clock as clk
    from rules.calendar import local_date
    from rules.clock import Clock, ClockError, ClockState, Milestone, Reading
    from rules.packs import Action, CaseKind, Escalation, Light, Period, RulePack, pack_by_ref
    from rules.packs import Rung as RungSpec
    from schemas import case as s
    from schemas.activities import (
        ApplicantIdentity,
        Notify,
        ProjectCase,
        RefreshCase,
        RenderDocument,
    )
    from schemas.cases import CaseSummary
    from schemas.deadlines import (
        CalendarChange,
        ClockPlan,
        ClockPlanRequest,
        DeadlineMove,
        Recalculation,
    )
    from schemas.registry import RUNG_ZH, ActionSpec, KindSpec
    from schemas.rules import SelectPack
    from schemas.search import (
        GK_AGENCY,
        GK_DUE_AT,
        GK_HORIZON,
        GK_KIND,
        GK_LIGHT,
        GK_OFFICER,
        GK_STATUS,
    )

ACTIVITY_TIMEOUT = timedelta(seconds=60)
LOCAL_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))
# Continue-as-new well before Temporal's limits (51,200 events, 50 MB): a case open for years, or
# one an officer floods with notes, carries its state into a fresh history instead.
HISTORY_EVENTS = 10_000
HISTORY_BYTES = 10 * 1024 * 1024
CARRIED_EVENTS = 100  # the timeline's tail travels along; the read model keeps all of it
LIGHT_ORDER = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
LAPSE = "lapse"
# Patches (workflow.patched) of the leaner steps of issue 17; histories from before them replay
# as they ran (tests/histories/).
ONE_STEP = "refresh-in-one-step"  # plan + project in one local activity
DOCS_PROJECTED = "documents-projected"  # documents stored with the projection, no activity
INDEX_CHANGED = "index-when-changed"  # search attributes upserted only when they change
TIMER_KEPT = "timer-kept"  # the statutory timer survives an action that does not move it
NOTIFY_LOCAL = "notify-local"  # notifications as local activities
RECHECK = "recheck-before-rung"  # a rung about to fire plans again on the current calendar
PACK_BY_REF = "pack-by-ref"  # the rule pack's ref recorded, the pack taken from the worker
DOCS_DATED = "documents-dated-by-plan"  # the receipt dated by the plan stored with it
# Patches of issue 23 (an office works a whole case).
OFFICER_CLAIM = "officer-on-first-step"  # a case without 经办人 becomes its first handler's
APPLICANT_NOTICES = "applicant-notices"  # the applicant is told at every step that concerns them
# Steps that do not make their taker the case's 经办人: reading, noting, naming another.
NOT_A_CLAIM = frozenset({"add_note", "reveal_identity", "assign_officer"})

# Generations: a case started from code with a generation records that one marker instead of
# one per patch (each patch marker also upserts Temporal's TemporalChangeVersion search
# attribute: a marker and a visibility write per patch per case), and every patch the
# generation lists is in force for it. A released generation's list never changes
# (tests/workflows/test_replay.py pins it): a new patch is asked for by itself until a new
# generation, listing it too, is added at the front.
_GENERATION_2026_12 = frozenset(
    {
        "local-plan-project",
        "continue-as-new",
        "horizon-indexed",
        "calendar-moves-recorded",
        "validate-in-turn",
        "abandonment-letter",
        "tell-moved-due",
        "pack-by-t0",
        "art35-notice",
        ONE_STEP,
        DOCS_PROJECTED,
        INDEX_CHANGED,
        TIMER_KEPT,
        NOTIFY_LOCAL,
        RECHECK,
        PACK_BY_REF,
        DOCS_DATED,
    }
)
GENERATIONS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "generation-2026-12-07",
        _GENERATION_2026_12
        | {
            OFFICER_CLAIM,
            APPLICANT_NOTICES,
            # issue 24, in the kinds' own modules
            "duties-on-fixed-dates",  # obligations.FIXED_DATES
            "quarters-on-fixed-dates",  # press_plan.FIXED_QUARTERS
            "interpretation-and-light-per-version",  # proactive.PER_VERSION
            "closing-notice-with-remedies",  # disclosure.CLOSING_NOTICE
            "reply-from-submission",  # disclosure.SUBMISSION_PATCH
        },
    ),
    ("generation-2026-12", _GENERATION_2026_12),
)


class IllegalAction(ApplicationError):
    """Not allowed in the case's current state or by this person (→ HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type="IllegalAction", non_retryable=True)


class IncompleteAction(ApplicationError):
    """Allowed, but missing what the law requires (→ HTTP 422)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type="IncompleteAction", non_retryable=True)


class CaseWorkflow:
    """Base of every case workflow (not a workflow itself)."""

    # What the kind is (schemas/registry.py): its name, statuses, clocks, actions.
    SPEC: ClassVar[KindSpec]
    KIND: ClassVar[str]
    # The rule pack's section for the kind (the registry's; a press-conference plan reads
    # [emergency]).
    PACK_SECTION: ClassVar[CaseKind]
    # The kind's own state, by attribute and type: what continue-as-new carries into the next
    # run besides the state every case has (``_CARRIED``).
    CARRY: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "SPEC"):
            cls.KIND = cls.SPEC.kind
            cls.PACK_SECTION = cls.SPEC.section  # type: ignore[assignment]

    # Clocks whose due instant is "the" due date of the case, in order of preference.
    DUE_CLOCKS: ClassVar[tuple[str, ...]]
    # Clocks whose running out brings the internal due date forward (never the legal one).
    INTERNAL_CLOCKS: ClassVar[tuple[str, ...]] = ()

    def _setup(
        self,
        case_no: str,
        agency: s.AgencyInfo,
        officer: s.Actor,
        received_at: datetime,
        status: StrEnum,
        summary: str,
    ) -> None:
        self.case_no = case_no
        self.agency = agency
        self.officer = officer
        self.status: Any = status
        self.summary = summary
        self.pack: RulePack | None = None
        self.clocks: dict[str, Clock] = {}
        self.rungs: dict[str, list[RungSpec]] = {}
        self.readings: dict[str, Reading] = {}
        self.milestones: dict[str, list[Milestone]] = {}
        self.inactivity_at: datetime | None = None
        self.fired: list[s.Rung] = []
        self.fired_keys: set[str] = set()
        self.events: list[s.CaseEvent] = []
        self.event_seq = 0  # events so far, including those left behind by continue-as-new
        self.projected = 0
        self.documents: list[s.DocumentRef] = []
        self.t0: date | None = None
        self.outcome: Any = None
        self.unit = ""
        self.last_action_at: datetime = received_at
        self.last_action_seq = 0
        # The latest instant of a fact recorded by a person: a later fact cannot predate it.
        self.last_fact_at: datetime = received_at
        self.lock = asyncio.Lock()
        self.woken = False
        self.calendar_dirty = False
        self.calendar_change: CalendarChange | None = None
        self.done = False
        # Documents issued since the last projection (stored with the next one).
        self.pending_documents: list[RenderDocument] = []
        self.indexed_as: tuple[Any, ...] | None = None  # the search attributes last upserted
        self.timer: asyncio.Task[None] | None = None  # the statutory timer and its instant
        self.timer_at: datetime | None = None
        self.generation: str | None = None  # the generation the case started with ("" none)
        self.plan_revision = ""  # the calendar revision of the last plan

    # -- what each kind decides ------------------------------------------------------------

    def _escalation(self) -> Escalation | None:
        section = getattr(self.pack, self.PACK_SECTION, None)
        return section.escalation if section is not None else None

    def _is_open(self) -> bool:
        """Is the case still waiting for the agency (inactivity reminders run)?"""
        raise NotImplementedError

    async def _lapse(self, clock_name: str) -> None:
        """A window ran out (its ``lapse`` rung fired)."""
        raise NotImplementedError

    def _patched(self, patch_id: str) -> bool:
        """``workflow.patched``, except that a case started from code with a generation (its
        first question recorded that generation's marker) has every patch the generation lists
        and records no marker for them. Deterministic: the first question is asked at the same
        point on every replay (the newest generation first; while replaying, a generation the
        history does not hold answers no), and histories from before replay with their own
        markers as they ran."""
        if self.generation is None:
            self.generation = next((g for g, _ in GENERATIONS if workflow.patched(g)), "")
        covered = dict(GENERATIONS).get(self.generation, frozenset())
        return patch_id in covered or workflow.patched(patch_id)

    # -- rule pack --------------------------------------------------------------------------

    async def _load_pack(self, on: datetime) -> None:
        which = SelectPack(
            kind=self.PACK_SECTION, jurisdiction=self.agency.jurisdiction, on=local_date(on)
        )
        if self._patched(PACK_BY_REF):
            # The choice is recorded (a ref); the pack is the worker's, read from its files
            # once per process (a released pack version never changes).
            ref = await self._local(choose_rule_pack, which)
            with workflow.unsafe.sandbox_unrestricted():
                self.pack = pack_by_ref(ref)
            return
        self.pack = await self._local(select_rule_pack, which)

    async def _local(self, fn: Any, arg: Any) -> Any:
        """Run one of the case's own quick steps — choosing the rule pack, planning the clocks on
        the calendar, writing the read model — as a *local* activity: in the worker, inside the
        workflow task that needs it, instead of a round trip through the server's task queues
        (three fewer server transactions each, so an officer's action answers sooner and a
        burst of escalations drains faster). Retries, timeouts and the result in the history
        are as for any activity. Histories from before the change keep their regular ones."""
        if self._patched("local-plan-project"):
            return await workflow.execute_local_activity(
                fn, arg, start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=RETRY
            )
        return await workflow.execute_activity(
            fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY
        )

    # -- the loop ---------------------------------------------------------------------------

    async def _loop(self, inp: Any) -> None:
        """Sleep until the next statutory moment (or an action / calendar change), handle it,
        repeat until the case is done; continue as new when the history grows large."""
        while not self.done:
            if self.pending_documents:  # (carried by continue-as-new): not beside an update
                async with self.lock:
                    await self._flush_documents()
            if self._history_large(inp) and self._patched("continue-as-new"):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(inp.model_copy(update={"carried": self._carry()}))
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
        if self.timer is not None:
            self.timer.cancel()
        await workflow.wait_condition(workflow.all_handlers_finished)

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
        timer = self.timer
        await workflow.wait_condition(
            lambda: self.woken or self.done or (timer is not None and timer.done())
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

    def _horizon_attribute(self) -> list[Any]:
        """``GkHorizon``: the latest instant of the case's running clocks (due dates, rungs,
        lapses, the inactivity reminder), fired or not: a calendar change to a year after it
        cannot move anything in this case."""
        times = [
            m.at
            for name, ms in self.milestones.items()
            if self._watching(name)
            for m in ms
            if m.at is not None
        ]
        times += [r.due_at for n, r in self.readings.items() if self._watching(n) and r.due_at]
        if self.inactivity_at is not None:
            times.append(self.inactivity_at)
        if not times or not self._patched("horizon-indexed"):
            return []
        return [GK_HORIZON.value_set(max(times))]

    def _next_wake(self) -> datetime | None:
        times = [
            m.at
            for name, ms in self.milestones.items()
            if self._watching(name)
            for m in ms
            if m.at is not None and self._key(name, m.rung) not in self.fired_keys
        ]
        if self.inactivity_at is not None and self._inactivity_key() not in self.fired_keys:
            times.append(self.inactivity_at)
        return min(times) if times else None

    async def _on_time(self) -> None:
        now = workflow.now()
        changed, self.calendar_dirty = self.calendar_dirty, False
        if changed and self._patched("calendar-moves-recorded"):
            change, self.calendar_change = self.calendar_change, None
            await self._recalculate(change or CalendarChange(reason="工作日历已更新"))
            now = workflow.now()
            changed = False
        elif self._due_now(now) and self._patched(RECHECK):
            # A rung is about to fire: if the calendar is not the one the case was planned on
            # (a change has not reached this case yet), plan again, so that nobody is escalated
            # on a date that no longer holds; a move is recorded as a calendar change's would be.
            # A check that fails for good is recorded and the rung fires on the plan it has.
            try:
                if await self._calendar_moved():
                    changed = bool(await self._replan(CalendarChange(reason="工作日历已更新")))
            except ActivityError as exc:
                self._fault("replan", exc)
            now = workflow.now()
        for name, ms in list(self.milestones.items()):
            for m in ms:
                if (
                    m.at is not None
                    and m.at <= now
                    and self._watching(name)
                    and self._key(name, m.rung) not in self.fired_keys
                ):
                    await self._fire(name, m.rung, m.at)
                    changed = True
        escalation = self._escalation()
        inactivity = escalation.inactivity if escalation else None
        if (
            inactivity is not None
            and self.inactivity_at is not None
            and self.inactivity_at <= now
            and self._inactivity_key() not in self.fired_keys
            and self._is_open()
        ):
            self.fired_keys.add(self._inactivity_key())
            seq = self._event(
                "inactivity",
                s.SYSTEM,
                f"经办人已{inactivity.working_days}个工作日未办理本案，已提醒。",
            )
            await self._actions(inactivity.actions, "inactivity", seq, self.DUE_CLOCKS[0])
            changed = True
        if changed:
            await self._refresh()

    async def _calendar_moved(self) -> bool:
        """Is the calendar now another revision than the one of the case's last plan?"""
        revision: str = await self._local(DeadlineActivities.calendar_revision, self.agency.region)
        return revision != self.plan_revision

    def _due_now(self, now: datetime) -> bool:
        wake = self._next_wake()
        return wake is not None and wake <= now

    def _watching(self, name: str) -> bool:
        c = self.clocks.get(name)
        return c is not None and c.stopped_at is None

    def _key(self, clock: str, rung: str) -> str:
        """A rung fires once per run of a clock: a restarted (re-anchored) clock runs anew."""
        c = self.clocks.get(clock)
        anchor = c.anchor_at.isoformat() if c else ""
        return f"{self.case_no}:{clock}:{anchor}:{rung}"

    def _inactivity_key(self) -> str:
        return f"{self.case_no}:inactivity:{self.last_action_seq}"

    async def _fire(self, clock_name: str, rung_name: str, statutory_at: datetime) -> None:
        self.fired_keys.add(self._key(clock_name, rung_name))
        if rung_name == LAPSE:
            await self._lapse(clock_name)
            return
        spec = next(r for r in self.rungs[clock_name] if r.name == rung_name)
        self.fired.append(
            s.Rung(clock=clock_name, rung=rung_name, light=spec.light, fired_at=workflow.now())
        )
        reading = self.readings.get(clock_name)
        internal = ""
        if reading is not None and reading.provisional and reading.internal_due_at is not None:
            internal = f"，按内部期限{local_date(reading.internal_due_at)}督办：节假日安排尚未公布"
        seq = self._event(
            "escalation",
            s.SYSTEM,
            f"{self._clock_zh(clock_name)}（{self._due_text(clock_name)}届满{internal}）督办："
            f"{RUNG_ZH.get(rung_name, rung_name)}",
            clock=clock_name,
            rung=rung_name,
            light=spec.light.value,
            # The rung's own instant, for the escalation-lag metric (gongkai/metrics.py).
            statutory_at=statutory_at.isoformat(),
        )
        await self._actions(spec.actions, rung_name, seq, clock_name)

    def _applicant_type(self) -> str:
        """The applicant's type for the annual report's columns (disclosure only)."""
        return ""

    def _applicant_identity(self) -> ApplicantIdentity | None:
        """Who applied, for the read model's keyed digests (disclosure only: Art. 36(6))."""
        return None

    def _awaiting(self) -> str:
        """A decision a supervisor owes beside the status (the approvals inbox): none here."""
        return ""

    def _told(self) -> dict[str, date]:
        """Due dates already told to the applicant, by clock (a calendar change must not
        shorten them unnoticed): none here."""
        return {}

    def _clock_zh(self, name: str) -> str:
        return self.SPEC.clocks.get(name, name)

    def _due_text(self, clock_name: str) -> str:
        reading = self.readings.get(clock_name)
        if reading is None or reading.shown_due_at is None:
            return "—"
        if reading.unit.value == "hours":
            return reading.shown_due_at.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M")
        return str(reading.shown_due_date)

    async def _actions(self, actions: list[Action], rung: str, seq: int, clock_name: str) -> None:
        reading = self.readings.get(clock_name)
        due = self._due_text(clock_name)
        what = self._clock_zh(clock_name)
        subject = f"【{RUNG_ZH.get(rung, rung)}】{self.case_no} {what}{due}"
        body = (
            f"{self.SPEC.noun_zh}{self.case_no}（经办人{self.officer.name}，状态：{self.status.zh}）"
            f"{what}于{due}届满。请及时办理。"
        )
        recipients = {
            Action.NOTIFY_OFFICER: ("officer", self.agency.officer_email),
            Action.NOTIFY_SUPERVISOR: ("supervisor", self.agency.supervisor_email),
            Action.NOTIFY_HEAD: ("head", self.agency.head_email),
        }
        for action in actions:
            key = f"{self.case_no}:{seq}:{action.value}"
            if action is Action.URGING_NOTICE:
                overdue = (
                    reading is not None
                    and reading.due_at is not None
                    and workflow.now() > reading.due_at
                )
                await self._document(
                    "urging_notice",
                    seq,
                    {
                        "kind_zh": self.SPEC.noun_zh,
                        "unit": self.unit or self.agency.name,
                        "t0": str(self.t0 or "—"),
                        "officer": self.officer.name,
                        "clock_zh": what,
                        "due": due,
                        "status_zh": self.status.zh,
                        "overdue": overdue,
                        "rung": RUNG_ZH.get(rung, rung),
                        "basis": self.clocks[clock_name].basis if clock_name in self.clocks else "",
                    },
                )
                await self._notify(
                    key,
                    "supervisor",
                    self.agency.supervisor_email,
                    f"催办通知书 {self.case_no}",
                    body,
                )
            else:
                role, address = recipients[action]
                await self._notify(key, role, address, subject, body)

    # -- clocks -----------------------------------------------------------------------------

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

    def light(self) -> Light:
        light = Light.GREEN
        for r in self.fired:
            if self._watching(r.clock) and LIGHT_ORDER[r.light] > LIGHT_ORDER[light]:
                light = r.light
        return light

    def _due_reading(self) -> Reading | None:
        for name in self.DUE_CLOCKS:
            if self._watching(name) and name in self.readings:
                return self.readings[name]
        return None

    def due_at(self) -> datetime | None:
        """The case's legal due instant; while paused, its frozen one (the date it would be were
        the pause to end now; fixed when the period was used up before the pause)."""
        reading = self._due_reading()
        return reading.shown_due_at if reading is not None else None

    def internal_due_at(self) -> datetime | None:
        """The instant internal alerts and the board count from: the internal due date (margin
        while a year is provisional, LAW.md §6.4(3)); none while paused before the period was
        used up (it cannot become late while paused)."""
        reading = self._due_reading()
        internal = (
            reading.internal_due_at
            if reading is not None and reading.lapses_at is not None
            else None
        )
        for name in self.INTERNAL_CLOCKS:
            extra = self.readings.get(name) if self._watching(name) else None
            if extra is not None and extra.lapses_at is not None and extra.internal_due_at:
                internal = min(filter(None, (internal, extra.internal_due_at)))
        return internal

    # -- events, documents, notifications, projection ---------------------------------------

    def _event(
        self,
        kind: str,
        actor: s.Actor,
        summary: str,
        occurred_at: datetime | None = None,
        **data: Any,
    ) -> int:
        self.event_seq += 1
        seq = self.event_seq
        if actor.role is not s.Role.SYSTEM and kind != "note":
            self.last_fact_at = max(self.last_fact_at, occurred_at or workflow.now())
        self.events.append(
            s.CaseEvent(
                seq=seq,
                at=workflow.now(),
                occurred_at=occurred_at,
                kind=kind,
                actor_id=actor.id,
                actor_name=actor.name,
                status=self.status,
                summary=summary,
                data=data,
            )
        )
        if actor.role is not s.Role.SYSTEM:
            self.last_action_at = workflow.now()
            self.last_action_seq = seq
        return seq

    def _document_context(self, context: dict[str, Any]) -> dict[str, Any]:
        """What every document of the case says besides its own content."""
        return {
            "case_no": self.case_no,
            "agency": self.agency.model_dump(),
            "issued_on": local_date(workflow.now()).isoformat(),
            **context,
        }

    async def _document(
        self, name: str, seq: int, context: dict[str, Any], dated_by: str = ""
    ) -> None:
        """Issue a document of the case: rendered and stored with the case's next projection,
        before the step that issued it answers (no activity of its own, no second workflow
        task)."""
        doc = RenderDocument(
            case_no=self.case_no,
            name=name,
            seq=seq,
            at=workflow.now(),
            context=self._document_context(context),
            dated_by=dated_by,
        )
        if self._patched(DOCS_PROJECTED):
            self.pending_documents.append(doc)
            self.documents.append(s.DocumentRef(name=name, title=DOCUMENT_TITLES[name], seq=seq))
            return
        ref = await workflow.execute_activity_method(
            CaseActivities.render_document,
            doc,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )
        self.documents.append(ref)

    async def _flush_documents(self) -> None:
        """Store the documents issued since the last projection (a refresh of its own when none
        followed them: what a document told the applicant reaches the row's clocks too)."""
        if self.pending_documents:
            await self._refresh()

    async def _notify(
        self,
        key: str,
        role: str,
        recipient: str,
        subject: str,
        body: str,
        phone: str = "",
        *,
        link: bool = False,
        attachment: RenderDocument | None = None,
    ) -> None:
        note = Notify(
            key=key,
            case_no=self.case_no,
            recipient_role=role,
            recipient=recipient,
            subject=subject,
            body=body,
            at=workflow.now(),
            phone=phone,
            urgent=self.SPEC.urgent,
            link=link,
            attachment=attachment,
        )
        if self._patched(NOTIFY_LOCAL):
            # Into the outbox (and out, when a gateway is set) from inside the workflow task
            # that decided it: no second workflow task and server round trip per rung.
            await self._local(CaseActivities.notify, note)
            return
        await workflow.execute_activity_method(
            CaseActivities.notify,
            note,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )

    def _provisional(self) -> bool:
        return any(self.readings[n].provisional for n in self.DUE_CLOCKS if n in self.readings)

    async def _refresh(self) -> None:
        """Recompute every due date on the calendar, then index and project the case. A step
        that fails for good (its activity said the input can never work) is recorded and the
        case goes on with what it had: nothing typed into a case may end it."""
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

    def _fault(self, step: str, exc: ActivityError) -> None:
        cause = exc.cause.message if isinstance(exc.cause, ApplicationError) else str(exc)
        if step in ("project", "refresh"):
            self.pending_documents = []  # not retried at every wake: the fault is recorded
        workflow.logger.error("case step failed for good", extra={"step": step, "cause": cause})
        self._event(
            "system_fault",
            s.SYSTEM,
            f"系统处理失败（{step}）：{cause[:300]}。案件继续办理，请联系系统管理员。",
            step=step,
        )

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
        """Recompute every due date, milestone and the inactivity reminder on the calendar."""
        plan: ClockPlan = await self._local(DeadlineActivities.plan_clocks, self._plan_request())
        self._apply_plan(plan)

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

    def _projection(self) -> tuple[ProjectCase, list[s.CaseEvent]]:
        """The case's row, its events not yet projected and its pending documents."""
        due = self.due_at()
        new = [e for e in self.events if e.seq > self.projected]
        return ProjectCase(
            row=CaseSummary(
                case_no=self.case_no,
                kind=self.KIND,
                agency=self.agency.code,
                officer=self.officer.id,
                status=self.status.value,
                light=self.light().value,
                t0=self.t0,
                due_at=due,
                internal_due_at=self.internal_due_at(),
                provisional=self._provisional(),
                outcome=str(self.outcome.value) if self.outcome is not None else None,
                summary=self.summary[:200],
                unit=self.unit[:100],
                awaiting=self._awaiting(),
                applicant_type=self._applicant_type(),
            ),
            events=new,
            at=workflow.now(),
            explanation=next(
                (self.readings[n].explanation for n in self.DUE_CLOCKS if n in self.readings),
                None,
            ),
            documents=self.pending_documents,
            applicant=self._applicant_identity(),
        ), new

    def _projected(self, new: list[s.CaseEvent]) -> None:
        self.projected = max([self.projected, *(e.seq for e in new)])
        self.pending_documents = []

    def _index(self) -> None:
        """Index the case (search attributes); unchanged ones are not sent again."""
        due = self.due_at()
        horizon = self._horizon_attribute()
        values = (
            self.status.value,
            self.light().value,
            self.officer.id,
            due,
            horizon[0].value if horizon else None,
        )
        if self._patched(INDEX_CHANGED):
            if values == self.indexed_as:
                return
            self.indexed_as = values
        workflow.upsert_search_attributes(
            [
                GK_KIND.value_set(self.KIND),
                GK_AGENCY.value_set(self.agency.code),
                GK_OFFICER.value_set(self.officer.id),
                GK_STATUS.value_set(self.status.value),
                GK_LIGHT.value_set(self.light().value),
                # A closed case keeps its last due date: the board filters on status.
                *([GK_DUE_AT.value_set(due)] if due else []),
                *horizon,
            ]
        )

    async def _project(self) -> None:
        """Index the case (search attributes) and write its row, new events and new documents to
        the read model."""
        if self._patched(ONE_STEP):
            projection, new = self._projection()
            await self._local(CaseActivities.project_case, projection)
            self._projected(new)
            self._index()
            return
        self._index()
        projection, new = self._projection()
        await self._local(CaseActivities.project_case, projection)
        self._projected(new)

    async def _act(
        self,
        kind: str,
        actor: s.Actor,
        summary: str,
        occurred_at: datetime | None = None,
        **data: Any,
    ) -> s.ActionResult:
        seq = self._event(kind, actor, summary, occurred_at, **data)
        await self._refresh()
        self.woken = True
        return s.ActionResult(status=self.status.value, seq=seq, message=summary)

    @asynccontextmanager
    async def _turn(self, validator: Any, arg: Any) -> AsyncIterator[None]:
        """An update's turn at the case: updates wait for one another, and a validator that
        passed on arrival is checked again now, since an update ahead of this one may have
        changed the case (200 concurrent "accept"s: one is applied, the rest refused)."""
        async with self.lock:
            if self._patched("validate-in-turn"):  # histories from before replay as they ran
                validator(arg)
            actor = getattr(arg, "actor", None)
            if isinstance(actor, s.Actor):
                self._claim(validator.__name__.removeprefix("_v_"), actor)
            yield
            await self._flush_documents()

    def _claim(self, update: str, actor: s.Actor) -> None:
        """A case nobody handles yet (the public opened it on the portal) becomes the case of
        whoever takes its first step — an officer, or a supervisor taking an officer's step —
        unless a supervisor names someone (``assign_officer``); recorded as an event (GIDR Art.
        45: 登记、审核、办理 by a named person)."""
        if self.officer.id or actor.role not in (s.Role.OFFICER, s.Role.SUPERVISOR):
            return
        spec = next((a for a in self.SPEC.actions if a.update == update), None)
        if spec is None or update in NOT_A_CLAIM or s.Role.OFFICER not in spec.roles:
            return
        if not self._patched(OFFICER_CLAIM):
            return
        self.officer = actor
        self._event(
            "officer_assigned",
            actor,
            f"{actor.name}办理本案（{spec.zh}），成为本案经办人。",
            officer=actor.id,
        )

    @workflow.update
    async def assign_officer(self, a: s.AssignOfficer) -> s.ActionResult:
        """指定 / 转交经办人: a supervisor names who handles the case from now on."""
        async with self._turn(self._v_assign_officer, a):
            before = self.officer
            self.officer = s.Actor(
                id=a.officer,
                name=a.officer_name,
                role=s.Role.OFFICER,
                agency=self.agency.code,
                unit=a.officer_unit,
            )
            verb = (
                f"将本案转交{a.officer_name}办理（原经办人{before.name}）"
                if before.id
                else (f"指定{a.officer_name}为本案经办人")
            )
            why = f"：{a.reason}" if a.reason.strip() else "。"
            return await self._act(
                "officer_assigned",
                a.actor,
                f"{a.actor.name}{verb}{why}",
                officer=a.officer,
                previous=before.id,
            )

    @assign_officer.validator
    def _v_assign_officer(self, a: s.AssignOfficer) -> None:
        self._allowed("assign_officer", a.actor)
        if not a.officer_name.strip():
            raise IncompleteAction("请从本机关的经办人、负责人中选择经办人。")
        self._require(a.officer != self.officer.id, f"{a.officer_name}已是本案经办人。")

    # -- guards for validators --------------------------------------------------------------

    @staticmethod
    def _require(ok: bool, message: str) -> None:
        if not ok:
            raise IllegalAction(message)

    def _in(self, action: str, *allowed: Any) -> None:
        if self.status not in allowed:
            names = "、".join(a.zh for a in allowed)
            raise IllegalAction(
                f"“{action}”不能在案件状态“{self.status.zh}”下进行；只能在以下状态进行：{names}。"
            )

    def _allowed(self, update: str, actor: s.Actor) -> ActionSpec:
        """Who may take this step, and in which statuses (schemas/registry.py): the case's
        agency, the action's roles, the case's current status."""
        spec = self.SPEC.action_for_update(update)
        self._same_agency(actor)
        refusal = spec.refusal(self.SPEC, actor.role, self.status.value)
        if refusal is not None:
            raise IllegalAction(refusal)
        return spec

    def _same_agency(self, actor: s.Actor) -> None:
        if actor.agency != self.agency.code:
            raise IllegalAction("只能办理本机关的案件。")
        if actor.role not in (s.Role.OFFICER, s.Role.SUPERVISOR, s.Role.APPLICANT):
            raise IllegalAction("管理员负责管理系统，不办理案件；请由本机关经办人或负责人办理。")

    def _supervisor(self, actor: s.Actor, what: str) -> None:
        """The head of the GI office (负责人) of this agency: an administrator operates the system
        and approves nothing (GIDR Art. 33 para 2)."""
        self._same_agency(actor)
        if actor.role is not s.Role.SUPERVISOR:
            raise IllegalAction(f"{what}须经本机关政府信息公开工作机构负责人批准。")

    def _fact_at(
        self, occurred_at: datetime | None, what: str, not_before: datetime | None = None
    ) -> datetime:
        """When a recorded fact happened: given (not in the future, not before the case's
        previous fact or ``not_before``) or now."""
        now = workflow.now()
        if occurred_at is None:
            return now
        if occurred_at.tzinfo is None:
            raise IncompleteAction(f"{what}的时间须带时区（北京时间）。")
        local = occurred_at.astimezone(local_tz())
        if occurred_at > now:
            raise IncompleteAction(
                f"{what}的时间（{local:%Y-%m-%d %H:%M}）在未来，请填写实际发生的时间。"
            )
        floor = max(self.last_fact_at, not_before) if not_before else self.last_fact_at
        if occurred_at < floor:
            raise IncompleteAction(
                f"{what}的时间（{local:%Y-%m-%d %H:%M}）早于本案此前记录的事实"
                f"（{floor.astimezone(local_tz()):%Y-%m-%d %H:%M}），请核对。"
            )
        return occurred_at

    def _common_view(self) -> dict[str, Any]:
        return {
            "case_no": self.case_no,
            "kind": self.KIND,
            "agency": self.agency.code,
            "officer": self.officer.id,
            "officer_name": self.officer.name if self.officer.id else "",
            "status": self.status.value,
            "status_zh": self.status.zh,
            "light": self.light(),
            "t0": self.t0,
            "rule_pack": self.pack.ref if self.pack else "",
            "due_at": self.due_at(),
            "provisional": self._provisional(),
            "outcome": self.outcome.value if self.outcome is not None else None,
            "readings": self.readings,
            "clocks": self.clocks,
            "fired": self.fired,
            "documents": self.documents,
            "events": self.events,
        }

    @workflow.signal
    def calendar_changed(self, change: CalendarChange | None = None) -> None:
        """The calendar was edited: recompute every due date (DESIGN.md §3)."""
        self.woken = True
        self.calendar_dirty = True
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

    async def _recalculate(self, change: CalendarChange) -> list[DeadlineMove]:
        """Plan the clocks on the new calendar; record every due date that moved, with the
        reason, in the case's history and tell the officer; project the case."""
        moved = await self._replan(change)
        await self._project()
        return moved

    async def _replan(self, change: CalendarChange) -> list[DeadlineMove]:
        """Plan the clocks on the current calendar; record every due date that moved, with the
        reason, in the case's history and tell the officer."""
        before = {n: (r.due_at, self._due_text(n)) for n, r in self.readings.items()}
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
            await self._notify(
                f"{self.case_no}:{seq}:deadlines_moved",
                "officer",
                self.agency.officer_email,
                f"【期限调整】{self.case_no} {moved[0].clock_zh}{moved[0].new_text}",
                f"{self.SPEC.noun_zh}{self.case_no}（经办人{self.officer.name}）{summary}",
            )
        return moved


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
    "calendar_change": CalendarChange | None,
    "pending_documents": list[RenderDocument],
}
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]


def local_tz() -> Any:
    from rules.calendar import SHANGHAI

    return SHANGHAI
