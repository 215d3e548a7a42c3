"""Online inquiries (LAW.md §4) under time skipping: yellow after 10 WD and red after 20 WD
across the Spring Festival (the example notice of tests/fixtures/scenario.py), urging notice,
transfers with their own clock, conversion into a disclosure case."""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.calendar import SHANGHAI, local_date
from schemas import disclosure as d
from schemas import inquiry as q
from store.calendar import load_calendar
from tests.fixtures.scenario import YEAR, at, spring_festival
from tests.workflows.helpers import OFFICER, CaseEnv, act, inquiry_input
from workflows.disclosure import DisclosureRequestWorkflow
from workflows.inquiry import InquiryWorkflow as W

LATE_JANUARY = at(YEAR, 1, 25)


async def _start(ce: CaseEnv, when: datetime = LATE_JANUARY, **kw):  # type: ignore[no-untyped-def]
    await ce.skip_to(when)
    inp = inquiry_input(await ce.now(), **kw)
    handle = await ce.client.start_workflow(W.run, inp, id=inp.case_no, task_queue=ce.tq)
    for _ in range(200):
        v = await handle.query(W.view)
        if v.readings:
            return handle, v
    raise AssertionError("no deadline")


def _midnight(day) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


async def test_zhaoqing_yellow_after_10_and_red_after_20_working_days(case_env: CaseEnv) -> None:
    handle, v = await _start(case_env)
    cal = load_calendar(case_env.engine)
    t0 = local_date(LATE_JANUARY)
    due = cal.nth_working_day(t0, 10).end
    assert v.readings["reply"].due_date == due
    await case_env.skip_to(_midnight(due) + timedelta(days=1, hours=1))
    v = await handle.query(W.view)
    assert v.light.value == "yellow" and [r.rung for r in v.fired] == ["yellow"]
    # Red only when more than 20 WD have passed unanswered: from 00:00 of the 21st.
    twentieth = cal.nth_working_day(due, 10).end
    assert cal.working_days_between(t0, twentieth) == 20
    red_day = cal.nth_working_day(due, 11).end
    assert red_day > spring_festival()[1]  # the red light comes after the holiday week
    await case_env.skip_to(_midnight(twentieth) + timedelta(hours=23))
    assert (await handle.query(W.view)).light.value == "yellow"  # the 20th day is not over
    await case_env.skip_to(_midnight(red_day) + timedelta(hours=1))
    v = await handle.query(W.view)
    assert v.light.value == "red" and [r.rung for r in v.fired] == ["yellow", "red"]
    assert "urging_notice" in [doc.name for doc in v.documents]  # to the late unit
    await act(handle, W.answer, q.Answer(actor=OFFICER, text="已列入今年修缮计划，预计三月完工。"))
    v = await handle.query(W.view)
    assert v.status is q.InquiryStatus.ANSWERED and v.light.value == "green"
    await act(handle, W.close, q.Close(actor=OFFICER))
    assert (await handle.result()).status is q.InquiryStatus.CLOSED
    await case_env.record(handle, "inquiry-yellow-red-answered")


async def test_suggestions_get_7_or_15_working_days(case_env: CaseEnv) -> None:
    cal = load_calendar(case_env.engine)
    for category, n in (
        (q.InquiryCategory.SUGGESTION, 7),
        (q.InquiryCategory.SUGGESTION_COMPLEX, 15),
        (q.InquiryCategory.ERROR_REPORT, 3),
    ):
        handle, v = await _start(case_env, category=category)
        t0 = local_date(await case_env.now())
        assert v.readings["reply"].due_date == cal.nth_working_day(t0, n).end
        await handle.terminate("test done")


async def test_transfer_starts_the_receiving_units_clock(case_env: CaseEnv) -> None:
    handle, v = await _start(case_env)
    cal = load_calendar(case_env.engine)
    await case_env.skip_to(LATE_JANUARY + timedelta(days=8))
    moved = local_date(await case_env.now())
    await act(
        handle,
        W.transfer,
        q.Transfer(actor=OFFICER, to_unit="某区住房和城乡建设局", reason="道路属小区内部道路"),
    )
    v = await handle.query(W.view)
    assert v.unit == "某区住房和城乡建设局"
    assert v.transfers[0].from_unit == "市交通运输局"
    assert v.readings["reply"].due_date == cal.nth_working_day(moved, 10).end
    assert v.events[-1].kind == "transferred"
    await act(handle, W.inform_delay, q.InformDelay(actor=OFFICER, text="涉及多个部门，正在会商"))
    await case_env.record(handle, "inquiry-transfer")
    await handle.terminate("test done")


