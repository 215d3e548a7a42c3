"""An action that reaches a case before its first turn (the workflow has not yet registered it:
the officer pressed "accept" the moment the case was opened) waits for that turn instead of
being refused for a status the case is about to leave. The Update's validator is the one place
an action is refused (issue 25): this interceptor only defers it, to the handler, which checks
it in turn (``CaseGuards._turn``) once the case has started.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)


class FirstTurn(Interceptor):
    """The worker's interceptor (workers/worker.py)."""

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        return _FirstTurnInbound


class _FirstTurnInbound(WorkflowInboundInterceptor):
    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        if getattr(workflow.instance(), "started", True) is False:
            return  # validated in turn, once the case has started
        super().handle_update_validator(input)
