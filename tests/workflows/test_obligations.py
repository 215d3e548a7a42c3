"""The agency's recurring duties under time skipping: every duty of the rule pack has a clock
per period; recording it (dated, with evidence) stops that period's clock; a period that ends
without it escalates with an urging notice; the plan closes with the year."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from temporalio.client import WorkflowHandle

from rules.calendar import SHANGHAI
from schemas import obligations as o
from store.calendar import load_calendar
from tests.fixtures.scenario import YEAR
from tests.workflows.helpers import AGENCY, OFFICER, CaseEnv, act, rejected
from workflows.obligations import ObligationPlanWorkflow as W


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime.combine(date(YEAR, month, day), time(hour), tzinfo=SHANGHAI)


async def start_plan(ce: CaseEnv) -> WorkflowHandle[o.PlanView, o.PlanView]:
    await ce.skip_to(at(1, 2))
    inp = o.PlanInput(
        case_no=f"CG-{YEAR}-{uuid.uuid4().hex[:8].upper()}",
        agency=AGENCY,
        officer=OFFICER,
        year=YEAR,
        started_at=await ce.now(),
    )
    handle = await ce.client.start_workflow(W.run, inp, id=inp.case_no, task_queue=ce.tq)
    for _ in range(200):
        if (await handle.query(W.view)).readings:
            return handle
    raise AssertionError("not started")


async def test_each_duty_escalates_when_missed_and_is_satisfied_by_its_event(
    case_env: CaseEnv,
) -> None:
    handle = await start_plan(case_env)
    v = await handle.query(W.view)
    clocks = {p.clock for p in v.periods}
    assert {"annual_report:Y", "press_conference:Q1", "key_tasks:Q4", "open_day:Y"} <= clocks
    cal = load_calendar(case_env.engine)

    def due(day: date) -> date:  # a period ending on a rest day ends on the next working day
        return cal.next_working_day_on_or_after(day)[0]

    assert v.readings["annual_report:Y"].due_date == due(date(YEAR, 1, 31))
    assert v.readings["open_day:Y"].due_date == due(date(YEAR, 5, 31))
    assert v.readings["press_conference:Q1"].due_date == due(date(YEAR, 3, 31))
    assert v.due_at is not None
    assert v.due_at.astimezone(SHANGHAI).date() == due(date(YEAR, 1, 31))

    await rejected(
        case_env,
        handle,
        W.record_duty,
        o.RecordDuty(actor=OFFICER, duty="tea_party"),
        "没有这项常规工作",
    )
    await case_env.skip_to(at(1, 20))
    await act(
        handle,
        W.record_duty,
        o.RecordDuty(actor=OFFICER, duty="annual_report", evidence="https://example.gov.cn/nb"),
    )
    await case_env.skip_to(at(3, 10))
    await act(
        handle,
        W.record_duty,
        o.RecordDuty(actor=OFFICER, duty="press_conference", summary="一季度新闻发布会"),
    )
    await case_env.skip_to(  # the first quarter is over
        datetime.combine(due(date(YEAR, 3, 31)) + timedelta(days=1), time(12), tzinfo=SHANGHAI)
    )
    v = await handle.query(W.view)
    fired = {(r.clock, r.rung) for r in v.fired}
    assert ("key_tasks:Q1", "overdue") in fired and ("key_tasks:Q1", "reminder") in fired
    assert not {c for c, _ in fired} & {"annual_report:Y", "press_conference:Q1"}
    assert v.light.value == "red" and "urging_notice" in [d.name for d in v.documents]
    done = {p.clock: p for p in v.periods}
    assert done["annual_report:Y"].evidence == "https://example.gov.cn/nb"
    assert done["press_conference:Q1"].done_at is not None
    assert v.readings["press_conference:Q1"].stop_reason == "已完成"

    await case_env.skip_to(datetime.combine(date(YEAR + 1, 1, 1), time(12), tzinfo=SHANGHAI))
    result = await handle.result()
    assert result.status is o.PlanStatus.COMPLETED
    assert result.events[-1].kind == "year_closed" and "未完成" in result.events[-1].summary
    await case_env.record(handle, "obligations-year")
