"""The Temporal worker: every workflow and activity of Gongkai on one task queue."""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.worker import PollerBehaviorAutoscaling, UnsandboxedWorkflowRunner, Worker

from activities.cases import CaseActivities
from activities.deadlines import DeadlineActivities, choose_rule_pack, select_rule_pack
from gongkai.logs import get_logger
from gongkai.metrics import worker_runtime
from gongkai.settings import Settings
from gongkai.temporal import connect_with_retry
from schemas import registry
from workers.schedules import ensure_schedules
from workflows.calendar_watch import CalendarWatchWorkflow
from workflows.first_turn import FirstTurn
from workflows.reconcile import FlushOutboxWorkflow, ReconcileWorkflow
from workflows.timer import StatutoryTimerWorkflow

log = get_logger(__name__)

# Every case kind's workflow (schemas/registry.py), and the housekeeping ones.
WORKFLOWS: list[type] = [
    *registry.workflows(),
    StatutoryTimerWorkflow,
    CalendarWatchWorkflow,
    ReconcileWorkflow,
    FlushOutboxWorkflow,
]


def activities(
    engine: Engine, settings: Settings | None = None, client: Client | None = None
) -> list[Any]:
    deadlines = DeadlineActivities(engine)
    cases = CaseActivities(engine, settings or Settings(), client)
    return [
        deadlines.evaluate_clock,
        deadlines.plan_clocks,
        deadlines.calendar_revision,
        deadlines.calendar_snapshot,
        deadlines.next_year_status,
        select_rule_pack,
        choose_rule_pack,
        cases.project_case,
        cases.refresh_case,
        cases.render_document,
        cases.notify,
        cases.archive_case,
        cases.new_case_number,
        cases.count_comments,
        cases.record_catalogue,
        cases.reconcile,
        cases.alert_admins,
        cases.flush_outbox,
    ]


# An action that reaches a case before its first turn waits for it (workflows/first_turn.py).
INTERCEPTORS = [FirstTurn()]
# Workflows run without the SDK's sandbox. It re-imported each workflow's module per run (20-40
# ms of CPU on the worker's event loop), so our packages were passed through it as a whole
# (issue 17); from then on it checked nothing of ours and still cost a quarter of an action's
# worker time: every payload of every workflow task crossed into it to ask for a serialization
# context (measured on one officer's notes: p50 77.5 → 57.5 ms, worker CPU 28.5 → 21.2 ms per
# action; docs/performance.md). What keeps workflow code deterministic is what already did:
# tests/rules/test_packs.py (no wall clock, randomness, environment, files or sockets in
# workflows/ and rules/) and the replay of every recorded history (tests/workflows/test_replay.py).
# Tests run with this same runner.
RUNNER = UnsandboxedWorkflowRunner()


def build_worker(
    client: Client, engine: Engine, settings: Settings, executor: ThreadPoolExecutor
) -> Worker:
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=WORKFLOWS,
        activities=activities(engine, settings, client),
        activity_executor=executor,
        workflow_task_poller_behavior=PollerBehaviorAutoscaling(),
        activity_task_poller_behavior=PollerBehaviorAutoscaling(),
        graceful_shutdown_timeout=timedelta(seconds=10),
        workflow_runner=RUNNER,
        interceptors=INTERCEPTORS,
    )


async def run_worker(settings: Settings) -> None:
    from store.db import make_engine, migrate

    engine = make_engine(settings.db_url)
    migrate(engine)
    # Before the client exists: the client's runtime exports the SDK's metrics and ours.
    if (runtime := worker_runtime(settings)) is not None:
        Runtime.set_default(runtime, error_if_already_set=False)
    client = await connect_with_retry(settings)
    try:
        await ensure_schedules(client, settings)
    except Exception as exc:  # the cases do not depend on it: log, and keep serving them
        log.error("could not create the schedules", error=str(exc))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(client, engine, settings, executor)
        log.info(
            "worker started",
            task_queue=settings.temporal_task_queue,
            namespace=settings.temporal_namespace,
            address=settings.temporal_address,
        )
        run = asyncio.create_task(worker.run())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({run, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not stopped.done():
            # A fatal worker error (the SDK has logged it): exit, and fail, so that whoever
            # runs this process (`gongkai up`, compose, systemd) starts a new one, rather than
            # stay up polling nothing.
            stopped.cancel()
            await run
            raise RuntimeError("the Temporal worker stopped on its own")
        log.info("worker stopping")
        await worker.shutdown()
        await run
    log.info("worker stopped")
