"""Quarterly press conferences (国办发〔2013〕100号, LAW.md §3 C4) under time skipping."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from rules.calendar import SHANGHAI
from schemas import emergency as e
from tests.workflows.helpers import AGENCY, OFFICER, CaseEnv, act
from workflows.press_plan import PressConferencePlanWorkflow as W


async def test_100hao_a_quarter_without_a_press_conference_escalates(case_env: CaseEnv) -> None:
    await case_env.skip_to(datetime(2027, 1, 5, 9, tzinfo=SHANGHAI))
    inp = e.PressPlanInput(
        case_no=f"XW-2027-{uuid.uuid4().hex[:6]}",
        agency=AGENCY,
        officer=OFFICER,
        year=2027,
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
    assert v.readings["conference"].due_date == datetime(2027, 3, 31).date()
    # Q1 passes without a press conference: the head is told and an urging notice issued.
    await case_env.skip_to(datetime(2027, 4, 1, 9, tzinfo=SHANGHAI))
    v = await handle.query(W.view)
    assert [(r.clock, r.rung) for r in v.fired] == [("conference", "overdue")]
    assert "urging_notice" in [d.name for d in v.documents]
    assert v.quarter == 2 and v.readings["conference"].due_date == datetime(2027, 6, 30).date()
    # Q2: one held in April, so the quarter ends quietly.
    await case_env.skip_to(datetime(2027, 4, 20, 15, tzinfo=SHANGHAI))
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
    await case_env.skip_to(datetime(2027, 7, 1, 9, tzinfo=SHANGHAI))
    v = await handle.query(W.view)
    assert len(v.fired) == 1 and v.quarter == 3 and v.held == {2: 1}
    assert v.readings["conference"].due_date == datetime(2027, 9, 30).date()
    await case_env.skip_to(datetime(2027, 10, 1, 9, tzinfo=SHANGHAI) + timedelta(days=10))
    v = await handle.query(W.view)
    assert v.quarter == 4 and [r.rung for r in v.fired] == ["overdue", "overdue"]
    await handle.terminate("test done")
