"""A statutory timer computed by the calendar fires for real under time skipping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from rules.calendar import DayKind, local_date
from schemas.deadlines import StatutoryTimerInput
from schemas.search import GK_DUE_AT
from store.calendar import load_calendar, set_day
from workers.worker import WORKFLOWS, activities
from workflows.timer import StatutoryTimerWorkflow


def _worker(env: WorkflowEnvironment, engine: Engine, task_queue: str):  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from temporalio.worker import Worker

    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(engine),
        activity_executor=ThreadPoolExecutor(4),
    )


async def test_art33_twenty_working_day_timer_fires_at_due_instant(
    ts_env: WorkflowEnvironment, fresh_engine: Engine, task_queue: str
) -> None:
    async with _worker(ts_env, fresh_engine, task_queue):
        started = await ts_env.get_current_time()
        handle: WorkflowHandle = await ts_env.client.start_workflow(
            StatutoryTimerWorkflow.run,
            StatutoryTimerInput(name="reply", kind="disclosure", period="reply"),
            id=f"timer-{task_queue}",
            task_queue=task_queue,
        )
        result = await handle.result()
    cal = load_calendar(fresh_engine)
    anchor_date = result.reading.explanation.anchor_date
    assert anchor_date == local_date(started)
    # The due date is the 20th working day after the start (start excluded).
    assert result.reading.due_date == cal.nth_working_day(anchor_date, 20).end
    assert cal.working_days_between(anchor_date, result.reading.due_date) == 20
    assert result.reading.provisional == cal.nth_working_day(anchor_date, 20).provisional
    # The durable timer fired right after 23:59:59 Asia/Shanghai on that day: virtual time moved
    # weeks ahead in a moment of wall time.
    assert result.reading.due_at is not None
    assert result.reading.due_at <= result.fired_at < result.reading.due_at + timedelta(minutes=1)
    assert result.fired_at - started > timedelta(days=25)
    desc = await handle.describe()
    assert desc.typed_search_attributes.get(GK_DUE_AT) == result.reading.due_at


async def test_calendar_change_moves_a_running_timer(
    ts_env: WorkflowEnvironment, fresh_engine: Engine, task_queue: str
) -> None:
    async with _worker(ts_env, fresh_engine, task_queue):
        handle = await ts_env.client.start_workflow(
            StatutoryTimerWorkflow.run,
            StatutoryTimerInput(name="reply", kind="disclosure", period="reply"),
            id=f"timer-cal-{task_queue}",
            task_queue=task_queue,
        )
        first = None
        while first is None:
            first = await handle.query(StatutoryTimerWorkflow.reading)
        assert first.due_date is not None
        # An administrator closes the office on the first working day of the period.
        closed = load_calendar(fresh_engine).nth_working_day(first.explanation.anchor_date, 1).end
        set_day(
            fresh_engine,
            closed,
            DayKind.HOLIDAY,
            source="市政府通告",
            reason="台风停工",
            edited_by="admin",
            at=datetime.now(UTC),
        )
        await handle.signal(StatutoryTimerWorkflow.calendar_changed)
        result = await handle.result()
    assert (
        result.reading.due_date
        == load_calendar(fresh_engine).nth_working_day(first.explanation.anchor_date, 20).end
    )
    assert result.reading.due_date > first.due_date
    assert any(s.day == closed for s in result.reading.explanation.skipped)
