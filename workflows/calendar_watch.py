"""Is next year's holiday notice in the calendar yet?

The State Council publishes the next year's holiday arrangements (国务院办公厅关于…部分节假日安排
的通知) in the autumn, usually in November. Until an administrator imports it, every deadline that
crosses into the new year is provisional (weekends only, with a safety margin). A Temporal
Schedule runs this workflow every day from 1 November (see ``workers/schedules.py``); while the
year is still provisional it alerts the administrators once a day.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from activities.deadlines import DeadlineActivities
    from rules.calendar import local_date
    from schemas.activities import AlertAdmins
    from schemas.deadlines import CalendarWatchInput, CheckNextYear, NextYearStatus

TIMEOUT = timedelta(seconds=60)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))


@workflow.defn
class CalendarWatchWorkflow:
    @workflow.run
    async def run(self, inp: CalendarWatchInput) -> NextYearStatus:
        now = workflow.now()
        status = await workflow.execute_activity_method(
            DeadlineActivities.next_year_status,
            CheckNextYear(on=now, region=inp.region),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        if status.status != "provisional":
            return status
        today = local_date(now)
        await workflow.execute_activity_method(
            CaseActivities.alert_admins,
            AlertAdmins(
                key=f"calendar:{inp.region}:{status.year}:{today.isoformat()}",
                topic=f"calendar-{status.year}",
                subject=f"【日历提醒】{status.year}年节假日安排尚未导入（{inp.region}）",
                body=(
                    f"截至{today}，工作日历中{status.year}年仍为预估（仅按周末和法定节日计算，不含调休）。"
                    f"跨入{status.year}年的期限均为预估值。国务院办公厅通知发布后，请用 "
                    f"`gongkai calendar import` 导入；导入后，所有在办案件会重新计算期限。"
                ),
                at=now,
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        return status.model_copy(update={"alerted": True})
