"""`gongkai up` end to end: the real dev server, worker and API; a case started before a full
stop is still there after the next start (SQLite persistence, retention raised)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from schemas.deadlines import StatutoryTimerInput
from schemas.search import GK_KIND
from tests.integration.stack import Stack
from workflows.timer import StatutoryTimerWorkflow

pytestmark = pytest.mark.integration


async def test_up_serves_everything_and_cases_survive_a_restart(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    stack.start()
    try:
        assert httpx.get(f"http://127.0.0.1:{stack.http}/docs").status_code == 200
        # The Temporal UI under /temporal on its own port, and served by the API: without a
        # session the API sends a browser to the sign-in page.
        assert httpx.get(f"http://127.0.0.1:{stack.ui}/temporal/").status_code == 200
        ui = httpx.get(f"http://127.0.0.1:{stack.http}/temporal/")
        assert ui.status_code == 303 and ui.headers["location"] == "/login"
        assert (tmp_path / "temporal.db").exists() and (tmp_path / "gongkai.db").exists()
        client = await Client.connect(f"127.0.0.1:{stack.grpc}", data_converter=stack.converter())
        handle = await client.start_workflow(
            StatutoryTimerWorkflow.run,
            StatutoryTimerInput(name="proactive_disclosure", kind="disclosure", period="reply"),
            id="persist-1",
            task_queue="gongkai",
        )
        before = None
        for _ in range(100):
            before = await handle.query(StatutoryTimerWorkflow.reading)
            if before is not None:
                break
            await asyncio.sleep(0.2)
        assert before is not None and before.due_date is not None
    finally:
        code = stack.stop()
    assert code == 0
    log = (tmp_path / "up.log").read_text()
    assert "all stopped" in log
    assert subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True).stdout == b""

    stack.start()
    try:
        client = await Client.connect(f"127.0.0.1:{stack.grpc}", data_converter=stack.converter())
        handle = client.get_workflow_handle("persist-1")
        desc = await handle.describe()
        assert desc.status == WorkflowExecutionStatus.RUNNING
        after = await handle.query(StatutoryTimerWorkflow.reading)
        assert after is not None and after.due_date == before.due_date
        # retention was raised from the dev server's 1 day
        out = subprocess.run(
            [
                str(Path(sys.executable).parent / "temporal"),
                "operator",
                "namespace",
                "describe",
                "-n",
                "default",
                "--address",
                f"127.0.0.1:{stack.grpc}",
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert '"workflowExecutionRetentionTtl": "31622400s"' in out  # 366 days, not 1
    finally:
        assert stack.stop() == 0


async def test_dev_server_search_attributes_and_visibility(
    local_env: WorkflowEnvironment,
    engine,
    task_queue: str,  # type: ignore[no-untyped-def]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from temporalio.worker import Worker

    from workers.worker import WORKFLOWS, activities

    async with Worker(
        local_env.client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(engine),
        activity_executor=ThreadPoolExecutor(2),
    ):
        handle = await local_env.client.start_workflow(
            StatutoryTimerWorkflow.run,
            StatutoryTimerInput(name="reply", kind="disclosure", period="reply"),
            id=f"vis-{task_queue}",
            task_queue=task_queue,
        )
        for _ in range(100):
            if await handle.query(StatutoryTimerWorkflow.reading) is not None:
                break
            await asyncio.sleep(0.1)
        found: list[str] = []
        for _ in range(50):
            found = [
                w.id
                async for w in local_env.client.list_workflows(
                    f"GkKind = 'timer' AND WorkflowId = '{handle.id}' "
                    "AND GkDueAt > '2026-01-01T00:00:00Z'"
                )
            ]
            if found:
                break
            await asyncio.sleep(0.2)
        assert found == [handle.id]
        desc = await handle.describe()
        assert desc.typed_search_attributes.get(GK_KIND) == "timer"
        await handle.terminate("test done")
