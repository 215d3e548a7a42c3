"""The worker's escalation metrics, scraped from the Temporal SDK's Prometheus exporter the way
`gongkai worker` serves them: a real escalation ladder under time skipping moves the counter
once per rung, and the lag histogram measures from each rung's statutory instant."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest_asyncio
from sqlmodel import Session, select
from temporalio.runtime import Runtime
from temporalio.testing import WorkflowEnvironment

from gongkai.metrics import parse, sample, worker_telemetry
from gongkai.temporal import data_converter, temporal_test_server
from rules.calendar import SHANGHAI
from store.calendar import import_notice, load_calendar
from store.db import make_engine, migrate
from store.models import CaseEventRow
from tests.conftest import SERVER_STARTUP, TEST_SETTINGS
from tests.fixtures.scenario import YEAR, at, example_notice
from tests.workflows.helpers import CaseEnv, view, worker
from workers.setup import ensure_search_attributes
from workflows.disclosure import DisclosureRequestWorkflow as W

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture
async def metered(tmp_path: Path) -> AsyncIterator[tuple[CaseEnv, str]]:
    """case_env (tests/conftest.py) whose client runs on a runtime exporting Prometheus metrics,
    as `gongkai worker` does with GONGKAI_WORKER_METRICS_PORT."""
    bind = f"127.0.0.1:{_free_port()}"
    runtime = Runtime(telemetry=worker_telemetry(bind))
    eng = make_engine(f"sqlite:///{tmp_path / 'cases.db'}")
    migrate(eng)
    import_notice(eng, example_notice(), "test", datetime.now(UTC))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(),
        data_converter=data_converter(TEST_SETTINGS),
        runtime=runtime,
        test_server_startup_timeout=SERVER_STARTUP,
    )
    await ensure_search_attributes(env.client)
    tq = f"tq-{uuid.uuid4()}"
    async with worker(env, eng, tq):
        yield CaseEnv(env, eng, tq), f"http://{bind}/metrics"
    await env.shutdown()
    eng.dispose()


async def _scrape(url: str) -> Samples:
    async with httpx.AsyncClient() as http:
        res = await http.get(url, timeout=10)
    assert res.status_code == 200
    return parse(res.text)


def _escalations(ce: CaseEnv, case_no: str) -> list[tuple[str, str, float]]:
    """(clock, rung, seconds from its statutory instant to its firing) of each escalation the
    read model holds for the case."""
    with Session(ce.engine) as s:
        rows = s.exec(
            select(CaseEventRow).where(
                CaseEventRow.case_no == case_no, CaseEventRow.kind == "escalation"
            )
        ).all()
    out = []
    for r in rows:
        data = json.loads(r.data)
        due = datetime.fromisoformat(data["statutory_at"])
        fired = r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
        out.append((data["clock"], data["rung"], (fired - due).total_seconds()))
    return out


def _rung(clock: str, rung: str) -> list[tuple[str, str]]:
    return [("kind", "disclosure"), ("clock", clock), ("rung", rung)]


async def test_escalations_are_counted_once_with_their_lag_from_the_statutory_instant(
    metered: tuple[CaseEnv, str],
) -> None:
    ce, url = metered
    before = await _scrape(url)
    assert sample(before, "gongkai_escalations_fired_total") == 0

    # A case registered late: received 30 days ago (across the Spring Festival), so its amber
    # and red rungs are long past when the workflow first plans its clocks: they fire at once,
    # days late.
    await ce.skip_to(at(YEAR, 3, 2))
    late = await ce.start(received_at=await ce.now() - timedelta(days=30))
    await view(late)
    fired: list[tuple[str, str, float]] = []
    for _ in range(100):
        fired = _escalations(ce, late.id)
        if {"amber", "red"} <= {rung for _, rung, _ in fired}:
            break
        await asyncio.sleep(0.1)
    assert {"amber", "red"} <= {rung for clock, rung, _ in fired if clock == "reply"}
    m = await _scrape(url)
    assert sample(m, "gongkai_escalations_fired_total") == len(fired)
    for clock, rung, lag in fired:
        assert sample(m, "gongkai_escalations_fired_total", _rung(clock, rung)) == 1
        count = sample(m, "gongkai_escalation_lag_seconds_count", _rung(clock, rung))
        total = sample(m, "gongkai_escalation_lag_seconds_sum", _rung(clock, rung))
        assert count == 1
        # Projected within seconds of firing, which was `lag` after the statutory instant.
        assert lag <= total < lag + 60, (clock, rung, lag, total)
    amber_lag = next(lag for c, r, lag in fired if (c, r) == ("reply", "amber"))
    assert amber_lag > 86400  # days late: beyond the one-day bucket
    within_a_day = [*_rung("reply", "amber"), ("le", "86400")]
    assert sample(m, "gongkai_escalation_lag_seconds_bucket", within_a_day) == 0
    # The SDK's own worker metrics come from the same exporter (durations in seconds).
    # (The workflow plans its clocks itself; the projection is its one local activity.)
    project = [("activity_type", "project_case")]
    assert sample(m, "temporal_local_activity_execution_latency_count", project) > 0
    assert 0 < sample(m, "temporal_local_activity_execution_latency_sum", project) < 60
    notify = [("activity_type", "notify")]  # a local activity too, in the rung's task
    assert sample(m, "temporal_local_activity_execution_latency_count", notify) > 0
    assert sample(m, "temporal_workflow_task_execution_latency_count") > 0
    assert sample(m, "temporal_worker_task_slots_available") > 0
    await late.terminate("test done")

    # A case registered now: its amber rung fires on time, at its statutory instant.
    on_time = await ce.start()
    v = await view(on_time)
    assert v.t0 is not None
    amber_day = load_calendar(ce.engine).nth_working_day(v.t0, 15).end
    await ce.skip_to(
        datetime.combine(amber_day, datetime.min.time(), SHANGHAI) + timedelta(hours=1)
    )
    assert [r.rung for r in (await on_time.query(W.view)).fired if r.clock == "reply"] == ["amber"]
    after = await _scrape(url)

    def delta(name: str, labels: list[tuple[str, str]]) -> float:
        return sample(after, name, labels) - sample(m, name, labels)

    amber = _rung("reply", "amber")
    assert delta("gongkai_escalations_fired_total", amber) == 1
    assert delta("gongkai_escalations_fired_total", _rung("reply", "red")) == 0
    assert delta("gongkai_escalation_lag_seconds_count", amber) == 1
    assert 0 <= delta("gongkai_escalation_lag_seconds_sum", amber) < 5
    assert delta("gongkai_escalation_lag_seconds_bucket", [*amber, ("le", "5")]) == 1
    await on_time.terminate("test done")
