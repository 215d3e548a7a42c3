"""A single statutory period watched durably, e.g. A14 proactive disclosure within 20 WD
(GIDR Art. 26): the rule pack gives the period, the calendar the due date, Temporal the timer."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import DeadlineActivities, select_rule_pack
    from rules.calendar import local_date
    from rules.clock import Reading, start
    from rules.packs import Period
    from schemas.deadlines import EvaluateClock, StatutoryTimerInput, StatutoryTimerResult
    from schemas.rules import SelectPack
    from schemas.search import GK_DUE_AT, GK_KIND, GK_STATUS

ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=10)


@workflow.defn
class StatutoryTimerWorkflow:
    def __init__(self) -> None:
        self._reading: Reading | None = None
        self._calendar_changed = False

    @workflow.run
    async def run(self, inp: StatutoryTimerInput) -> StatutoryTimerResult:
        now = workflow.now()
        pack = await workflow.execute_activity(
            select_rule_pack,
            SelectPack(kind=inp.kind, jurisdiction=inp.jurisdiction, on=local_date(now)),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        section = getattr(pack, inp.kind)
        period: Period = getattr(section, inp.period)
        clock = start(
            inp.name,
            period.unit,
            period.amount,
            now,
            basis=period.basis,
            rule_pack=pack.ref,
            policy=pack.policy(period),
        )
        workflow.upsert_search_attributes(
            [GK_KIND.value_set("timer"), GK_STATUS.value_set("running")]
        )
        while True:
            reading = await workflow.execute_activity_method(
                DeadlineActivities.evaluate_clock,
                EvaluateClock(clock=clock, now=workflow.now(), region=inp.region),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            self._reading = reading
            assert reading.due_at is not None  # a fresh clock is never paused
            workflow.upsert_search_attributes([GK_DUE_AT.value_set(reading.due_at)])
            remaining = reading.due_at - workflow.now()
            if remaining <= timedelta():
                break
            self._calendar_changed = False
            try:
                await workflow.wait_condition(
                    lambda: self._calendar_changed,
                    timeout=remaining,
                    timeout_summary=f"{inp.name} due {reading.due_date}",
                )
            except TimeoutError:
                break
            # The calendar changed: recompute the due date and wait again.
        workflow.upsert_search_attributes([GK_STATUS.value_set("fired")])
        return StatutoryTimerResult(name=inp.name, reading=reading, fired_at=workflow.now())

    @workflow.signal
    def calendar_changed(self) -> None:
        """Broadcast when the calendar was edited: recompute the due date (DESIGN.md §3)."""
        self._calendar_changed = True

    @workflow.query
    def reading(self) -> Reading | None:
        return self._reading
