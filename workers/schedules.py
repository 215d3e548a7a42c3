"""Temporal Schedules Gongkai keeps on the server (created or updated when a worker starts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.types import MethodAsyncNoParam

from gongkai.logs import get_logger
from gongkai.settings import Settings
from schemas.deadlines import CalendarWatchInput
from workflows.calendar_watch import CalendarWatchWorkflow
from workflows.reconcile import FlushOutboxWorkflow, ReconcileWorkflow

log = get_logger(__name__)

CALENDAR_WATCH_ID = "gongkai-calendar-watch"
RECONCILE_ID = "gongkai-reconcile"
OUTBOX_ID = "gongkai-outbox"


def calendar_watch_schedule(settings: Settings) -> Schedule:
    """Every day of November and December at 09:00 Beijing time."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CalendarWatchWorkflow.run,
            CalendarWatchInput(region=settings.calendar_region),
            id=f"calendar-watch-{settings.calendar_region}",
            task_queue=settings.temporal_task_queue,
            # A run stuck on a failing activity must not make the overlap policy skip the
            # following days' checks.
            execution_timeout=timedelta(hours=23),
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    month=[ScheduleRange(11, 12)],
                    hour=[ScheduleRange(9)],
                    comment="from 1 November, daily, until the year ends",
                )
            ],
            time_zone_name="Asia/Shanghai",
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=12)
        ),
        state=ScheduleState(note="next year's holiday notice imported? (docs/calendar.md)"),
    )


def _every_ten_minutes(
    run: MethodAsyncNoParam[Any, Any], workflow_id: str, settings: Settings, note: str
) -> Schedule:
    """A housekeeping workflow every ten minutes, each run done before the next is due (one
    still running makes the next skip)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            run,
            id=workflow_id,
            task_queue=settings.temporal_task_queue,
            execution_timeout=timedelta(minutes=9),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=10))]),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(minutes=10)
        ),
        state=ScheduleState(note=note),
    )


def reconcile_schedule(settings: Settings) -> Schedule:
    """Every ten minutes: the read model against Temporal (store/reconcile.py)."""
    note = "cases terminated or deleted outside Gongkai (docs/security.md)"
    return _every_ten_minutes(ReconcileWorkflow.run, "reconcile", settings, note)


def outbox_schedule(settings: Settings) -> Schedule:
    """Every ten minutes: the SMS that waited for 08:00 go out (activities/sms.py)."""
    note = "SMS held back by the quiet hours (22:00-08:00)"
    return _every_ten_minutes(FlushOutboxWorkflow.run, "outbox", settings, note)


async def ensure_schedules(client: Client, settings: Settings) -> None:
    """Create the schedules, or bring an existing one up to date (idempotent)."""
    for schedule_id, schedule in (
        (CALENDAR_WATCH_ID, calendar_watch_schedule(settings)),
        (RECONCILE_ID, reconcile_schedule(settings)),
        (OUTBOX_ID, outbox_schedule(settings)),
    ):
        try:
            await client.create_schedule(schedule_id, schedule)
            log.info("schedule created", schedule_id=schedule_id)
        except ScheduleAlreadyRunningError:

            def _update(current: ScheduleUpdateInput, new: Schedule = schedule) -> ScheduleUpdate:
                # Keep what an administrator set in the Temporal UI (paused, with a note).
                new.state = current.description.schedule.state
                return ScheduleUpdate(schedule=new)

            await client.get_schedule_handle(schedule_id).update(_update)
