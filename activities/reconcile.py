"""The reconciliation (store/reconcile.py) against a live Temporal: an open row whose workflow is
not running (terminated, failed, timed out, cancelled or gone) is flagged lost."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.engine import Engine
from temporalio.client import Client

from gongkai.logs import get_logger

log = get_logger(__name__)

_ABNORMAL = {
    "TERMINATED": "已在Temporal中被终止",
    "FAILED": "已失败",
    "TIMED_OUT": "已超时结束",
    "CANCELED": "已被取消",
}


async def reconcile_with(
    client: Client, engine: Engine, at: datetime, grace_minutes: int = 5
) -> list[str]:
    """The reconciliation (store/reconcile.py), against a live Temporal: one visibility listing
    of the running workflows, then a look at each open row that is not among them."""
    from datetime import timedelta

    from temporalio.client import WorkflowExecutionStatus
    from temporalio.service import RPCError, RPCStatusCode

    from store.reconcile import flag_lost, open_rows

    rows = await asyncio.to_thread(open_rows, engine, at - timedelta(minutes=grace_minutes))
    if not rows:
        return []
    running = {wf.id async for wf in client.list_workflows("ExecutionStatus = 'Running'")}
    flagged = []
    for case_no in rows:
        if case_no in running:
            continue
        try:
            desc = await client.get_workflow_handle(case_no).describe()
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            how = "已不存在（可能已被删除）"
        else:
            status = desc.status
            if status is None or status in (
                WorkflowExecutionStatus.RUNNING,
                WorkflowExecutionStatus.COMPLETED,
                WorkflowExecutionStatus.CONTINUED_AS_NEW,
            ):
                continue  # running after all (visibility lags), or ended as it should
            how = _ABNORMAL.get(status.name, f"已结束（{status.name}）")
        if await asyncio.to_thread(flag_lost, engine, case_no, how, at):
            log.warning("case workflow lost", case_no=case_no, how=how)
            flagged.append(case_no)
    return flagged
