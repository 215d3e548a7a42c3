"""The baseline: the smallest possible workflow (one workflow task, no activity), started with a
bare ``client.start_workflow`` on the same dev server as the cases."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn
class BenchMinimalWorkflow:
    @workflow.run
    async def run(self, n: int) -> int:
        return n + 1
