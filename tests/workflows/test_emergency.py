"""Emergency releases (LAW.md §3) under time skipping: hours run 24×7 across holidays; the
5-hour release missed (escalation at 60 %, 80 %, overdue) and met; 24-hour press conference;
48-hour response for other concerns; follow-up cadence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from schemas import emergency as e
from tests.fixtures.scenario import YEAR, at
from tests.workflows.helpers import OFFICER, SUPERVISOR, CaseEnv, act, emergency_input
from workflows.emergency import EmergencyReleaseWorkflow as W

# 22:00 on New Year's Eve: the clock ignores the holiday and the night.
NIGHT = at(YEAR - 1, 12, 31, 22)


async def _start(ce: CaseEnv, grade: e.Grade):  # type: ignore[no-untyped-def]
    await ce.skip_to(NIGHT)
    now = await ce.now()
    inp = emergency_input(now, grade)
    handle = await ce.client.start_workflow(W.run, inp, id=inp.case_no, task_queue=ce.tq)
    for _ in range(200):
        v = await handle.query(W.view)
        if v.readings:
            return handle, v, now
    raise AssertionError("no deadline")


async def test_80hao_five_hour_release_missed_escalates_at_fractions(case_env: CaseEnv) -> None:
    handle, v, t = await _start(case_env, e.Grade.MAJOR)
    assert v.readings["authoritative_release"].due_at == t + timedelta(hours=5)
    assert v.readings["press_conference"].due_at == t + timedelta(hours=24)
    await case_env.skip_to(t + timedelta(hours=3, minutes=5))  # 60 % of 5 h = 3 h
    v = await handle.query(W.view)
    assert [(r.clock, r.rung) for r in v.fired] == [("authoritative_release", "on_duty")]
    assert v.light.value == "yellow"
    await case_env.skip_to(t + timedelta(hours=4, minutes=5))  # 80 % = 4 h
    v = await handle.query(W.view)
    assert ("authoritative_release", "leadership") in [(r.clock, r.rung) for r in v.fired]
    await case_env.skip_to(t + timedelta(hours=5, minutes=1))
    v = await handle.query(W.view)
    fired = {(r.clock, r.rung): r.fired_at for r in v.fired}
    assert ("authoritative_release", "overdue") in fired
    assert fired[("authoritative_release", "overdue")] - t < timedelta(hours=5, minutes=1)
    assert "urging_notice" in [doc.name for doc in v.documents]
    assert v.light.value == "red"
    await case_env.record(handle, "emergency-release-missed")
    await handle.terminate("test done")


async def test_61hao_release_met_and_press_conference_within_24_hours(case_env: CaseEnv) -> None:
    handle, _, t = await _start(case_env, e.Grade.ESPECIALLY_MAJOR)
    await case_env.skip_to(t + timedelta(hours=2))
    with pytest.raises(WorkflowUpdateFailedError):
        await act(
            handle,
            W.submit_draft,
            e.SubmitDraft(actor=OFFICER, kind=e.ReleaseKind.FOLLOW_UP, text="进展"),
        )
    await act(
        handle,
        W.submit_draft,
        e.SubmitDraft(
            actor=OFFICER,
            kind=e.ReleaseKind.AUTHORITATIVE,
            text="12月31日21时许，某化工园区发生火灾……",
        ),
    )
    with pytest.raises(WorkflowUpdateFailedError):  # 谁发布谁审查: officers cannot publish
        await act(handle, W.approve_release, e.ApproveRelease(actor=OFFICER, approve=True))
    await act(handle, W.approve_release, e.ApproveRelease(actor=SUPERVISOR, approve=True))
    v = await handle.query(W.view)
    assert v.status is e.EmergencyStatus.RELEASED and len(v.releases) == 1
    assert v.clocks["authoritative_release"].stopped_at is not None
    assert not [r for r in v.fired if r.clock == "authoritative_release"]  # met in time
    assert v.readings["follow_up"].due_at is not None  # cadence started
    await case_env.skip_to(t + timedelta(hours=10))
    await act(
        handle,
        W.hold_press_conference,
        e.HoldPressConference(actor=OFFICER, place="市政府新闻发布厅", speaker="副市长"),
    )
    v = await handle.query(W.view)
    assert v.clocks["press_conference"].stopped_at is not None
    # A follow-up is due every 24 h: missed → reminder; a correction of false rumours is a release.
    await case_env.skip_to(t + timedelta(hours=2 + 24, minutes=30))
    v = await handle.query(W.view)
    assert ("follow_up", "overdue") in [(r.clock, r.rung) for r in v.fired]
    await act(
        handle,
        W.submit_draft,
        e.SubmitDraft(actor=OFFICER, kind=e.ReleaseKind.CORRECTION, text="网传“多人死亡”不实"),
    )
    await act(handle, W.approve_release, e.ApproveRelease(actor=SUPERVISOR, approve=True))
    await act(handle, W.close, e.CloseEmergency(actor=SUPERVISOR, reason="处置完毕"))
    result = await handle.result()
    await case_env.record(handle, "emergency-release-met")
    assert [r.kind for r in result.releases] == [
        e.ReleaseKind.AUTHORITATIVE,
        e.ReleaseKind.CORRECTION,
    ]


async def test_61hao_other_concerns_answered_within_48_hours(case_env: CaseEnv) -> None:
    handle, v, t = await _start(case_env, e.Grade.PUBLIC_CONCERN)
    assert set(v.readings) == {"response"}
    assert v.readings["response"].due_at == t + timedelta(hours=48)
    await case_env.skip_to(t + timedelta(hours=48, minutes=1))
    v = await handle.query(W.view)
    assert [r.rung for r in v.fired] == ["on_duty", "leadership", "overdue"]
    await handle.terminate("test done")


async def _release_authoritative(handle):  # type: ignore[no-untyped-def]
    await act(
        handle,
        W.submit_draft,
        e.SubmitDraft(actor=OFFICER, kind=e.ReleaseKind.AUTHORITATIVE, text="权威信息……"),
    )
    await act(handle, W.approve_release, e.ApproveRelease(actor=SUPERVISOR, approve=True))


async def test_61hao_major_event_is_not_closed_without_its_press_conference(
    case_env: CaseEnv,
) -> None:
    handle, _, t = await _start(case_env, e.Grade.MAJOR)
    await _release_authoritative(handle)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await act(handle, W.close, e.CloseEmergency(actor=SUPERVISOR, reason="处置完毕"))
    assert "新闻发布会" in str(info.value.cause)
    # Held, dated when it was held (typed in later).
    await case_env.skip_to(t + timedelta(hours=12))
    held = t + timedelta(hours=9)
    await act(
        handle,
        W.hold_press_conference,
        e.HoldPressConference(
            actor=OFFICER, place="市政府新闻发布厅", speaker="副市长", occurred_at=held
        ),
    )
    v = await handle.query(W.view)
    assert v.press_conference_at == held
    assert v.clocks["press_conference"].stopped_at == held
    await act(handle, W.close, e.CloseEmergency(actor=SUPERVISOR, reason="处置完毕"))


async def test_61hao_closing_without_a_press_conference_needs_the_supervisors_reason(
    case_env: CaseEnv,
) -> None:
    handle, _, _ = await _start(case_env, e.Grade.ESPECIALLY_MAJOR)
    await _release_authoritative(handle)
    await act(
        handle,
        W.close,
        e.CloseEmergency(
            actor=SUPERVISOR,
            reason="处置完毕",
            no_press_conference_reason="经核实为误报，已发布澄清，无需召开发布会",
        ),
    )
    result = await handle.result()
    assert "误报" in result.events[-1].summary