async def test_a_gi_request_in_disguise_becomes_a_disclosure_case(case_env: CaseEnv) -> None:
    from activities.cases import CaseActivities  # noqa: F401  (the activity allocates the number)
    from store.cases import put_agency
    from store.models import Agency
    from tests.workflows.helpers import AGENCY

    put_agency(case_env.engine, Agency(**AGENCY.model_dump(), case_prefix="GK"))
    handle, _ = await _start(case_env)
    await case_env.skip_to(LATE_JANUARY + timedelta(days=2))
    await act(
        handle,
        W.convert_to_disclosure,
        q.ConvertToDisclosure(actor=OFFICER, description="某路段2026年修缮工程招标文件"),
    )
    v = await handle.query(W.view)
    assert v.status is q.InquiryStatus.CONVERTED and v.converted_to
    child = case_env.client.get_workflow_handle(v.converted_to)
    for _ in range(200):
        cv = await child.query(DisclosureRequestWorkflow.view)
        if cv.t0 is not None:
            break
    assert cv.status is d.Status.REGISTERED
    assert cv.t0 == local_date(await case_env.now())  # T0 = the confirmation day
    assert cv.events[0].kind == "received"
    await child.terminate("test done")
    await handle.terminate("test done")


async def test_d4_reprint_within_the_hour_at_most_one_working_day(case_env: CaseEnv) -> None:
    handle, v = await _start(case_env, category=q.InquiryCategory.REPRINT)
    t = v.clocks["reprint_target"].anchor_at  # the message's arrival
    cal = load_calendar(case_env.engine)
    assert v.readings["reprint_target"].due_at == t + timedelta(hours=1)
    assert v.readings["reply"].due_date == cal.nth_working_day(local_date(t), 1).end
    await case_env.skip_to(t + timedelta(hours=1, minutes=5))
    v = await handle.query(W.view)
    assert [(r.clock, r.rung) for r in v.fired] == [("reprint_target", "overdue")]
    await act(handle, W.answer, q.Answer(actor=OFFICER, text="已转载至本网站政策文件栏目"))
    assert (await handle.query(W.view)).light.value == "green"
    await handle.terminate("test done")


async def test_d5_petition_matter_must_be_answered_within_15_days(case_env: CaseEnv) -> None:
    handle, _ = await _start(case_env)
    await act(
        handle,
        W.convert_to_petition,
        q.ConvertToPetition(actor=OFFICER, reason="反映邻里纠纷，属信访事项"),
    )
    v = await handle.query(W.view)
    t = local_date(await case_env.now())
    cal = load_calendar(case_env.engine)
    expected, _ = cal.next_working_day_on_or_after(t + timedelta(days=15))
    assert v.status is q.InquiryStatus.PETITION
    assert v.readings["petition_notice"].due_date == expected  # 信访工作条例 Art. 23
    due = v.readings["petition_notice"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    v = await handle.query(W.view)
    assert ("petition_notice", "overdue") in [(r.clock, r.rung) for r in v.fired]
    assert v.light.value == "red"
    await act(
        handle,
        W.notify_petitioner,
        q.NotifyPetitioner(actor=OFFICER, accepted=True, text="依法受理"),
    )
    await act(handle, W.close, q.Close(actor=OFFICER))
    assert (await handle.result()).status is q.InquiryStatus.CLOSED


async def test_d1_both_lights_turn_at_00_00_of_the_next_working_day_never_on_a_rest_day(
    case_env: CaseEnv,
) -> None:
    """ "超过10个工作日" and "超过20个工作日" are the same words: each light turns at 00:00 of the
    (N+1)-th working day. A reply period ending on a Friday turned yellow on Saturday."""
    cal = load_calendar(case_env.engine)
    friday = local_date(at(YEAR, 3, 5))
    while friday.weekday() != 4 or cal.nth_working_day(friday, 10).end.weekday() != 4:
        friday += timedelta(days=1)
    handle, v = await _start(case_env, _midnight(friday) + timedelta(hours=10))
    assert v.rule_pack == "cn-national-inquiry@2026.2"
    due = v.readings["reply"].due_date
    assert due is not None and due.weekday() == 4
    await case_env.skip_to(_midnight(due) + timedelta(days=1, hours=10))  # Saturday
    v = await handle.query(W.view)
    assert v.light.value == "green" and v.fired == []
    eleventh = cal.nth_working_day(due, 1).end  # the (N+1)-th working day: Monday
    await case_env.skip_to(_midnight(eleventh) + timedelta(minutes=5))
    v = await handle.query(W.view)
    assert v.light.value == "yellow"
    assert local_date(v.fired[0].fired_at) == eleventh
    twenty_first = cal.nth_working_day(due, 11).end
    await case_env.skip_to(_midnight(twenty_first) + timedelta(minutes=5))
    v = await handle.query(W.view)
    assert v.light.value == "red" and local_date(v.fired[-1].fired_at) == twenty_first
    await handle.terminate("test done")
