"""Scale: N open cases (default 10,000; ``--cases 100000`` for the full run).

A representative share are real disclosure workflows opened through the API (with those the
earlier benchmarks of the run left open); the rest are read-model rows inserted directly (the
board and the lists read only the read model, so they cannot tell the difference). Then:
the board fragment and the case list by light through HTTP, the time until every running case
has recomputed its deadlines after a calendar change made with `gongkai calendar set` (marker:
each real case's row re-projected after the change, ``updated_at`` ≥ the moment of the change),
and the memory of the dev server, the worker and the API."""

from __future__ import annotations

import asyncio
import math
import random
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, text
from sqlmodel import Session, col, select

from bench import targets
from bench.bench_start import open_cases
from bench.common import Progress, ms, pct, report
from bench.stack import AGENCY, Stack
from rules import clock as clk
from rules.calendar import SHANGHAI, build_calendar
from rules.clock import Unit, evaluate
from store.calendar import calendar_change, load_calendar
from store.models import CaseClocks, CaseRow
from store.recompute import clocks_json
from workflows.broadcast import signal_open_cases

OPEN_STATUSES = ["registered", "accepted", "assigned", "consulting", "review", "sign_off"]
LIGHTS = ["green"] * 80 + ["yellow"] * 12 + ["red"] * 8
QUERIES = 50
BOARD_MS = 150.0  # the board fragment's p95 at 100,000 open cases (issue 25)


REAL = 10_000  # real running workflows (python -m bench --real N)
WORKERS = 2  # worker processes on the one task queue during the scale run


def real_target(cases: int) -> int:
    """How many of the N open cases are real workflows."""
    return min(cases, REAL)


def _seed_clocks(t0: date) -> tuple[str, datetime]:
    """A reply clock of 20 working days from ``t0`` as a case row keeps it (store/recompute.py),
    and its due instant, as its workflow would have projected them."""
    cal = build_calendar()
    received = datetime.combine(t0, datetime.min.time(), SHANGHAI).replace(hour=10)
    reply = clk.start("reply", Unit.WORKING_DAYS, 20, received, basis="条例第三十三条")
    reading = evaluate(reply, cal, received)
    assert reading.due_at is not None
    return clocks_json("CN", ["reply"], {"reply": reply}, {"reply": reading}, {}), reading.due_at


