"""On-request disclosure under time skipping: each row of LAW.md §1.2 (A1–A12) moves virtual time
for real across holidays and make-up days (New Year and the Spring Festival of the example
notice in tests/fixtures/scenario.py) and checks the due dates and what fired."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select
from temporalio.client import WorkflowExecutionStatus

from rules.calendar import SHANGHAI, due_instant, local_date
from rules.outcomes import Outcome, ReplyContent
from schemas import disclosure as s
from schemas.search import GK_LIGHT
from store.calendar import load_calendar
from store.models import CaseEventRow, CaseRow, DocumentRow, OutboxRow
from tests.fixtures.scenario import YEAR, at, spring_festival
from tests.workflows.helpers import (
    GRANTED,
    HEAD,
    OFFICER,
    STRANGER,
    SUPERVISOR,
    CaseEnv,
    act,
    register,
    rejected,
    to_assigned,
    view,
)
from workflows.disclosure import DisclosureRequestWorkflow as W

# Christmas Eve: a 20-WD reply period from here crosses New Year (Jan 1–3 off).
CHRISTMAS_EVE = at(YEAR - 1, 12, 24)
# January 25: a period from here crosses the Spring Festival week and its make-up days.
LATE_JANUARY = at(YEAR, 1, 25)


async def _register(ce: CaseEnv, when: datetime = CHRISTMAS_EVE):  # type: ignore[no-untyped-def]
    return await register(ce, when)


_to_assigned, _rejected = to_assigned, rejected


async def test_art33_reply_due_counts_the_calendar_across_new_year(case_env: CaseEnv) -> None:
    handle, v = await _register(case_env)
    cal = load_calendar(case_env.engine)
    t0 = local_date(await case_env.now())
    reply = v.readings["reply"]
    assert v.status is s.Status.REGISTERED and v.t0 == t0
    assert reply.due_date == cal.nth_working_day(t0, 20).end
    assert any(d.name == "元旦" for d in reply.explanation.skipped)
    assert reply.due_date is not None and reply.due_at == due_instant(reply.due_date)
    assert [d.name for d in v.documents] == ["receipt"]
    await handle.terminate("test done")


async def test_art33_escalation_ladder_fires_each_rung_once(case_env: CaseEnv) -> None:
    handle, v = await _register(case_env)
    cal = load_calendar(case_env.engine)
    t0 = v.t0
    assert t0 is not None
    amber_day = cal.nth_working_day(t0, 15).end
    await case_env.skip_to(
        datetime.combine(amber_day, datetime.min.time(), SHANGHAI) + timedelta(hours=1)
    )
    v = await handle.query(W.view)
    assert [r.rung for r in v.fired if r.clock == "reply"] == ["amber"]
    assert v.light.value == "yellow"
    red_day = cal.nth_working_day(t0, 18).end
    await case_env.skip_to(
        datetime.combine(red_day, datetime.min.time(), SHANGHAI) + timedelta(hours=1)
    )
    v = await handle.query(W.view)
    assert [r.rung for r in v.fired if r.clock == "reply"] == ["amber", "red"]
    assert v.light.value == "red"
    due = v.readings["reply"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=2))
    v = await handle.query(W.view)
    assert [r.rung for r in v.fired if r.clock == "reply"] == ["amber", "red", "overdue"]
    assert "urging_notice" in [d.name for d in v.documents]
    # 10 WD after the due date have passed at the start of the 11th (issue 11, defect 5).
    very = cal.nth_working_day(due.date(), 11).end
    await case_env.skip_to(
        datetime.combine(very, datetime.min.time(), SHANGHAI) + timedelta(hours=1)
    )
    v = await handle.query(W.view)
    reply_rungs = [r for r in v.fired if r.clock == "reply"]
    assert [r.rung for r in reply_rungs] == ["amber", "red", "overdue", "very_overdue"]
    fired_at = {r.rung: local_date(r.fired_at) for r in reply_rungs}
    assert fired_at == {
        "amber": amber_day,
        "red": red_day,
        "overdue": due.date() + timedelta(days=1),
        "very_overdue": very,
    }
    with Session(case_env.engine) as db:
        keys = [o.key for o in db.exec(select(OutboxRow).where(OutboxRow.case_no == handle.id))]
        row = db.get(CaseRow, handle.id)
    assert len(keys) == len(set(keys)) >= 6  # each rung's notifications exactly once
    assert row is not None and row.light == "red"
    assert (await handle.describe()).typed_search_attributes.get(GK_LIGHT) == "red"
    await case_env.record(handle, "disclosure-escalation-ladder")
    await handle.terminate("test done")


async def test_art30_correction_notice_only_within_7_working_days(case_env: CaseEnv) -> None:
    handle, v = await _register(case_env)
    window = v.readings["correction_notice"]
    cal = load_calendar(case_env.engine)
    assert window.due_date == cal.nth_working_day(v.t0, 7).end  # type: ignore[arg-type]
    # day 5: the officer is warned
    day5 = cal.nth_working_day(v.t0, 5).end  # type: ignore[arg-type]
    await case_env.skip_to(
        datetime.combine(day5, datetime.min.time(), SHANGHAI) + timedelta(hours=1)
    )
    assert [r.rung for r in (await handle.query(W.view)).fired] == ["warning"]
    assert window.due_at is not None
    await case_env.skip_to(window.due_at + timedelta(hours=1))
    await _rejected(
        case_env,
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明文件名称"]),
        "7个工作日内",
    )
    await handle.terminate("test done")


async def test_art30_correction_restarts_reply_clock(case_env: CaseEnv) -> None:
    handle, v = await _register(case_env)
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(
            actor=OFFICER, items=["请写明地块名称", "请提供身份证明"], period_working_days=10
        ),
    )
    v = await handle.query(W.view)
    assert v.status is s.Status.AWAITING_CORRECTION
    assert v.readings["reply"].state.value == "paused"
    await _rejected(
        case_env,
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["again"]),
        "待补正",
    )
    await case_env.skip_to(at(YEAR, 1, 4))
    await act(handle, W.submit_correction, s.SubmitCorrection(actor=OFFICER))
    await _rejected(
        case_env,
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["again"]),
        "只能发出一次",
    )
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    assert v.status is s.Status.REGISTERED
    assert v.readings["reply"].due_date == cal.nth_working_day(date(YEAR, 1, 4), 20).end
    assert v.clocks["reply"].restarts[0].reason.startswith("收到补正")
    assert "correction_notice" in [d.name for d in v.documents]
    await case_env.record(handle, "disclosure-correction-restart")
    await handle.terminate("test done")


async def test_art30_no_correction_is_deemed_abandoned(case_env: CaseEnv) -> None:
    handle, _ = await _register(case_env)
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明地块名称"], period_working_days=5),
    )
    v = await handle.query(W.view)
    due = v.readings["correction_period"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    v = await handle.query(W.view)
    assert v.status is s.Status.DEEMED_ABANDONED
    assert v.outcome is Outcome.OTHER_NO_CORRECTION
    await act(handle, W.archive, s.Archive(actor=OFFICER))
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_art33_extension_once_and_before_expiry(case_env: CaseEnv) -> None:
    handle, v = await _register(case_env, LATE_JANUARY)
    await _to_assigned(handle)
    await _rejected(
        case_env,
        handle,
        W.extend,
        s.Extend(actor=OFFICER, working_days=20, reason="检索"),
        "负责人",
    )
    await _rejected(
        case_env,
        handle,
        W.extend,
        s.Extend(actor=SUPERVISOR, working_days=21, reason="检索"),
        "最长不得超过20个工作日",
    )
    original = v.readings["reply"].due_date
    await act(
        handle, W.extend, s.Extend(actor=SUPERVISOR, working_days=20, reason="需跨部门检索档案")
    )
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    assert original is not None
    assert v.readings["reply"].due_date == cal.nth_working_day(original, 20).end
    assert "extension_notice" in [d.name for d in v.documents]
    await _rejected(
        case_env,
        handle,
        W.extend,
        s.Extend(actor=SUPERVISOR, working_days=5, reason="again"),
        "不能再次延长",
    )
    await case_env.record(handle, "disclosure-extension")
    await handle.terminate("test done")


async def test_art33_no_extension_after_expiry(case_env: CaseEnv) -> None:
    handle, v = await _register(case_env)
    due = v.readings["reply"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    await _rejected(
        case_env,
        handle,
        W.extend,
        s.Extend(actor=SUPERVISOR, working_days=20, reason="late"),
        "已届满",
    )
    await handle.terminate("test done")


async def test_art32_third_party_silence_agency_decides_and_time_is_excluded(
    case_env: CaseEnv,
) -> None:
    handle, v = await _register(case_env, LATE_JANUARY)
    await _to_assigned(handle)
    before = (await handle.query(W.view)).readings["reply"].due_date
    await act(
        handle,
        W.start_consultation,
        s.StartConsultation(
            actor=OFFICER,
            kind=s.ConsultKind.THIRD_PARTY,
            party="某房地产开发有限公司",
            matters="涉及该公司商业秘密的规划附图",
        ),
    )
    v = await handle.query(W.view)
    window = v.readings["consultation"]
    cal = load_calendar(case_env.engine)
    sent = local_date(await case_env.now())
    assert window.due_date == cal.nth_working_day(sent, 15).end  # across the Spring Festival
    assert any(d.name == "春节" for d in window.explanation.skipped)
    # The Sunday after the holiday week is a make-up working day of the notice and counts.
    made_up = [d.day for d in window.explanation.makeup_days_counted]
    assert made_up and made_up[0] == spring_festival()[1] + timedelta(days=1)
    assert window.due_at is not None
    await case_env.skip_to(window.due_at + timedelta(hours=1))
    v = await handle.query(W.view)
    assert v.status is s.Status.ASSIGNED
    assert v.events[-1].kind == "consultation_lapsed" and "第三十二条" in v.events[-1].summary
    after = v.readings["reply"].due_date
    assert before is not None and after is not None
    excluded = cal.working_days_between(sent, window.due_date)  # type: ignore[arg-type]
    assert cal.working_days_between(before, after) == excluded
    await case_env.record(handle, "disclosure-third-party-consultation")
    await handle.terminate("test done")


async def test_art34_co_producer_silence_is_deemed_consent(case_env: CaseEnv) -> None:
    handle, _ = await _register(case_env)
    await _to_assigned(handle)
    await act(
        handle,
        W.start_consultation,
        s.StartConsultation(
            actor=OFFICER,
            kind=s.ConsultKind.CO_PRODUCER,
            party="某市住房和城乡建设局",
            matters="联合制发的文件",
        ),
    )
    due = (await handle.query(W.view)).readings["consultation"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    v = await handle.query(W.view)
    assert v.status is s.Status.ASSIGNED and "视为同意公开" in v.events[-1].summary
    await handle.terminate("test done")


async def test_art33_other_agency_consultation_is_chased_and_stays_paused(
    case_env: CaseEnv,
) -> None:
    handle, _ = await _register(case_env)
    await _to_assigned(handle)
    await act(
        handle,
        W.start_consultation,
        s.StartConsultation(
            actor=OFFICER, kind=s.ConsultKind.OTHER_AGENCY, party="某市保密局", matters="是否涉密"
        ),
    )
    due = (await handle.query(W.view)).readings["consultation"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    v = await handle.query(W.view)
    assert v.status is s.Status.CONSULTING and v.readings["reply"].state.value == "paused"
    assert v.events[-1].kind == "consultation_overdue"
    await act(
        handle,
        W.record_consultation_answer,
        s.RecordConsultationAnswer(
            actor=OFFICER, answer=s.ConsultationAnswer.OPINION, reasons="不涉密"
        ),
    )
    assert (await handle.query(W.view)).readings["reply"].state.value == "running"
    await handle.terminate("test done")


async def test_art42_fee_unpaid_stops_processing(case_env: CaseEnv) -> None:
    handle, _ = await _register(case_env)
    await _to_assigned(handle)
    await act(
        handle,
        W.request_fee,
        s.RequestFee(actor=OFFICER, amount_yuan=200, basis="国办函〔2020〕109号第四条，本月第35件"),
    )
    v = await handle.query(W.view)
    assert v.readings["reply"].state.value == "paused"
    due = v.readings["fee"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    v = await handle.query(W.view)
    assert v.status is s.Status.PROCESSING_STOPPED and v.outcome is Outcome.OTHER_FEE_UNPAID
    await handle.terminate("test done")


async def test_art35_excessive_request_gets_a_fixed_reply_date(case_env: CaseEnv) -> None:
    handle, _ = await _register(case_env)
    await _to_assigned(handle)
    await act(
        handle,
        W.request_explanation,
        s.RequestExplanation(actor=OFFICER, reason="一个月内申请120件"),
    )
    await _rejected(
        case_env,
        handle,
        W.record_explanation,
        s.RecordExplanation(
            actor=OFFICER,
            decision=s.ExplanationDecision.REASONABLE,
            fixed_reply_date=date(YEAR, 3, 31),
        ),
        "负责人",
    )
    await act(
        handle,
        W.record_explanation,
        s.RecordExplanation(
            actor=SUPERVISOR,
            decision=s.ExplanationDecision.REASONABLE,
            fixed_reply_date=date(YEAR, 3, 31),
        ),
    )
    v = await handle.query(W.view)
    assert v.readings["reply"].due_date == date(YEAR, 3, 31)
    assert any(f"{YEAR}-03-31" in line for line in v.readings["reply"].explanation.lines)
    await handle.terminate("test done")


async def test_art31_ordinary_mail_must_be_confirmed_the_same_day(case_env: CaseEnv) -> None:
    cal = load_calendar(case_env.engine)
    day, _ = cal.next_working_day_on_or_after(local_date(CHRISTMAS_EVE))  # letters come on workdays
    arrival = at(day.year, day.month, day.day)
    await case_env.skip_to(arrival)
    handle = await case_env.start(channel=s.Channel.ORDINARY_MAIL)
    v = await view(handle)
    assert v.status is s.Status.RECEIVED and v.t0 is None
    assert v.readings["confirmation"].due_date == day
    await case_env.skip_to(arrival + timedelta(days=1))
    v = await handle.query(W.view)
    assert [r.rung for r in v.fired] == ["overdue"] and v.light.value == "red"
    await act(handle, W.confirm_receipt, s.ConfirmReceipt(actor=OFFICER))
    v = await handle.query(W.view)
    assert v.t0 == local_date(await case_env.now()) and v.light.value == "green"
    await handle.terminate("test done")


async def test_art31_online_t0_is_the_confirmation_day(case_env: CaseEnv) -> None:
    await case_env.skip_to(at(YEAR - 1, 12, 31, 16))
    handle = await case_env.start(channel=s.Channel.ONLINE)
    await view(handle)
    await case_env.skip_to(at(YEAR, 1, 4, 9))
    await act(handle, W.confirm_receipt, s.ConfirmReceipt(actor=OFFICER))
    v = await handle.query(W.view)
    assert v.t0 == date(YEAR, 1, 4)
    cal = load_calendar(case_env.engine)
    assert v.readings["reply"].due_date == cal.nth_working_day(v.t0, 20).end
    await handle.terminate("test done")


async def _reply_and_serve(handle, reply: ReplyContent = GRANTED) -> None:  # type: ignore[no-untyped-def]
    await _to_assigned(handle)
    await act(handle, W.submit_for_review, s.SubmitForReview(actor=OFFICER, reply=reply))
    await act(
        handle, W.review, s.Review(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True)
    )
    await act(handle, W.sign_off, s.SignOff(actor=HEAD, approve=True))


async def test_art45_archive_only_after_service_then_remedy_windows_run_out(
    case_env: CaseEnv,
) -> None:
    handle, _ = await _register(case_env)
    await _reply_and_serve(handle)
    await _rejected(case_env, handle, W.archive, s.Archive(actor=OFFICER), "送达前不能归档")
    await act(handle, W.serve, s.Serve(actor=OFFICER, method="邮寄"))
    v = await handle.query(W.view)
    served = v.served_on
    assert served is not None and v.status is s.Status.REMEDY_WINDOW
    cal = load_calendar(case_env.engine)
    recon = v.readings["remedy_reconsideration"].due_date
    raw = served + timedelta(days=60)
    assert recon == cal.next_working_day_on_or_after(raw)[0]  # 行政复议法 Art. 20, rolled
    assert v.readings["remedy_litigation"].explanation.unit.value == "months"
    await act(handle, W.archive, s.Archive(actor=OFFICER))
    with Session(case_env.engine) as db:
        from store.models import ArchiveRow

        row = db.get(ArchiveRow, handle.id)
        docs = db.exec(select(DocumentRow.name).where(DocumentRow.case_no == handle.id)).all()
    assert row is not None and "WORKFLOW_EXECUTION_STARTED" in row.history_json
    assert set(docs) >= {"receipt", "reply"}
    # A11: the case stays on hold until the 6-month litigation window has run out.
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    lit = v.readings["remedy_litigation"].due_at
    assert lit is not None
    await case_env.skip_to(lit + timedelta(days=1))
    result = await handle.result()
    await case_env.record(handle, "disclosure-served-archived-remedy")
    assert result.status is s.Status.ARCHIVED
    assert result.events[-1].kind == "remedy_window_closed"


async def test_actions_from_another_agency_are_refused(case_env: CaseEnv) -> None:
    handle, _ = await _register(case_env)
    await _rejected(case_env, handle, W.accept, s.Accept(actor=STRANGER), "本机关")
    await handle.terminate("test done")


async def test_every_action_is_in_the_case_history_with_its_actor(case_env: CaseEnv) -> None:
    handle, _ = await _register(case_env)
    await _reply_and_serve(handle)
    v = await handle.query(W.view)
    actors = {e.kind: e.actor_id for e in v.events}
    assert actors["accepted"] == OFFICER.id and actors["replied"] == HEAD.id
    with Session(case_env.engine) as db:
        rows = db.exec(select(CaseEventRow).where(CaseEventRow.case_no == handle.id)).all()
    assert [r.seq for r in rows] == [e.seq for e in v.events]
    history = await handle.fetch_history()
    updates = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert len(updates) == 5
    await handle.terminate("test done")


async def test_inactivity_reminds_the_officer_once_per_quiet_spell(case_env: CaseEnv) -> None:
    handle, v = await _register(case_env, LATE_JANUARY)
    await act(handle, W.accept, s.Accept(actor=OFFICER))
    cal = load_calendar(case_env.engine)
    # 5 WD without an action have passed at the start of the 6th working day, not before.
    fifth = cal.nth_working_day(local_date(await case_env.now()), 5).end
    await case_env.skip_to(
        datetime.combine(fifth, datetime.min.time(), SHANGHAI) + timedelta(hours=20)
    )
    v = await handle.query(W.view)
    assert [e.kind for e in v.events].count("inactivity") == 0
    quiet_day = cal.nth_working_day(local_date(await case_env.now()), 1).end
    await case_env.skip_to(
        datetime.combine(quiet_day, datetime.min.time(), SHANGHAI) + timedelta(hours=1)
    )
    v = await handle.query(W.view)
    assert [e.kind for e in v.events].count("inactivity") == 1
    await act(handle, W.add_note, s.AddNote(actor=OFFICER, text="已电话联系业务处室"))
    await case_env.skip_to(
        datetime.combine(quiet_day, datetime.min.time(), SHANGHAI) + timedelta(days=2)
    )
    v = await handle.query(W.view)
    assert [e.kind for e in v.events].count("inactivity") == 1  # the note restarted the spell
    await handle.terminate("test done")


async def test_calendar_change_moves_an_open_reply_deadline(case_env: CaseEnv) -> None:
    from datetime import UTC

    from rules.calendar import DayKind
    from store.calendar import set_day

    handle, v = await _register(case_env)
    before = v.readings["reply"].due_date
    assert before is not None and v.t0 is not None
    closed = load_calendar(case_env.engine).nth_working_day(v.t0, 3).end
    set_day(
        case_env.engine,
        closed,
        DayKind.HOLIDAY,
        source="市政府通告",
        reason="寒潮停工",
        edited_by="admin",
        at=datetime.now(UTC),
    )
    await handle.signal(W.calendar_changed)
    for _ in range(100):
        v = await handle.query(W.view)
        if v.readings["reply"].due_date != before:
            break
    after = v.readings["reply"].due_date
    assert after == load_calendar(case_env.engine).nth_working_day(v.t0, 20).end
    assert after is not None and after > before
    # The history says what moved and why (a signal carries no reason: a generic one).
    (moved,) = [e for e in v.events if e.kind == "deadlines_moved"]
    assert f"答复期限由{before}调整为{after}" in moved.summary
    await case_env.record(handle, "disclosure-calendar-changed")
    await handle.terminate("test done")


async def test_a_calendar_change_carries_the_calendar_the_cases_plan_on(case_env: CaseEnv) -> None:
    """10,000 running cases told of a change do not each read the calendar back: the change
    carries it (store.calendar.calendar_change) and the case plans on that. Shown here by a
    change whose calendar the read model no longer holds: the case follows the change. Two
    changes told at once may arrive in either order: an older one is not planned on."""
    from datetime import UTC

    from sqlmodel import Session, delete, select

    from rules.calendar import DayKind
    from store.calendar import calendar_change, set_day
    from store.models import CalendarDay, OutboxRow

    handle, v = await _register(case_env)
    before = v.readings["reply"].due_date
    assert before is not None and v.t0 is not None
    closed = load_calendar(case_env.engine).nth_working_day(v.t0, 3).end
    now = await case_env.now()
    older = calendar_change(case_env.engine, "CN", "旧通知", [closed.year], "admin", now)

    def close_the_day() -> None:
        set_day(
            case_env.engine,
            closed,
            DayKind.HOLIDAY,
            source="通告",
            reason="停工",
            edited_by="a",
            at=datetime.now(UTC),
        )

    close_the_day()
    change = calendar_change(
        case_env.engine,
        "CN",
        "寒潮停工",
        [closed.year],
        "admin",
        now + timedelta(seconds=1),
        digested=True,  # the officers were told by one digest (store/digest.py)
    )
    assert change.calendar is not None and change.calendar.covers(closed.year, closed.year + 1)
    with Session(case_env.engine) as db:  # the read model no longer says so
        db.exec(delete(CalendarDay).where(CalendarDay.day == closed))  # type: ignore[call-overload]
        db.commit()
    await handle.signal(W.calendar_changed, change)
    for _ in range(100):
        v = await handle.query(W.view)
        if v.readings["reply"].due_date != before:
            break
    after = v.readings["reply"].due_date
    assert after is not None and after > before  # planned on the calendar the change carried
    (moved,) = [e for e in v.events if e.kind == "deadlines_moved"]
    assert "寒潮停工" in moved.summary
    with Session(case_env.engine) as db:  # recorded in the case; no notice of its own
        notices = db.exec(select(OutboxRow.key).where(OutboxRow.case_no == handle.id)).all()
    assert notices and not [k for k in notices if k.endswith(":deadlines_moved")]
    # The older change comes last: its calendar (without the closure) is not planned on; the
    # case reads the current one, which has the closure again.
    close_the_day()
    await handle.signal(W.calendar_changed, older)
    for _ in range(20):
        await asyncio.sleep(0.1)
        v = await handle.query(W.view)
        assert v.readings["reply"].due_date == after
        assert [e.kind for e in v.events].count("deadlines_moved") == 1
    await handle.terminate("test done")


async def test_art33_extension_requested_by_the_officer_and_decided_by_the_supervisor(
    case_env: CaseEnv,
) -> None:
    """The officer asks (with the reason), the supervisor refuses or approves; only an approval
    moves the date and tells the applicant; the approver and the time are in the record. Asked
    during a third-party consultation, the approved date counts as if the pause ended today."""
    handle, v = await _register(case_env, LATE_JANUARY)
    await _to_assigned(handle)
    original = v.readings["reply"].due_date
    ask = s.RequestExtension(actor=OFFICER, working_days=20, reason="需跨部门检索档案")
    await _rejected(
        case_env,
        handle,
        W.decide_extension,
        s.DecideExtension(actor=SUPERVISOR, approve=True),
        "没有等待审批的延期申请",
    )
    await act(handle, W.request_extension, ask)
    v = await handle.query(W.view)
    assert v.extension_request is not None and v.extension_request.by_name == "李经办"
    assert v.readings["reply"].due_date == original  # nothing changes before the approval
    await _rejected(case_env, handle, W.request_extension, ask, "已有延期申请等待审批")
    await _rejected(
        case_env,
        handle,
        W.decide_extension,
        s.DecideExtension(actor=OFFICER, approve=True),
        "负责人",
    )
    await act(
        handle,
        W.decide_extension,
        s.DecideExtension(actor=SUPERVISOR, approve=False, comments="可先答复已检索到的部分"),
    )
    v = await handle.query(W.view)
    assert v.extension_request is None and not v.extended
    assert v.events[-1].kind == "extension_refused" and "王主任不同意" in v.events[-1].summary
    assert "extension_notice" not in [d.name for d in v.documents]

    # Asked again during a consultation (the clock paused), then approved.
    await act(
        handle,
        W.start_consultation,
        s.StartConsultation(
            actor=OFFICER, kind=s.ConsultKind.THIRD_PARTY, party="某公司", matters="商业秘密"
        ),
    )
    await case_env.skip_to(await case_env.now() + timedelta(days=3))
    await act(handle, W.request_extension, ask)
    await act(
        handle,
        W.decide_extension,
        s.DecideExtension(actor=SUPERVISOR, approve=True, comments="同意"),
    )
    v = await handle.query(W.view)
    assert v.extended and v.extension_request is None
    extended = [e for e in v.events if e.kind == "extended"][-1]
    assert extended.actor_name == "王主任" and "需跨部门检索档案" in extended.summary
    assert "extension_notice" in [d.name for d in v.documents]
    cal = load_calendar(case_env.engine)
    paused = v.readings["reply"]
    assert paused.due_date is None and paused.frozen_due_date is not None
    assert original is not None
    # 20 working days more, and the three days of the pause not counted.
    assert paused.frozen_due_date >= cal.nth_working_day(original, 20).end
    with Session(case_env.engine) as db:
        told = db.exec(
            select(OutboxRow).where(
                OutboxRow.case_no == handle.id, col(OutboxRow.subject).contains("延期答复告知书")
            )
        ).all()
    assert len({row.key.split(":")[1] for row in told}) == 1  # told once: on the approval
    await handle.terminate("test done")


async def test_units_acknowledge_return_and_transfer(case_env: CaseEnv) -> None:
    """拟办 to a unit; only that unit (or a supervisor) 签收s or 退回s it; only the GI office
    (no unit) or a supervisor 转办s it; each is an event with who and why."""
    planning = OFFICER.model_copy(update={"id": "qian.plan", "name": "钱规划", "unit": "规划处"})
    finance = OFFICER.model_copy(update={"id": "sun.fin", "name": "孙财务", "unit": "财务处"})
    handle, _ = await _register(case_env, LATE_JANUARY)
    await _to_assigned(handle)  # to 规划处, by the GI office's 李经办
    await _rejected(case_env, handle, W.acknowledge, s.Acknowledge(actor=finance), "只有规划处")
    await _rejected(
        case_env,
        handle,
        W.transfer_unit,
        s.TransferUnit(actor=planning, to_unit="财务处", reason="涉及资金"),
        "由政府信息公开工作机构办理",
    )
    await act(handle, W.acknowledge, s.Acknowledge(actor=planning))
    v = await handle.query(W.view)
    assert v.unit == "规划处" and v.unit_acknowledged
    await _rejected(case_env, handle, W.acknowledge, s.Acknowledge(actor=planning), "已签收")
    await act(
        handle, W.transfer_unit, s.TransferUnit(actor=OFFICER, to_unit="财务处", reason="涉及资金")
    )
    v = await handle.query(W.view)
    assert v.unit == "财务处" and not v.unit_acknowledged
    assert (
        v.events[-1].kind == "unit_transferred" and "由规划处转财务处办理" in v.events[-1].summary
    )
    await act(handle, W.return_to_office, s.ReturnToOffice(actor=finance, reason="不属于本处职责"))
    v = await handle.query(W.view)
    assert v.status is s.Status.ACCEPTED and v.unit == ""
    assert v.events[-1].actor_name == "孙财务" and "不属于本处职责" in v.events[-1].summary
    await act(handle, W.assign, s.Assign(actor=OFFICER, unit="规划处"))
    assert (await handle.query(W.view)).status is s.Status.ASSIGNED
    await handle.terminate("test done")


async def test_art36_6_a_repeat_reply_needs_the_case_the_api_checked(case_env: CaseEnv) -> None:
    """The workflow cannot read the read model: it sends a repeat-request reply only with the
    cited case as the API found it (same agency, answered, same applicant), never on a number
    alone."""
    handle, _ = await _register(case_env)
    await _to_assigned(handle)
    repeat = ReplyContent(
        outcome=Outcome.NOT_PROCESSED_REPEAT,
        reasons="您已就同一政府信息提出过申请，本机关已经作出答复。",
        previous_case="GK-2026-000001",
        repeated_information="该地块建设工程规划许可证",
    )
    await _rejected(
        case_env,
        handle,
        W.submit_for_review,
        s.SubmitForReview(actor=OFFICER, reply=repeat),
        "所引案件未经核对",
    )
    other = s.PreviousAnswer(
        case_no="GK-2026-000002", replied_on=date(2026, 3, 2), outcome="GRANTED"
    )
    await _rejected(
        case_env,
        handle,
        W.submit_for_review,
        s.SubmitForReview(actor=OFFICER, reply=repeat, previous_answer=other),
        "所引案件未经核对",
    )
    await _rejected(
        case_env,
        handle,
        W.submit_for_review,
        s.SubmitForReview(
            actor=OFFICER, reply=repeat.model_copy(update={"repeated_information": ""})
        ),
        "重复申请的信息",
    )
    checked = other.model_copy(update={"case_no": "GK-2026-000001"})
    await act(
        handle,
        W.submit_for_review,
        s.SubmitForReview(actor=OFFICER, reply=repeat, previous_answer=checked),
    )
    await act(
        handle, W.review, s.Review(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True)
    )
    await act(handle, W.sign_off, s.SignOff(actor=HEAD, approve=True))
    with Session(case_env.engine) as db:
        letter = db.exec(
            select(DocumentRow).where(DocumentRow.case_no == handle.id, DocumentRow.name == "reply")
        ).one()
    assert "GK-2026-000001" in letter.html and "2026年3月2日" in letter.html
    await handle.terminate("test done")


def _letter(engine: Any, case_no: str, name: str) -> str:
    with Session(engine) as db:
        row = db.exec(
            select(DocumentRow).where(DocumentRow.case_no == case_no, DocumentRow.name == name)
        ).one()
    return row.html


async def test_art30_the_abandonment_letter_carries_the_remedy_clause(case_env: CaseEnv) -> None:
    """视为放弃申请 closes the application: the letter says how to challenge it, as a reply does
    (行政复议法 Art. 20; 行政诉讼法 Art. 46; without it the windows run a year)."""
    handle, _ = await _register(case_env)
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明地块名称"], period_working_days=5),
    )
    due = (await handle.query(W.view)).readings["correction_period"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    html = _letter(case_env.engine, handle.id, "abandonment_notice")
    assert "申请行政复议" in html and "提起行政诉讼" in html and "如对本告知书不服" in html
    assert "某市人民政府" in html and "60日" in html and "6个月" in html
    await handle.terminate("test done")


async def test_art42_an_unpaid_fee_closes_with_a_written_notice_and_its_remedies(
    case_env: CaseEnv,
) -> None:
    """No longer processing for an unpaid fee (109号) is a decision on the application: a
    written notice (不再处理告知书) with the remedy clause, not a message alone."""
    handle, _ = await _register(case_env)
    await _to_assigned(handle)
    await act(
        handle,
        W.request_fee,
        s.RequestFee(actor=OFFICER, amount_yuan=200, basis="国办函〔2020〕109号第四条，本月第35件"),
    )
    due = (await handle.query(W.view)).readings["fee"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    v = await handle.query(W.view)
    assert v.status is s.Status.PROCESSING_STOPPED
    assert "processing_stopped_notice" in [d.name for d in v.documents]
    html = _letter(case_env.engine, handle.id, "processing_stopped_notice")
    assert "不再处理该政府信息公开申请" in html and "如对本告知书不服" in html
    assert "某市某区人民法院" in html
    with Session(case_env.engine) as db:
        sent = db.exec(select(OutboxRow).where(OutboxRow.case_no == handle.id)).all()
    assert any("告知书所载途径" in o.body for o in sent if o.recipient_role == "applicant")
    await case_env.record(handle, "disclosure-fee-unpaid-notice-g2026-12-07")


async def test_art31_3_an_online_application_confirmed_late_is_watched_from_its_submission(
    case_env: CaseEnv,
) -> None:
    """T0 of an online application is the confirmation day (Art. 31(3)); confirmed a week late,
    the receipt states both days, the events say how late, and inside the agency an alert
    counts 20 working days from the submission: the row's internal due date (the board) is
    that date, and the case escalates when it runs out, before the legal date."""
    cal = load_calendar(case_env.engine)
    submitted = at(YEAR, 3, 1, 10)
    await case_env.skip_to(submitted)
    handle = await case_env.start(channel=s.Channel.ONLINE)
    await view(handle)
    await case_env.skip_to(at(YEAR, 3, 8, 9))
    await act(handle, W.confirm_receipt, s.ConfirmReceipt(actor=OFFICER))
    v = await handle.query(W.view)
    assert v.t0 == date(YEAR, 3, 8)
    registered = next(e for e in v.events if e.kind == "registered")
    assert f"申请人于{date(YEAR, 3, 1)}提交" in registered.summary
    assert "确认晚于提交7日" in registered.summary
    receipt = _letter(case_env.engine, handle.id, "receipt")
    assert "提交申请之日" in receipt and f"{YEAR}年3月1日" in receipt
    assert f"{YEAR}年3月8日" in receipt
    from_submission = cal.nth_working_day(date(YEAR, 3, 1), 20).end
    assert v.readings["from_submission"].due_date == from_submission
    assert v.readings["reply"].due_date == cal.nth_working_day(v.t0, 20).end > from_submission
    with Session(case_env.engine) as db:
        row = db.get(CaseRow, handle.id)
    assert row is not None and row.internal_due_at is not None
    assert local_date(row.internal_due_at) == from_submission  # the board counts from it
    assert row.due_at is not None and local_date(row.due_at) > from_submission  # legal date
    await case_env.skip_to(due_instant(from_submission) + timedelta(hours=2))
    v = await handle.query(W.view)
    assert ("from_submission", "from_submission") in {(r.clock, r.rung) for r in v.fired}
    assert v.light.value == "red"
    escalation = [e for e in v.events if e.kind == "escalation"][-1]
    assert "内部督办" in escalation.summary and "from_submission" not in escalation.summary
    # The reply sent, the internal alert stops with the reply period.
    await _reply_and_serve(handle)
    v = await handle.query(W.view)
    assert v.readings["from_submission"].state.value == "stopped"
    await case_env.record(handle, "disclosure-online-confirmed-late-g2026-12-07")
