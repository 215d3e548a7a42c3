"""Calendar changes reach running cases (DESIGN.md §3): importing next year's State Council notice
with `gongkai calendar import` recomputes every open case whose clocks touch that year; each
records old → new due dates and the reason in its history and tells its officer; the command
shows progress and a summary of the deadlines that moved. Cases whose clocks end before that
year are not touched."""

from __future__ import annotations

import asyncio
import os
import sys
import tomllib
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from rules.calendar import SHANGHAI, local_date
from schemas.deadlines import CalendarChange
from store.calendar import load_calendar
from store.db import make_engine, migrate
from store.models import CaseEventRow, OutboxRow
from tests.conftest import TEST_KEY, start_dev_server
from tests.fixtures.scenario import YEAR, example_notice
from tests.workflows.helpers import case_input, worker
from workflows.broadcast import recalculate_open_cases
from workflows.disclosure import DisclosureRequestWorkflow as W

pytestmark = pytest.mark.integration


def _notice_toml(path: Path) -> Path:
    notice = example_notice(YEAR)
    lines = [f"year = {notice.year}", f'source = "{notice.source}"', ""]
    for h in notice.holidays:
        lines += ["[[holidays]]", f'name = "{h.name}"', f"from = {h.from_}", f"to = {h.to}", ""]
    # A day only the notice can bring (a bridging day off): the statutory days themselves
    # (元旦 on 1 January) are already counted in the provisional year (Decree 795, LAW.md §6B).
    bridge = date(YEAR, 1, 4)
    lines += ["[[holidays]]", 'name = "元旦（调休）"', f"from = {bridge}", f"to = {bridge}", ""]
    for w in notice.workdays:
        lines += ["[[workdays]]", f"date = {w.date}", f'name = "{w.name}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # well-formed before the CLI reads it
    return path


@pytest_asyncio.fixture(scope="module")
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of its own: a calendar change speaks to every running case on the server."""
    env = await start_dev_server()
    yield env
    await env.shutdown()


async def test_importing_a_notice_moves_open_deadlines_and_says_why(
    own_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    env = own_env
    db_url = f"sqlite:///{tmp_path / 'cal.db'}"
    engine = make_engine(db_url)
    migrate(engine)
    tq = f"cal-{uuid.uuid4()}"
    old = load_calendar(engine)
    # Two cases received in mid-December: their 20 working days cross New Year of YEAR, which
    # is provisional (weekends only) until the notice arrives. One case from March of the year
    # before YEAR ends long before it and must not be touched.
    crossing = [datetime(YEAR - 1, 12, d, 10, tzinfo=SHANGHAI) for d in (14, 15)]
    earlier = datetime(YEAR - 1, 3, 2, 10, tzinfo=SHANGHAI)
    try:
        async with worker(env, engine, tq):
            handles = []
            for received in [*crossing, earlier]:
                inp = case_input(received)
                handles.append(
                    await env.client.start_workflow(W.run, inp, id=inp.case_no, task_queue=tq)
                )
            before = []
            for h in handles:
                for _ in range(100):
                    v = await h.query(W.view)
                    if v.readings.get("reply") and v.readings["reply"].due_date:
                        break
                    await asyncio.sleep(0.1)
                before.append(v.readings["reply"].due_date)
            assert before[0] is not None and before[0].year == YEAR  # crosses New Year
            notice = _notice_toml(tmp_path / f"notice-{YEAR}.toml")
            # The worker runs in this event loop: the CLI must not block it.
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "console.cli",
                "calendar",
                "import",
                str(notice),
                env={
                    **os.environ,
                    "GONGKAI_DATABASE_URL": db_url,
                    "GONGKAI_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
                    "GONGKAI_CODEC_KEYS": TEST_KEY,
                    "COLUMNS": "160",
                },
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            raw_out, raw_err = await asyncio.wait_for(proc.communicate(), 120)
            stdout, stderr = raw_out.decode(), raw_err.decode()
            assert proc.returncode == 0, stdout + stderr
            new = load_calendar(engine)
            assert new.year_status(YEAR).value == "official"
            assert "recomputing open deadlines" in stdout
            assert "2 open cases recomputed; 2 had deadlines moved" in stdout, stdout
            for h, received, was in zip(handles[:2], crossing, before[:2], strict=True):
                t0 = old.nth_working_day(local_date(received), 1).end  # in-person: next day
                assert was == old.nth_working_day(local_date(received), 20).end
                expected = new.nth_working_day(local_date(received), 20).end
                assert expected > was  # 4 January is no longer a working day
                v = await h.query(W.view)
                assert v.readings["reply"].due_date == expected
                assert not v.readings["reply"].provisional
                (moved,) = [e for e in v.events if e.kind == "deadlines_moved"]
                assert f"导入{YEAR}年节假日安排" in moved.summary
                assert f"由{was}调整为{expected}" in moved.summary
                assert moved.data["moved"][0]["clock"] == "reply"
                assert h.id in stdout and str(expected) in stdout
                assert t0 <= was
            untouched = await handles[2].query(W.view)
            assert not [e for e in untouched.events if e.kind == "deadlines_moved"]
            assert untouched.readings["reply"].due_date == before[2]
            # The history is in the read model (projected before each case answered), and each
            # officer was told once.
            with Session(engine) as db:
                events = db.exec(
                    select(CaseEventRow).where(CaseEventRow.kind == "deadlines_moved")
                ).all()
                told = db.exec(
                    select(OutboxRow).where(col(OutboxRow.key).endswith(":deadlines_moved"))
                ).all()
            assert sorted(e.case_no for e in events) == sorted(h.id for h in handles[:2])
            assert sorted(o.case_no for o in told) == sorted(h.id for h in handles[:2])
            assert all(o.recipient_role == "officer" for o in told)
            for h in handles:
                await h.terminate("test done")
    finally:
        engine.dispose()


async def test_a_case_that_cannot_answer_is_reported_and_the_others_go_on(
    own_env: WorkflowEnvironment,
) -> None:
    """No worker serves this case (as when every worker is down): the recalculation reports it
    and finishes instead of failing."""
    inp = case_input(datetime(YEAR - 1, 12, 14, 10, tzinfo=SHANGHAI))
    handle = await own_env.client.start_workflow(
        W.run, inp, id=inp.case_no, task_queue=f"nobody-{uuid.uuid4()}"
    )
    try:
        # Visibility is eventually consistent: the case is listed once the server indexed it.
        query = f'WorkflowId = "{handle.id}"'
        for _ in range(100):
            if (await own_env.client.count_workflows(query)).count:
                break
            await asyncio.sleep(0.1)
        change = CalendarChange(reason="测试", years=[YEAR])
        result = await recalculate_open_cases(own_env.client, change, answer_within=1)
        assert result.told == 0 and result.moved == []
        assert [(wf, why) for wf, why in result.failed] == [(handle.id, "no answer within 1 s")]
    finally:
        await handle.terminate("test done")