def _seed_rows(stack: Stack, n: int, progress: Progress) -> None:
    rng = random.Random(6)
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    table = CaseRow.__table__  # type: ignore[attr-defined]
    chunk = 5000
    done = 0
    officers = [f"officer{i:02d}" for i in range(50)]
    seeds = {today - timedelta(days=d): _seed_clocks(today - timedelta(days=d)) for d in range(60)}
    while done < n:
        rows = []
        for i in range(done, min(n, done + chunk)):
            t0 = today - timedelta(days=rng.randrange(0, 60))
            rows.append(
                {
                    "case_no": f"SEED-{i:07d}",
                    "kind": "disclosure",
                    "agency": AGENCY,
                    "officer": rng.choice(officers),
                    "status": rng.choice(OPEN_STATUSES),
                    "light": rng.choice(LIGHTS),
                    "t0": t0,
                    "due_at": seeds[t0][1],
                    "internal_due_at": seeds[t0][1],
                    "provisional": False,
                    "outcome": None,
                    "summary": "基准测试：政府信息公开申请（直接写入读模型）",
                    "last_seq": 2,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        clocks_of = {
            str(r["case_no"]): seeds[r["t0"]][0]  # type: ignore[index]
            for r in rows
        }
        with stack.engine.begin() as conn:
            conn.execute(insert(table), rows)
            conn.execute(
                insert(CaseClocks.__table__),  # type: ignore[attr-defined]
                [{"case_no": r["case_no"], "clocks": clocks_of[str(r["case_no"])]} for r in rows],
            )
        done += len(rows)
        progress.update(done)
    progress.close()


async def _timed_gets(
    stack: Stack, path: str, params: dict[str, Any], headers: dict[str, str]
) -> tuple[list[float], int]:
    lat = []
    size = 0
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as http:
        for _ in range(QUERIES):
            t = time.perf_counter()
            res = await http.get(path, params=params, headers=headers)
            lat.append(time.perf_counter() - t)
            res.raise_for_status()
            size = len(res.content)
    return lat, size


def _working_day_ahead(stack: Stack, n: int) -> date:
    cal = load_calendar(stack.engine, stack.settings.calendar_region)
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    return cal.nth_working_day(today, n).end


def _recomputed(stack: Stack, real: list[str], since: datetime) -> int:
    n = 0
    with Session(stack.engine) as s:
        for i in range(0, len(real), 500):
            n += s.exec(
                select(func.count()).where(
                    col(CaseRow.case_no).in_(real[i : i + 500]), CaseRow.updated_at >= since
                )
            ).one()
    return n


async def _running_cases(stack: Stack) -> list[str]:
    """Running workflows that are cases in the read model (not timers, schedules, baselines)."""
    client = await stack.client()
    ids = [wf.id async for wf in client.list_workflows("ExecutionStatus = 'Running'")]
    with Session(stack.engine) as s:
        known = set()
        for i in range(0, len(ids), 500):
            known |= set(
                s.exec(select(CaseRow.case_no).where(col(CaseRow.case_no).in_(ids[i : i + 500])))
            )
    return sorted(known)


async def run(stack: Stack, cases: int) -> str:
    target_real = real_target(cases)
    with Session(stack.engine) as s:
        have = s.exec(select(func.count()).select_from(CaseRow)).one()
    new_real = max(0, target_real - have)
    print(
        f"scale: {cases:,} open cases ({target_real} real workflows, {have} already open)",
        flush=True,
    )
    rss_empty = stack.rss()
    t = time.perf_counter()
    if new_real:
        progress = Progress("real cases opened via the API", new_real)
        await open_cases(stack, new_real, progress=progress)
        progress.close()
    open_real_s = time.perf_counter() - t
    real = await _running_cases(stack)
    synthetic = max(0, cases - len(real))
    t = time.perf_counter()
    _seed_rows(stack, synthetic, Progress("read-model rows inserted", synthetic))
    seed_s = time.perf_counter() - t
    with Session(stack.engine) as s:
        total = s.exec(select(func.count()).select_from(CaseRow)).one()
        red = s.exec(select(func.count()).where(CaseRow.light == "red")).one()

    officer = stack.token("board-officer")
    supervisor = stack.token("board-supervisor", "supervisor")
    board_lat, board_size = await _timed_gets(stack, "/board/fragment", {}, supervisor)
    red_lat, _ = await _timed_gets(stack, "/v1/cases", {"light": "red"}, officer)
    yellow_lat, _ = await _timed_gets(
        stack, "/v1/cases", {"light": "yellow", "limit": 500}, officer
    )
    rss_before = stack.rss()
    targets.within(
        f"board fragment at {total:,} open cases, p95",
        ms(pct(board_lat, 95)),
        "ms",
        BOARD_MS,
        f"p50 {ms(pct(board_lat, 50)):.0f} ms, {board_size / 1024:.0f} KiB",
    )

    # The calendar change: the 5th working day from today becomes a holiday, so every open
    # case's reply due date moves by one working day. First in bulk from the read model (the
    # CLI: preview, store, rows updated), then the running workflows catch up by signal, with
    # a second worker process on the same task queue.
    day = _working_day_ahead(stack, 5)
    second = _second_worker(stack)
    since = datetime.now(UTC)
    cpu0 = stack.cpu()
    cpu0["worker2"] = second.cpu_seconds()
    t = time.perf_counter()
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "console.cli",
            "calendar",
            "set",
            day.isoformat(),
            "holiday",
            "--source",
            "基准测试",
            "--reason",
            "基准测试：临时闭馆",
            "--by",
            "bench",
            "--no-notify",
        ],
        env=stack.env,
        capture_output=True,
        text=True,
        check=False,
    )
    cli_s = time.perf_counter() - t
    if cli.returncode != 0:
        raise RuntimeError(f"gongkai calendar set failed:\n{cli.stdout}\n{cli.stderr}")
    found = re.search(r"read model: (\d+) open cases", cli.stdout)
    moved_rows = int(found.group(1)) if found else 0  # the CLI's bulk update says how many
    targets.within(
        f"calendar change, {total:,} open cases: every moved due date visible in the read model",
        cli_s,
        "s",
        60,
        f"{moved_rows:,} rows moved",
    )
    client = await stack.client()
    change = calendar_change(
        stack.engine,
        stack.settings.calendar_region,
        f"{day}调整为休息日（基准测试：临时闭馆）",
        [day.year],
        "bench",
        datetime.now(UTC),
        digested=True,  # as the admin API tells them, after one digest per agency
    )
    t_signal = time.perf_counter()
    told = await signal_open_cases(client, change)
    signal_s = time.perf_counter() - t_signal
    expected = _moving(stack, real)  # the running cases whose due dates the change moves
    progress = Progress("running cases caught up", expected)
    done, last_progress = 0, time.perf_counter()
    while done < expected and time.perf_counter() - last_progress < 60:
        now_done = _caught_up(stack, since)
        if now_done > done:
            done, last_progress = now_done, time.perf_counter()
        progress.update(done)
        await asyncio.sleep(0.5)
    recompute_s = (last_progress if done else time.perf_counter()) - t_signal
    progress.close()
    stale = _stale_rungs(stack, since)
    targets.within(
        f"calendar change, {len(real):,} running workflows: timers and readings corrected",
        recompute_s if done == expected else math.inf,
        "s",
        300,
        f"{done:,}/{expected:,} moved ones caught up, {stale} rungs fired meanwhile",
    )
    cpu1 = stack.cpu()
    cpu1["worker2"] = second.cpu_seconds()
    _stop(second)
    rss_after = stack.rss()
    hwm = {k: _hwm(p.pid) for k, p in stack.procs.items()}
    sizes = {
        f.name: f.stat().st_size / 2**20
        for f in sorted(Path(stack.var).glob("*.db*"))
        if f.is_file()
    }
    rows: list[list[Any]] = [
        ["open cases in the read model", f"{total:,}", f"{len(real):,} real workflows"],
        ["  of which red", f"{red:,}", ""],
        [
            "seeding",
            f"{open_real_s:.0f} s + {seed_s:.1f} s",
            f"{new_real} opened via API + {synthetic:,} rows inserted",
        ],
        [
            "board fragment (GET /board/fragment)",
            f"p95 {ms(pct(board_lat, 95)):.0f} ms",
            f"p50 {ms(pct(board_lat, 50)):.0f} ms, {board_size / 1024:.0f} KiB",
        ],
        [
            "case list by light (GET /v1/cases?light=red)",
            f"p95 {ms(pct(red_lat, 95)):.0f} ms",
            f"p50 {ms(pct(red_lat, 50)):.0f} ms, 50 per page",
        ],
        [
            "  light=yellow&limit=500",
            f"p95 {ms(pct(yellow_lat, 95)):.0f} ms",
            f"p50 {ms(pct(yellow_lat, 50)):.0f} ms",
        ],
        [
            "calendar change: read model (`gongkai calendar set`)",
            f"{cli_s:.1f} s",
            f"preview + store + {moved_rows:,} rows moved, {total:,} open cases",
        ],
        [
            "calendar change: running workflows caught up",
            f"{recompute_s:.1f} s",
            f"{done:,}/{expected:,} moved ones ({done / max(recompute_s, 1e-9):.0f}/s); "
            f"{told:,} signalled in {signal_s:.1f} s; {stale} rungs fired meanwhile",
        ],
    ]
    per_k = max(new_real, 1) / 1000
    grown = {k: rss_before.get(k, 0) - rss_empty.get(k, 0) for k in ("worker", "temporal")}
    targets.note(
        f"scale: {len(real):,} real running workflows, {total:,} open cases",
        f"board p95 {ms(pct(board_lat, 95)):.0f} ms, list p95 {ms(pct(red_lat, 95)):.0f} ms",
        f"RSS per 1,000 workflows opened: worker {grown['worker'] / per_k:.0f} MiB, "
        f"server {grown['temporal'] / per_k:.0f} MiB (now {rss_before.get('worker', 0):.0f} / "
        f"{rss_before.get('temporal', 0):.0f} MiB)",
    )
    split = {k: round(cpu1[k] - cpu0.get(k, 0), 1) for k in ("worker", "worker2")}
    targets.note(
        "two worker processes on one task queue (calendar catch-up)",
        f"CPU s: first {split['worker']}, second {split['worker2']}",
        "no state shared between cases in a worker",
    )
    for k in ("temporal", "worker", "api"):
        if k in rss_after:
            rows.append(
                [
                    f"RSS {stack.procs[k].name}",
                    f"{rss_after[k]:.0f} MiB",
                    f"before recompute {rss_before[k]:.0f} MiB, peak {hwm[k]:.0f} MiB",
                ]
            )
    rows.append(
        [
            "database files",
            f"{sum(sizes.values()):.0f} MiB",
            ", ".join(f"{k} {v:.0f}" for k, v in sizes.items()),
        ]
    )
    cpu = {k: cpu1[k] - cpu0[k] for k in cpu1}
    notes = [
        f"board and lists as officer/supervisor of the one agency holding all {total:,} cases "
        f"(worst case); {QUERIES} sequential requests each",
        f"calendar change: {day} made a holiday; CPU during recompute: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in cpu.items()),
    ]
    if done < expected:
        notes.append(f"only {done} of {expected} cases caught up before the timeout")
    return report(
        "scale" if cases == 10_000 else f"scale_{cases}",
        f"4. Scale ({total:,} open cases, {len(real):,} of them real workflows)",
        ["measure", "value", "detail"],
        rows,
        {
            "cases": total,
            "real_workflows": len(real),
            "synthetic_rows": synthetic,
            "board_fragment_ms": [ms(x) for x in board_lat],
            "list_red_ms": [ms(x) for x in red_lat],
            "list_yellow_500_ms": [ms(x) for x in yellow_lat],
            "recompute_s": recompute_s,
            "recomputed": done,
            "cli_s": cli_s,
            "cli_output": cli.stdout[-2000:],
            "rss_mib_before": rss_before,
            "rss_mib_after": rss_after,
            "rss_mib_peak": hwm,
            "cpu_s_recompute": cpu,
            "db_mib": sizes,
        },
        notes,
    )


