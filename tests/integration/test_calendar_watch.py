"""The calendar watch: a Temporal Schedule runs every day from 1 November (09:00 Beijing time) and
alerts the administrators while next year's holiday notice is still missing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.client import ScheduleActionExecutionStartWorkflow
from temporalio.testing import WorkflowEnvironment

from gongkai.settings import Settings
from rules.calendar import SHANGHAI
from schemas.deadlines import NextYearStatus
from store.calendar import import_notice
from store.db import make_engine, migrate
from store.models import OutboxRow
from tests.fixtures.scenario import example_notice
from tests.workflows.helpers import worker
from workers.schedules import CALENDAR_WATCH_ID, ensure_schedules

pytestmark = pytest.mark.integration


async def _run_once(env: WorkflowEnvironment, seen: int) -> NextYearStatus:
    handle = env.client.get_schedule_handle(CALENDAR_WATCH_ID)
    await handle.trigger()
    for _ in range(100):
        actions = (await handle.describe()).info.recent_actions
        if len(actions) > seen:
            break
        await asyncio.sleep(0.1)
    action = actions[-1].action
    assert isinstance(action, ScheduleActionExecutionStartWorkflow)
    wf = env.client.get_workflow_handle(
        action.workflow_id, run_id=action.first_execution_run_id, result_type=NextYearStatus
    )
    return await wf.result()


async def test_schedule_alerts_admins_while_next_year_is_provisional(
    local_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'watch.db'}")
    migrate(engine)
    settings = Settings(temporal_task_queue=task_queue, admin_email="admin@agency.test")
    next_year = datetime.now(UTC).astimezone(SHANGHAI).year + 1
    await ensure_schedules(local_env.client, settings)
    handle = local_env.client.get_schedule_handle(CALENDAR_WATCH_ID)
    await handle.pause(note="paused by an administrator")
    await ensure_schedules(local_env.client, settings)  # a second worker starting
    assert (await handle.describe()).schedule.state.paused  # the pause is kept
    await handle.unpause()
    try:
        desc = await handle.describe()
        upcoming = [t.astimezone(SHANGHAI) for t in desc.info.next_action_times]
        assert upcoming and all(t.month in (11, 12) and t.hour == 9 for t in upcoming)
        async with worker(local_env, engine, task_queue, settings):
            first = await _run_once(local_env, 0)
            assert (first.year, first.status, first.alerted) == (next_year, "provisional", True)
            with Session(engine) as db:
                (alert,) = db.exec(select(OutboxRow).where(OutboxRow.recipient_role == "admin"))
            assert alert.recipient == "admin@agency.test"
            assert f"{next_year}年节假日安排尚未导入" in alert.subject
            assert "gongkai calendar import" in alert.body
            # Once the notice is imported the watch is quiet.
            import_notice(engine, example_notice(next_year), "admin", datetime.now(UTC))
            second = await _run_once(local_env, 1)
            assert (second.status, second.alerted) == ("official", False)
            with Session(engine) as db:
                assert len(db.exec(select(OutboxRow)).all()) == 1
    finally:
        await handle.delete()
        engine.dispose()
