"""The periodic reconciliation of the read model with Temporal (store/reconcile.py): a Temporal
Schedule runs this every ten minutes (workers/schedules.py)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from schemas.activities import Reconcile


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
