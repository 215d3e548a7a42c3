"""Start throughput: disclosure cases opened through the HTTP API until the workflow has projected
them into the read model (status "registered" with a due date), versus a bare
``client.start_workflow`` of a minimal workflow on the same dev server, in the same run.

Both sides start at the same concurrency and are timed from the first start to the last "done"
(case registered in the read model / minimal workflow completed)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from temporalio.api.enums.v1 import EventType
from temporalio.worker import PollerBehaviorAutoscaling, Worker

from bench import targets
from bench.common import Progress, ms, pct, report
from bench.minimal import BenchMinimalWorkflow
from bench.stack import AGENCY, Stack

CONCURRENCY = 20  # cases (or minimal workflows) in flight at any moment
POLL = 0.05

APPLICATION = {
    "agency": AGENCY,
    "channel": "in_person",
    "applicant": {
        "name": "张三",
        "id_number": "110101199003071233",
        "phone": "13800138000",
        "email": "zhangsan@example.test",
    },
    "description": "2025年某地块建设工程规划许可证及附图",
}


@dataclass
class Opened:
    """perf_counter() times by case number: POST sent, POST answered (201), first seen
    projected by its workflow in the read model."""

    started: dict[str, float]
    acked: dict[str, float]
    registered: dict[str, float]


async def wait_registered(
    stack: Stack,
    started: dict[str, float],
    total: int,
    progress: Progress | None,
    events: dict[str, asyncio.Event],
) -> dict[str, float]:
    """Poll the read model (every 50 ms) until every case in ``started`` (case number → start
    time) has been projected by its workflow; returns case number → the time it was first seen
    registered, and sets the case's event in ``events``. Keeps polling while ``started`` still
    grows (starts in flight), until ``total`` are seen."""
    seen: dict[str, float] = {}
    while len(seen) < total:
        pending = [c for c in started if c not in seen]
        if pending:
            with stack.engine.connect() as conn:
                for i in range(0, len(pending), 500):
                    chunk = pending[i : i + 500]
                    marks = ",".join(f":c{j}" for j in range(len(chunk)))
                    rows = conn.execute(
                        text(
                            f'SELECT case_no FROM "case" WHERE case_no IN ({marks}) '
                            "AND status != 'received' AND due_at IS NOT NULL"
                        ),
                        {f"c{j}": c for j, c in enumerate(chunk)},
                    ).all()
                    now = time.perf_counter()
                    for (case_no,) in rows:
                        seen[case_no] = now
                        events[case_no].set()
        if progress:
            progress.update(len(seen), f"started {len(started)}")
        await asyncio.sleep(POLL)
    return seen


async def open_cases(
    stack: Stack,
    n: int,
    concurrency: int = CONCURRENCY,
    progress: Progress | None = None,
    officers: list[str] | None = None,
    path: str = "/v1/disclosure-requests",
    body: Callable[[int], dict[str, Any]] = lambda _: APPLICATION,
) -> Opened:
    """Open ``n`` cases through the API (``concurrency`` officers, each with a token, or the
    named ``officers``): disclosure requests unless ``path`` and ``body`` (by index) say
    otherwise. Closed loop: each officer sends the next request only once the workflow has
    projected the previous case into the read model, so at most that many cases are in flight
    (an open loop only measures how the server degrades under a backlog)."""
    names = officers or [f"starter{i:02d}" for i in range(concurrency)]
    headers = [(name, stack.token(name)) for name in names]  # each officer their own token
    started: dict[str, float] = {}
    acked: dict[str, float] = {}
    events: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
    errors: list[str] = []
    run_key = uuid.uuid4().hex[:12]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def officer(http: httpx.AsyncClient, h: dict[str, str]) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            t = time.perf_counter()
            # A connection the server closed as it was reused (keep-alive) is sent again under
            # the same Idempotency-Key: the same case, never a second one.
            keyed = {**h, "Idempotency-Key": f"{run_key}-{i}"}
            res = None
            for attempt in range(3):
                try:
                    res = await http.post(path, json=body(i), headers=keyed)
                    break
                except httpx.TransportError as exc:
                    if attempt == 2:
                        errors.append(repr(exc))
            if res is None:
                continue
            if res.status_code != 201:
                errors.append(f"{res.status_code} {res.text[:200]}")
                continue
            case_no = res.json()["case_no"]
            started[case_no], acked[case_no] = t, time.perf_counter()
            await events[case_no].wait()

    limits = httpx.Limits(max_connections=len(headers) * 2)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60, limits=limits) as http:
        starting = asyncio.gather(*(officer(http, h) for _, h in headers))
        registering = asyncio.create_task(wait_registered(stack, started, n, progress, events))
        try:
            await starting
        finally:
            if errors:
                registering.cancel()
        if errors:
            raise RuntimeError(f"{len(errors)} starts failed, e.g. {errors[:3]}")
        seen = await registering
    return Opened(started, acked, seen)


async def history_counts(stack: Stack, case_nos: list[str]) -> dict[str, float]:
    """Per case, from the Temporal histories: events, workflow tasks, activities (by type) and
    local activities (markers)."""
    client = await stack.client()
    totals: Counter[str] = Counter()
    for case_no in case_nos:
        hist = await client.get_workflow_handle(case_no).fetch_history()
        totals["events"] += len(hist.events)
        for e in hist.events:
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                name = e.activity_task_scheduled_event_attributes.activity_type.name
                totals["activities"] += 1
                totals[f"activity:{name}"] += 1
            elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                totals["workflow_tasks"] += 1
            elif (
                e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
                and "local_activity" in e.marker_recorded_event_attributes.marker_name
            ):
                totals["local_activities"] += 1
    return {k: v / len(case_nos) for k, v in totals.items()}


def describe_counts(counts: dict[str, float]) -> str:
    acts = ", ".join(
        f"{k.split(':', 1)[1]} {v:.3g}"
        for k, v in sorted(counts.items())
        if k.startswith("activity:")
    )
    return (
        f"{counts.get('workflow_tasks', 0):.3g} workflow tasks, "
        f"{counts.get('activities', 0):.3g} activities ({acts or 'none'}), "
        f"{counts.get('local_activities', 0):.3g} local activities, "
        f"{counts.get('events', 0):.3g} history events"
    )


async def baseline(stack: Stack, n: int, concurrency: int = CONCURRENCY) -> dict[str, Any]:
    """Bare start_workflow of the minimal workflow, worker in this process."""
    client = await stack.client(bare=True)
    tq = f"bench-minimal-{uuid.uuid4().hex[:8]}"
    sem = asyncio.Semaphore(concurrency)
    start_lat: list[float] = []
    done_lat: list[float] = []
    cpu0, own0 = stack.cpu(), time.process_time()
    async with Worker(
        client,
        task_queue=tq,
        workflows=[BenchMinimalWorkflow],
        workflow_task_poller_behavior=PollerBehaviorAutoscaling(),
    ):
        t0 = time.perf_counter()

        async def one(i: int) -> None:
            async with sem:  # closed loop, as the cases: started and completed per slot
                t = time.perf_counter()
                h = await client.start_workflow(
                    BenchMinimalWorkflow.run, i, id=f"{tq}-{i}", task_queue=tq
                )
                start_lat.append(time.perf_counter() - t)
                await h.result()
                done_lat.append(time.perf_counter() - t)

        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - t0
    cpu1, own1 = stack.cpu(), time.process_time()
    return {
        "n": n,
        "wall_s": wall,
        "per_s": n / wall,
        "start_p50_ms": ms(pct(start_lat, 50)),
        "done_p50_ms": ms(pct(done_lat, 50)),
        "done_p95_ms": ms(pct(done_lat, 95)),
        "server_cpu_ms_per": 1000 * (cpu1["temporal"] - cpu0["temporal"]) / n,
        "worker_cpu_ms_per": 1000 * (own1 - own0) / n,
    }


async def run(stack: Stack, cases: int) -> str:
    n = max(100, min(cases // 20, 500))
    print(f"start throughput: {n} minimal workflows, then {n} cases via the API", flush=True)
    base = await baseline(stack, n)
    cpu0 = stack.cpu()
    progress = Progress("cases registered", n)
    t0 = time.perf_counter()
    opened = await open_cases(stack, n, progress=progress)
    progress.close()
    wall = max(opened.registered.values()) - t0
    cpu1 = stack.cpu()
    post_lat = [opened.acked[c] - opened.started[c] for c in opened.started]
    lat = [opened.registered[c] - opened.started[c] for c in opened.started]
    counts = await history_counts(stack, sorted(opened.started)[:5])
    api: dict[str, Any] = {
        "n": n,
        "wall_s": wall,
        "per_s": n / wall,
        "post_p50_ms": ms(pct(post_lat, 50)),
        "register_p50_ms": ms(pct(lat, 50)),
        "register_p95_ms": ms(pct(lat, 95)),
        **{f"{k}_cpu_ms_per": 1000 * (cpu1[k] - cpu0[k]) / n for k in cpu1},
        "history_per_case": counts,
    }
    ratio = api["per_s"] / base["per_s"]
    targets.at_least(
        f"case start via the API, registered in the read model, {CONCURRENCY} in flight "
        "(vs bare start_workflow)",
        api["per_s"],
        base["per_s"],
        "/s",
        0.70,
    )
    rows = [
        [
            "bare start_workflow → minimal workflow completed",
            n,
            base["per_s"],
            base["start_p50_ms"],
            base["done_p50_ms"],
            base["done_p95_ms"],
            base["server_cpu_ms_per"],
            base["worker_cpu_ms_per"],
            "–",
        ],
        [
            "POST /v1/disclosure-requests → registered in read model",
            n,
            api["per_s"],
            api["post_p50_ms"],
            api["register_p50_ms"],
            api["register_p95_ms"],
            api["temporal_cpu_ms_per"],
            api["worker_cpu_ms_per"],
            api["api_cpu_ms_per"],
        ],
    ]
    notes = [
        f"ratio cases/s ÷ minimal workflows/s = {ratio:.2f} (target ≥ 0.70); closed loop, "
        f"{CONCURRENCY} in flight on each side",
        "start = start_workflow returned / POST answered 201 (case row visible, status "
        "'received'); done = minimal workflow completed / case projected by its workflow "
        f"(status 'registered', due date set; read model polled every {POLL * 1000:.0f} ms)",
        f"per case start: {describe_counts(counts)}; minimal: 1 workflow task",
        "CPU = /proc utime+stime per item; the minimal workflow's worker runs in the bench "
        "process (its CPU includes the starting client)",
    ]
    return report(
        "start_throughput",
        "1. Start throughput (same dev server, same run)",
        [
            "what",
            "n",
            "done/s",
            "start p50 ms",
            "done p50 ms",
            "done p95 ms",
            "server CPU ms/each",
            "worker CPU ms/each",
            "api CPU ms/each",
        ],
        rows,
        {"baseline": base, "api": api, "ratio": ratio, "target_ratio": 0.7},
        notes,
    )
