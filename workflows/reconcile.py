"""Housekeeping that Temporal Schedules run every ten minutes (workers/schedules.py): the
reconciliation of the read model with Temporal (store/reconcile.py), and the SMS that waited in
the outbox for the quiet hours to end (activities/sms.py)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from schemas.activities import FlushOutbox, Reconcile


@workflow.defn
class ReconcileWorkflow:
    @workflow.run
    async def run(self) -> list[str]:
        return await workflow.execute_activity_method(
            CaseActivities.reconcile,
            Reconcile(at=workflow.now()),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )


@workflow.defn
class FlushOutboxWorkflow:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity_method(
            CaseActivities.flush_outbox,
            FlushOutbox(at=workflow.now()),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
