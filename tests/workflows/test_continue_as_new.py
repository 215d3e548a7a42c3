"""A case that lives long or is flooded with actions continues as new before its history grows
large (DESIGN.md §5; review finding 3: 27 huge notes once pushed a history past Temporal's limit
and the server terminated the case). The state travels along: clocks, escalations already fired,
documents, the event sequence; the next run goes on as if nothing happened."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session, col, select

from schemas import disclosure as s
from store.models import CaseEventRow
from tests.fixtures.scenario import YEAR, at
from tests.workflows.helpers import OFFICER, CaseEnv, act, case_input, to_assigned, view
from workflows.disclosure import DisclosureRequestWorkflow as W


async def test_a_flooded_case_continues_as_new_and_loses_nothing(case_env: CaseEnv) -> None:
    await case_env.skip_to(at(YEAR, 3, 2))
    inp = case_input(await case_env.now()).model_copy(update={"max_history_events": 120})
    handle = await case_env.client.start_workflow(
        W.run, inp, id=inp.case_no, task_queue=case_env.tq
    )
    first = await view(handle)
    first_run = (await handle.describe()).run_id
    await to_assigned(handle)
    runs = {first_run}
    for n in range(40):
        await act(handle, W.add_note, s.AddNote(actor=OFFICER, text=f"第{n + 1}次电话催办业务处室"))
        runs.add((await case_env.client.get_workflow_handle(inp.case_no).describe()).run_id)
    assert len(runs) >= 2  # continued as new at least once
    v = await case_env.client.get_workflow_handle(inp.case_no).query(W.view)
    assert v.status is s.Status.ASSIGNED and v.t0 == first.t0
    assert v.readings["reply"].due_date == first.readings["reply"].due_date
    assert [d.name for d in v.documents] == ["receipt"]
    assert v.events[-1].seq == 3 + 40 + 1 and v.events[-1].summary == "第40次电话催办业务处室"
    # The read model has every event once, in order, across the runs: these notes were sent
    # straight to the workflow (no API wrote their answers), so the case caught them up itself
    # (ANSWER_FIRST), in the run that answered them or the next.
    seqs: list[int] = []
    for _ in range(100):
        with Session(case_env.engine) as db:
            seqs = list(
                db.exec(
                    select(CaseEventRow.seq)
                    .where(CaseEventRow.case_no == inp.case_no)
                    .order_by(col(CaseEventRow.seq))
                ).all()
            )
        if len(seqs) >= v.events[-1].seq:
            break
        await asyncio.sleep(0.1)
    assert seqs == list(range(1, v.events[-1].seq + 1))
    # The clocks go on in the new run: the reply falls overdue once, not once per run.
    due = v.readings["reply"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=2))
    v = await case_env.client.get_workflow_handle(inp.case_no).query(W.view)
    assert [r.rung for r in v.fired].count("overdue") == 1
    assert [r.rung for r in v.fired].count("amber") == 1
    first_handle = case_env.client.get_workflow_handle(inp.case_no, run_id=first_run)
    await case_env.record(first_handle, "disclosure-flooded-first-run")
    await case_env.record(
        case_env.client.get_workflow_handle(inp.case_no), "disclosure-flooded-continued"
    )
    await case_env.client.get_workflow_handle(inp.case_no).terminate("test done")
