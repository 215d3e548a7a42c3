"""The baselines: the smallest possible workflows on the same dev server as the cases, driven
by a bare client (the SDK's default converter, no codec, no API, no read model)."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow


@workflow.defn
class BenchMinimalWorkflow:
    """One workflow task, no activity: the start baseline."""

    @workflow.run
    async def run(self, n: int) -> int:
        return n + 1


@workflow.defn
class BenchUpdateWorkflow:
    """An Update that changes a counter and answers: the action baseline."""

    def __init__(self) -> None:
        self.n = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.n

    @workflow.update
    def act(self, step: str) -> int:
        self.n += 1
        return self.n

    @act.validator
    def _validate_act(self, step: str) -> None:
        if not step:
            raise ValueError("empty step")

    @workflow.signal
    def finish(self) -> None:
        self.done = True


@workflow.defn
class BenchTimerWorkflow:
    """A timer to an instant, then complete: the escalation baseline."""

    @workflow.run
    async def run(self, until: str) -> str:
        wait = datetime.fromisoformat(until) - workflow.now()
        if wait.total_seconds() > 0:
            await workflow.sleep(wait)
        return until
