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


async def start_plan(
    ce: CaseEnv, competent_department: bool = False
) -> WorkflowHandle[o.PlanView, o.PlanView]:
    await ce.skip_to(at(1, 2))
    inp = o.PlanInput(
        case_no=f"CG-{YEAR}-{uuid.uuid4().hex[:8].upper()}",
        agency=AGENCY,
        officer=OFFICER,
        year=YEAR,
        started_at=await ce.now(),
        competent_department=competent_department,
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

    def due(day: date) -> date:  # a fixed date is that date (LAW.md §6B)
        return day

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
    assert not any("reminder" in e.summary for e in result.events)  # said in Chinese
    assert any("到期提醒" in e.summary for e in result.events)
    await case_env.record(handle, "obligations-year-fixed-dates-g2026-12-07")


async def test_art49_fixed_dates_are_never_rolled_like_periods(case_env: CaseEnv) -> None:
    """ "每年1月31日前" is 31 January even on a Sunday (2027; it showed 1 February), "每年5月份"
    ends on 31 May, a quarter on its last day, the year on 31 December: fixed dates, never
    moved by the roll-over of periods counted in days (民法典 Art. 203 is about periods)."""
    handle = await start_plan(case_env, competent_department=True)
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    fixed = {
        "annual_report:Y": date(YEAR, 1, 31),
        "government_report:Y": date(YEAR, 3, 31),  # Art. 49 para 2: the government's report
        "open_day:Y": date(YEAR, 5, 31),
        "press_conference:Q1": date(YEAR, 3, 31),
        "press_conference:Q2": date(YEAR, 6, 30),
        "key_tasks:Q3": date(YEAR, 9, 30),
        "leadership_hearing:Y": date(YEAR, 12, 31),
        "year": date(YEAR, 12, 31),
    }
    for clock, day in fixed.items():
        reading = v.readings[clock]
        assert reading.due_date == day, (clock, reading.due_date)
        assert not reading.explanation.rolled_over and "不顺延" in reading.explanation.lines[0]
    # The scenario has fixed dates on rest days, which a period would have rolled.
    assert any(not cal.is_working_day(day) for day in fixed.values())
    await handle.terminate("test done")


async def test_seed004_art49_a_duty_is_met_only_by_a_fact_inside_its_period(
    case_env: CaseEnv,
) -> None:
    """A May open day recorded in March is refused with the period named; a yearly duty of
    three invitations is met by the third."""
    handle = await start_plan(case_env)
    await case_env.skip_to(at(3, 10))
    message = await rejected(
        case_env,
        handle,
        W.record_duty,
        o.RecordDuty(actor=OFFICER, duty="open_day", summary="政府开放日"),
        f"{YEAR}年5月",
    )
    assert "举办政府开放日活动" in message and f"{YEAR}-03-10" in message
    for n in range(1, 4):
        await act(
            handle,
            W.record_duty,
            o.RecordDuty(actor=OFFICER, duty="meeting_invitations", summary=f"第{n}次常务会议"),
        )
        v = await handle.query(W.view)
        period = next(p for p in v.periods if p.clock == "meeting_invitations:Y")
        assert period.count == n and (period.done_at is not None) == (n == 3)
    assert "第2次，每期至少3次" in v.events[-2].summary
    await case_env.skip_to(at(5, 12))
    await act(handle, W.record_duty, o.RecordDuty(actor=OFFICER, duty="open_day"))
    v = await handle.query(W.view)
    assert next(p for p in v.periods if p.clock == "open_day:Y").done_at is not None
    # The seeds' duties are all there; the government-wide report only for its department.
    duties = {p.duty for p in v.periods}
    assert {"leader_press_conference", "department_online_interview"} <= duties
    assert "government_report" not in duties
    await handle.terminate("test done")
