"""Quarterly press conferences (国办发〔2013〕100号, LAW.md §3 C4) under time skipping."""

from __future__ import annotations

import uuid
from datetime import date

from schemas import emergency as e
from tests.fixtures.scenario import YEAR, at
from tests.workflows.helpers import AGENCY, OFFICER, CaseEnv, act
from workflows.press_plan import PressConferencePlanWorkflow as W


async def test_100hao_a_quarter_without_a_press_conference_escalates(case_env: CaseEnv) -> None:
    await case_env.skip_to(at(YEAR, 1, 5, 9))

    def quarter_end(month: int, day: int) -> date:  # a fixed date (LAW.md §6B): never rolled
        return date(YEAR, month, day)

    inp = e.PressPlanInput(
        case_no=f"XW-{YEAR}-{uuid.uuid4().hex[:6]}",
        agency=AGENCY,
        officer=OFFICER,
        year=YEAR,
        started_at=await case_env.now(),
    )
    handle = await case_env.client.start_workflow(
        W.run, inp, id=inp.case_no, task_queue=case_env.tq
    )
    for _ in range(200):
        v = await handle.query(W.view)
        if v.readings:
            break
    assert v.quarter == 1
    assert v.readings["conference"].due_date == quarter_end(3, 31)
    assert v.clocks["conference"].fixed and v.clocks["quarter"].fixed
    # Q1 passes without a press conference: the head is told and an urging notice issued.
    await case_env.skip_to(at(YEAR, 4, 12, 9))
    v = await handle.query(W.view)
    assert [(r.clock, r.rung) for r in v.fired] == [("conference", "overdue")]
    assert "urging_notice" in [d.name for d in v.documents]
    assert v.quarter == 2 and v.readings["conference"].due_date == quarter_end(6, 30)
    # Q2: one held in April, so the quarter ends quietly.
    await case_env.skip_to(at(YEAR, 4, 20, 15))
    await act(
        handle,
        W.record_press_conference,
        e.RecordPressConference(
            actor=OFFICER,
            held_on=await case_env.now(),
            topic="一季度经济运行",
            speaker="新闻发言人",
        ),
    )
    await case_env.skip_to(at(YEAR, 7, 12, 9))
    v = await handle.query(W.view)
    assert len(v.fired) == 1 and v.quarter == 3 and v.held == {2: 1}
    assert v.readings["conference"].due_date == quarter_end(9, 30)
    await case_env.skip_to(at(YEAR, 10, 20, 9))
    v = await handle.query(W.view)
    assert v.quarter == 4 and [r.rung for r in v.fired] == ["overdue", "overdue"]
    await case_env.record(handle, "press-plan-quarters-fixed-g2026-12-07")
    await handle.terminate("test done")