def _second_worker(stack: Stack) -> Any:
    """A second `gongkai worker` on the same task queue (nothing in a worker is shared between
    cases: the two split the load)."""
    from bench.stack import Proc

    proc = subprocess.Popen(
        [sys.executable, "-m", "console.cli", "worker"],
        env={**stack.env, "GONGKAI_WORKER_METRICS_PORT": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)
    worker = Proc(proc.pid, "second worker")
    worker.popen = proc  # type: ignore[attr-defined]
    return worker


def _stop(worker: Any) -> None:
    worker.popen.terminate()
    try:
        worker.popen.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.popen.kill()


def _moving(stack: Stack, real: list[str]) -> int:
    """Of the running cases, those whose clocks count working days (disclosure requests): the
    change moves each of them (the emergencies of the escalation benchmark run in hours)."""
    n = 0
    with Session(stack.engine) as s:
        for i in range(0, len(real), 500):
            n += s.exec(
                select(func.count()).where(
                    col(CaseRow.case_no).in_(real[i : i + 500]), CaseRow.kind == "disclosure"
                )
            ).one()
    return n


def _caught_up(stack: Stack, since: datetime) -> int:
    with stack.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(DISTINCT case_no) FROM case_event "
                    "WHERE kind = 'deadlines_moved' AND at >= :since"
                ),
                {"since": since},
            ).scalar_one()
        )


def _stale_rungs(stack: Stack, since: datetime) -> int:
    """Escalations recorded during the catch-up (none is due in it: the cases are young)."""
    with stack.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM case_event WHERE kind = 'escalation' AND at >= :since"),
                {"since": since},
            ).scalar_one()
        )


def _hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
