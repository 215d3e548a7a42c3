"""Statutory timers on real Temporal servers.

1. Time-skipping test server: wall time for one 20-working-day timer (two activities, a
   search-attribute upsert, a ~4-week durable timer), run one after another: the test server's
   clock is global, so concurrent skipping is not meaningful (workflow tasks expire).
2. Dev server (SQLite, WAL), what `gongkai up` runs: how many timers per second can be started
   and have their due date computed by the calendar activity (GkDueAt visible to queries).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import PollerBehaviorAutoscaling, Worker

from gongkai.codec import new_key_spec
from gongkai.settings import Settings
from gongkai.temporal import data_converter, temporal_cli, temporal_test_server
from schemas.deadlines import StatutoryTimerInput
from schemas.search import ALL as SEARCH_ATTRIBUTES
from store.db import make_engine, migrate
from workers.setup import ensure_search_attributes
from workers.worker import RUNNER, WORKFLOWS, activities
from workflows.timer import StatutoryTimerWorkflow

BENCH_SETTINGS = Settings(codec_keys=new_key_spec("bench"))
SEQUENTIAL = 30
STARTS = 300
INPUT = StatutoryTimerInput(name="reply", kind="disclosure", period="reply")


def _worker(env: WorkflowEnvironment, engine: Engine, tq: str) -> Worker:
    return Worker(
        env.client,
        task_queue=tq,
        workflows=WORKFLOWS,
        activities=activities(engine),
        activity_executor=ThreadPoolExecutor(8),
        workflow_task_poller_behavior=PollerBehaviorAutoscaling(),
        activity_task_poller_behavior=PollerBehaviorAutoscaling(),
        workflow_runner=RUNNER,  # as the production worker (workers/worker.py)
    )


async def time_skipping(engine: Engine) -> None:
    t = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(),
        data_converter=data_converter(BENCH_SETTINGS),
    )
    print(f"time-skipping server start: {time.perf_counter() - t:.2f} s")
    await ensure_search_attributes(env.client)
    tq = f"bench-{uuid.uuid4()}"
    latencies = []
    async with env, _worker(env, engine, tq):
        for i in range(SEQUENTIAL):
            t0 = time.perf_counter()
            await env.client.execute_workflow(
                StatutoryTimerWorkflow.run, INPUT, id=f"ts-{tq}-{i}", task_queue=tq
            )
            latencies.append(time.perf_counter() - t0)
    lat = sorted(latencies)
    print(
        f"time-skipping: one 20-WD timer end to end, p50 {statistics.median(lat) * 1000:.0f} ms, "
        f"max {lat[-1] * 1000:.0f} ms (n={SEQUENTIAL})"
    )


async def dev_server(engine: Engine, tmp: Path) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=data_converter(BENCH_SETTINGS),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_database_filename=str(tmp / "t.db"),
        dev_server_extra_args=[
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
        ],
        dev_server_log_level="error",
    )
    tq = f"bench-{uuid.uuid4()}"
    async with env, _worker(env, engine, tq):
        sem = asyncio.Semaphore(20)

        async def start(i: int) -> None:
            async with sem:
                await env.client.start_workflow(
                    StatutoryTimerWorkflow.run, INPUT, id=f"dev-{tq}-{i}", task_queue=tq
                )

        t = time.perf_counter()
        await asyncio.gather(*(start(i) for i in range(STARTS)))
        started = time.perf_counter() - t
        query = f"TaskQueue = '{tq}' AND GkDueAt IS NOT NULL"
        # Poll visibility once a second: on SQLite it shares the server's single connection.
        while (await env.client.count_workflows(query)).count < STARTS:
            await asyncio.sleep(1)
        computed = time.perf_counter() - t
        print(
            f"dev server (SQLite WAL): {STARTS} timers started at {STARTS / started:.0f}/s; "
            f"all due dates computed and indexed in {computed:.1f} s "
            f"({STARTS / computed:.0f} timers/s)"
        )
        async for wf in env.client.list_workflows(f"TaskQueue = '{tq}'"):
            await env.client.get_workflow_handle(wf.id).terminate("bench done")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        await time_skipping(engine)
        await dev_server(engine, Path(tmp))
        engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
