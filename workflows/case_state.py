"""What every case is: its state, the generation of patches it runs, its readers (light, due
dates), and the hooks each kind implements.

A layer of :class:`workflows.casework.CaseWorkflow` (read it bottom-up: state, record, clocks,
escalation, guards, then the lifecycle in casework.py)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from rules.clock import CaseDue, Clock, Milestone, Reading, case_due
    from rules.clock_plan import CalendarSnapshot, SnapshotCalendar
    from rules.packs import CaseKind, Escalation, Light, RulePack
    from rules.packs import Rung as RungSpec
    from schemas import case as s
    from schemas.activities import (
        ApplicantIdentity,
        RenderDocument,
    )
    from schemas.deadlines import (
        CalendarChange,
    )
    from schemas.registry import KindSpec
    from schemas.search import (
        GK_HORIZON,
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
# Issue 25: the workflow plans its clocks itself on a calendar snapshot it carries (refreshed
# when the calendar changes); the step's one local activity only writes the read model.
PLAN_HERE = "plan-in-workflow"
FIRST_TURN = "actions-wait-for-the-first-turn"  # workflows/first_turn.py
# An action that issues no document answers with the case's new view, which the API writes into
# the read model before it replies; the workflow writes the same view itself a moment later
# only if the read model is still behind it (the API died in between): no local activity
# between an officer and the answer.
ANSWER_FIRST = "answer-first"
PROJECT_AFTER = timedelta(seconds=2)  # the workflow's catch-up of an answered view
# A calendar change carries the calendar (store.calendar.calendar_change): planned on, instead
# of fetched by every case (histories from before fetched it: a local activity).
CALENDAR_TOLD = "calendar-told"
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
_GENERATION_2026_12_07 = _GENERATION_2026_12 | {
    OFFICER_CLAIM,
    APPLICANT_NOTICES,
    # issue 24, in the kinds' own modules
    "duties-on-fixed-dates",  # obligations.FIXED_DATES
    "quarters-on-fixed-dates",  # press_plan.FIXED_QUARTERS
    "interpretation-and-light-per-version",  # proactive.PER_VERSION
    "closing-notice-with-remedies",  # disclosure.CLOSING_NOTICE
    "reply-from-submission",  # disclosure.SUBMISSION_PATCH
}
GENERATIONS: tuple[tuple[str, frozenset[str]], ...] = (
    # issue 25: answer first, project after
    (
        "generation-2026-12-09",
        _GENERATION_2026_12_07 | {PLAN_HERE, FIRST_TURN, ANSWER_FIRST, CALENDAR_TOLD},
    ),
    # issue 25: the workflow plans its clocks itself; an action before the first turn waits
    ("generation-2026-12-08", _GENERATION_2026_12_07 | {PLAN_HERE, FIRST_TURN}),
    ("generation-2026-12-07", _GENERATION_2026_12_07),
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


def local_tz() -> Any:
    from rules.calendar import SHANGHAI

    return SHANGHAI


class CaseState:
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

    # Clocks whose due instant is "the" due date of the case, in order of preference.
    DUE_CLOCKS: ClassVar[tuple[str, ...]]
    # Clocks whose running out brings the internal due date forward (never the legal one).
    INTERNAL_CLOCKS: ClassVar[tuple[str, ...]] = ()
    # -- what each kind decides ------------------------------------------------------------
    # -- rule pack --------------------------------------------------------------------------
    # -- the loop ---------------------------------------------------------------------------
    # -- clocks -----------------------------------------------------------------------------
    # -- events, documents, notifications, projection ---------------------------------------
    # -- guards for validators --------------------------------------------------------------

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "SPEC"):
            cls.KIND = cls.SPEC.kind
            cls.PACK_SECTION = cls.SPEC.section  # type: ignore[assignment]

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
        # The calendar the case plans on (PLAN_HERE), and its working form (rebuilt on replay).
        self.calendar_snapshot: CalendarSnapshot | None = None
        self.work_calendar: SnapshotCalendar | None = None
        self.calendar_taken = False  # the input's snapshot looked at (once)
        self.calendar_as_of: datetime | None = None  # when the case took its calendar
        self.started = False  # through its first turn (registered, or restored)
        self.catch_up: asyncio.Task[None] | None = None  # ANSWER_FIRST: the catch-up's timer

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

    def _watching(self, name: str) -> bool:
        c = self.clocks.get(name)
        return c is not None and c.stopped_at is None

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

    def light(self) -> Light:
        light = Light.GREEN
        for r in self.fired:
            if self._watching(r.clock) and LIGHT_ORDER[r.light] > LIGHT_ORDER[light]:
                light = r.light
        return light

    def _due_reading(self) -> Reading | None:
        """The reading the case's due date is taken from (a kind may choose otherwise)."""
        for name in self.DUE_CLOCKS:
            if self._watching(name) and name in self.readings:
                return self.readings[name]
        return None

    def _due(self) -> CaseDue:
        """The case's due dates, derived once (rules.clock.case_due): the row, the search
        attributes, the board and the view all take them from here."""
        live = [n for n in self.clocks if self._watching(n)]
        return case_due(
            self.DUE_CLOCKS, live, self.readings, self.INTERNAL_CLOCKS, self._due_reading()
        )

    def due_at(self) -> datetime | None:
        """The case's legal due instant; while paused, its frozen one (the date it would be were
        the pause to end now; fixed when the period was used up before the pause)."""
        return self._due().due_at

    def internal_due_at(self) -> datetime | None:
        """The instant internal alerts and the board count from: the internal due date (margin
        while a year is provisional, LAW.md §6.4(3)); none while paused before the period was
        used up (it cannot become late while paused)."""
        return self._due().internal_due_at

    def _provisional(self) -> bool:
        return self._due().provisional

    @staticmethod
    def _require(ok: bool, message: str) -> None:
        if not ok:
            raise IllegalAction(message)

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
