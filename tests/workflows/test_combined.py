"""Operations in combination, through the real Updates on the time-skipping server: pause ×
extension × restart × calendar change, and the notices owed to the applicant. Each test is named
after the article whose rule it holds, and each reproduces a defect found by the statutory audit
(LAW.md §0–§1; docs/disclosure.md for the choices the statute leaves open)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select
from temporalio.client import WorkflowHandle

from api.workbench.board import board_data as _board
from rules.calendar import SHANGHAI, DayKind, due_instant, local_date, zh_date
from rules.outcomes import Outcome, ReplyContent
from schemas import disclosure as s
from store.calendar import load_calendar, set_day
from store.models import CaseClocks, CaseRow, DocumentRow, OutboxRow
from tests.fixtures.scenario import YEAR, at
from tests.workflows.helpers import (
    APPLICANT,
    GRANTED,
    HEAD,
    OFFICER,
    SUPERVISOR,
    CaseEnv,
    act,
    register,
    rejected,
    to_assigned,
    view,
)
from workflows.disclosure import DisclosureRequestWorkflow as W

LATE_JANUARY = at(YEAR, 1, 25)
MID_MARCH = at(YEAR, 3, 10)


def _midnight(day: Any) -> datetime:
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def _documents(ce: CaseEnv, case_no: str, name: str) -> list[str]:
    with Session(ce.engine) as db:
        rows = db.exec(
            select(DocumentRow)
            .where(DocumentRow.case_no == case_no, DocumentRow.name == name)
            .order_by(col(DocumentRow.seq))
        ).all()
    return [r.html for r in rows]


def _to_applicant(ce: CaseEnv, case_no: str) -> list[OutboxRow]:
    with Session(ce.engine) as db:
        return list(
            db.exec(
                select(OutboxRow)
                .where(OutboxRow.case_no == case_no, OutboxRow.recipient_role == "applicant")
                .order_by(col(OutboxRow.id))
            ).all()
        )


async def _third_party(handle: WorkflowHandle[Any, Any]) -> None:
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


# -- 1. expiry is judged on the consumed working days, whatever the pause state ---------------


async def test_art33_para2_no_extension_after_expiry_even_while_paused(case_env: CaseEnv) -> None:
    handle, v = await register(case_env, LATE_JANUARY)
    await to_assigned(handle)
    due = v.readings["reply"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=3))  # the reply date has passed
    await _third_party(handle)  # a pause now cannot revive the period
    v = await handle.query(W.view)
    reply = v.readings["reply"]
    assert reply.state.value == "paused"
    assert reply.used_up and reply.frozen_due_date == local_date(due)
    message = await rejected(
        case_env,
        handle,
        W.extend,
        s.Extend(actor=SUPERVISOR, working_days=20, reason="需跨部门检索档案"),
        "已届满",
    )
    assert "第三十三条第二款" in message
    # The paused case keeps its frozen legal due date and stays on the overdue list.
    with Session(case_env.engine) as db:
        row = db.get(CaseRow, handle.id)
    assert row is not None and row.due_at is not None and row.internal_due_at is not None
    board = _board(case_env.engine, SUPERVISOR, None, None, None, await case_env.now())
    assert [r["case_no"] for r in board["overdue"]] == [handle.id]
    await handle.terminate("test done")


# -- 2. an extension granted during a pause tells the applicant a date ------------------------


async def test_art33_para2_extension_during_a_pause_notifies_a_date_and_renotifies_on_resume(
    case_env: CaseEnv,
) -> None:
    handle, _ = await register(case_env, LATE_JANUARY)
    await to_assigned(handle)
    await _third_party(handle)
    await act(
        handle, W.extend, s.Extend(actor=SUPERVISOR, working_days=20, reason="需跨部门检索档案")
    )
    v = await handle.query(W.view)
    told = v.readings["reply"].frozen_due_date  # as if the pause ended today
    assert told is not None
    (letter,) = _documents(case_env, handle.id, "extension_notice")
    assert zh_date(told) in letter and "None" not in letter
    mails = _to_applicant(case_env, handle.id)
    assert mails[-1].recipient == APPLICANT.email and zh_date(told) in mails[-1].body
    # The answer comes a week later: the pause really ends, the date moves, the applicant is told.
    await case_env.skip_to(await case_env.now() + timedelta(days=7))
    await act(
        handle,
        W.record_consultation_answer,
        s.RecordConsultationAnswer(actor=OFFICER, answer=s.ConsultationAnswer.CONSENT),
    )
    v = await handle.query(W.view)
    moved = v.readings["reply"].due_date
    assert moved is not None and moved > told
    (change,) = _documents(case_env, handle.id, "deadline_change_notice")
    assert zh_date(moved) in change and zh_date(told) in change and "None" not in change
    assert zh_date(moved) in _to_applicant(case_env, handle.id)[-1].body
    await case_env.record(handle, "disclosure-extension-in-pause-renotified")
    await handle.terminate("test done")


# -- 3. a correction restarts the period in full: no extension carries over ------------------


async def test_art30_restart_discards_an_earlier_extension(case_env: CaseEnv) -> None:
    handle, v = await register(case_env, LATE_JANUARY)
    await act(handle, W.extend, s.Extend(actor=SUPERVISOR, working_days=20, reason="档案量大"))
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明地块名称"], period_working_days=10),
    )
    await case_env.skip_to(LATE_JANUARY + timedelta(days=3))
    await act(handle, W.submit_correction, s.SubmitCorrection(actor=OFFICER))
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    restarted_on = local_date(await case_env.now())
    assert v.clocks["reply"].extensions == [] and not v.extended
    assert v.readings["reply"].due_date == cal.nth_working_day(restarted_on, 20).end
    # ... and the new period may be extended once, on its own terms.
    await act(handle, W.extend, s.Extend(actor=SUPERVISOR, working_days=20, reason="档案量大"))
    v = await handle.query(W.view)
    assert v.readings["reply"].due_date == cal.nth_working_day(restarted_on, 40).end
    await handle.terminate("test done")


# -- 4. Art. 35: a fixed reply date needs the head of the GI office and a notice --------------


async def test_art35_fixed_reply_date_needs_a_supervisor_a_later_date_and_a_notice(
    case_env: CaseEnv,
) -> None:
    handle, v = await register(case_env, LATE_JANUARY)
    await to_assigned(handle)
    await act(
        handle, W.request_explanation, s.RequestExplanation(actor=OFFICER, reason="一月内申请120件")
    )
    due = v.readings["reply"].due_date
    assert due is not None
    later = due + timedelta(days=40)
    forged = {"approver": "局长（伪造）"}  # a typed-in approver is no authority
    await rejected(
        case_env,
        handle,
        W.record_explanation,
        s.RecordExplanation.model_validate(
            {
                "actor": OFFICER,
                "decision": "reasonable",
                "fixed_reply_date": later,
                **forged,
            }
        ),
        "负责人",
    )
    await rejected(
        case_env,
        handle,
        W.record_explanation,
        s.RecordExplanation(
            actor=SUPERVISOR,
            decision=s.ExplanationDecision.REASONABLE,
            fixed_reply_date=due - timedelta(days=1),
        ),
        "晚于",
    )
    await act(
        handle,
        W.record_explanation,
        s.RecordExplanation(
            actor=SUPERVISOR, decision=s.ExplanationDecision.REASONABLE, fixed_reply_date=later
        ),
    )
    v = await handle.query(W.view)
    assert v.readings["reply"].due_date == later
    (notice,) = _documents(case_env, handle.id, "fixed_date_notice")
    assert zh_date(later) in notice and "第三十五条" in notice
    assert zh_date(later) in _to_applicant(case_env, handle.id)[-1].body
    await case_env.record(handle, "disclosure-art35-fixed-date")
    await handle.terminate("test done")


async def test_art35_no_fixed_reply_date_after_the_period_expired(case_env: CaseEnv) -> None:
    handle, v = await register(case_env, LATE_JANUARY)
    await to_assigned(handle)
    await act(
        handle, W.request_explanation, s.RequestExplanation(actor=OFFICER, reason="一月内申请120件")
    )
    due = v.readings["reply"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=3))
    await rejected(
        case_env,
        handle,
        W.record_explanation,
        s.RecordExplanation(
            actor=SUPERVISOR,
            decision=s.ExplanationDecision.REASONABLE,
            fixed_reply_date=local_date(due) + timedelta(days=30),
        ),
        "已届满",
    )
    await handle.terminate("test done")


# -- 5. "N working days after the due date" fires once N working days have passed -----------


async def test_art33_very_overdue_fires_once_10_working_days_have_passed(
    case_env: CaseEnv,
) -> None:
    handle, v = await register(case_env, MID_MARCH)
    cal = load_calendar(case_env.engine)
    due = v.readings["reply"].due_date
    assert due is not None
    tenth = cal.nth_working_day(due, 10).end
    await case_env.skip_to(_midnight(tenth) + timedelta(hours=20))  # the 10th day is not over
    v = await handle.query(W.view)
    assert "very_overdue" not in [r.rung for r in v.fired]
    eleventh = cal.nth_working_day(due, 11).end
    await case_env.skip_to(_midnight(eleventh) + timedelta(hours=1))
    v = await handle.query(W.view)
    (very,) = [r for r in v.fired if r.rung == "very_overdue"]
    assert local_date(very.fired_at) == eleventh
    await handle.terminate("test done")


# -- 7. the rules in force on T0 -------------------------------------------------------------


async def test_art31_rule_pack_follows_t0_not_the_day_the_letter_arrived(
    case_env: CaseEnv,
) -> None:
    # Posted under the 2008 rules, signed for on the first day of the 2019 rules (Art. 31(2)).
    handle = await case_env.start(
        received_at=datetime(2019, 5, 10, 10, tzinfo=SHANGHAI),
        channel=s.Channel.REGISTERED_MAIL,
        signed_for_at=datetime(2019, 5, 16, 10, tzinfo=SHANGHAI),
    )
    v = await view(handle)
    assert str(v.t0) == "2019-05-16"
    assert v.rule_pack.startswith("cn-national-2019")
    assert v.clocks["reply"].limit == 20
    await case_env.record(handle, "disclosure-pack-by-t0")
    await handle.terminate("test done")


# -- 8. the 2008 rules are the 2008 rules -----------------------------------------------------


async def test_gidr2008_art24_other_agency_time_counts_and_third_party_has_no_window(
    case_env: CaseEnv,
) -> None:
    received = datetime(2018, 6, 1, 10, tzinfo=SHANGHAI)
    handle = await case_env.start(received_at=received)
    v = await view(handle)
    assert v.rule_pack.startswith("cn-national-2008") and v.clocks["reply"].limit == 15
    await to_assigned(handle)
    await act(
        handle,
        W.start_consultation,
        s.StartConsultation(
            actor=OFFICER, kind=s.ConsultKind.OTHER_AGENCY, party="某市保密局", matters="是否涉密"
        ),
    )
    v = await handle.query(W.view)
    assert v.readings["reply"].state.value != "paused"  # not excluded before 2019
    await act(
        handle,
        W.record_consultation_answer,
        s.RecordConsultationAnswer(actor=OFFICER, answer=s.ConsultationAnswer.OPINION, reasons="x"),
    )
    await _third_party(handle)
    v = await handle.query(W.view)
    assert v.readings["reply"].state.value == "paused"  # 2008 Art. 24 para 3
    chase = v.readings["consultation"].due_at
    assert chase is not None
    await case_env.skip_to(chase + timedelta(days=2))
    v = await handle.query(W.view)
    # No 15-WD window and no "silence means the agency decides" before 2019: still consulting.
    assert v.status is s.Status.CONSULTING
    assert "consultation_lapsed" not in [e.kind for e in v.events]
    await handle.terminate("test done")


async def test_gidr2008_art21_correction_is_allowed_without_the_2019_window(
    case_env: CaseEnv,
) -> None:
    handle = await case_env.start(received_at=datetime(2018, 6, 1, 10, tzinfo=SHANGHAI))
    v = await view(handle)
    before = v.readings["reply"].due_date
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请补充文件名称"], period_working_days=10),
    )
    await act(handle, W.submit_correction, s.SubmitCorrection(actor=OFFICER))
    v = await handle.query(W.view)
    # 2008 Art. 21(4): 更改、补充, with no rule that the period restarts.
    assert v.readings["reply"].due_date == before and v.clocks["reply"].restarts == []
    await handle.terminate("test done")


# -- 9. a provisional year: alerts use the internal date ---------------------------------------


async def test_law_6_4_provisional_year_alerts_on_the_internal_due_date(case_env: CaseEnv) -> None:
    handle, v = await register(case_env, at(YEAR, 12, 10))
    reply = v.readings["reply"]
    assert reply.provisional and reply.due_at is not None and reply.internal_due_at is not None
    cal = load_calendar(case_env.engine)
    assert local_date(reply.internal_due_at) == cal.working_days_before(local_date(reply.due_at), 2)
    await case_env.skip_to(reply.internal_due_at + timedelta(hours=2))
    v = await handle.query(W.view)
    assert "overdue" in [r.rung for r in v.fired]  # internal alert, before the legal date
    assert v.readings["reply"].due_at == reply.due_at  # the applicant's date is unchanged
    with Session(case_env.engine) as db:
        row = db.get(CaseRow, handle.id)
    assert row is not None and row.internal_due_at is not None
    assert local_date(row.internal_due_at) == local_date(reply.internal_due_at)
    await handle.terminate("test done")


# -- 11. a stopped clock reads stopped --------------------------------------------------------


async def test_art45_stopped_clocks_read_stopped_with_reason(case_env: CaseEnv) -> None:
    handle, _ = await register(case_env, LATE_JANUARY)
    await to_assigned(handle)
    await act(handle, W.submit_for_review, s.SubmitForReview(actor=OFFICER, reply=GRANTED))
    await act(
        handle, W.review, s.Review(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True)
    )
    await act(handle, W.sign_off, s.SignOff(actor=HEAD, approve=True))
    v = await handle.query(W.view)
    for name in ("reply", "correction_notice"):
        reading = v.readings[name]
        assert reading.state.value == "stopped", name
        assert reading.stopped_at is not None and reading.stop_reason
    assert any("已答复" in line for line in v.readings["reply"].explanation.lines)
    await handle.terminate("test done")


# -- facts have dates -------------------------------------------------------------------------


async def test_art30_correction_counts_from_the_day_it_was_received(case_env: CaseEnv) -> None:
    handle, _ = await register(case_env, LATE_JANUARY)
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明地块名称"], period_working_days=10),
    )
    requested = await case_env.now()
    await case_env.skip_to(requested + timedelta(days=6))
    received = requested + timedelta(days=2)
    await rejected(
        case_env,
        handle,
        W.submit_correction,
        s.SubmitCorrection(actor=OFFICER, occurred_at=await case_env.now() + timedelta(hours=2)),
        "未来",
    )
    await rejected(
        case_env,
        handle,
        W.submit_correction,
        s.SubmitCorrection(actor=OFFICER, occurred_at=requested - timedelta(hours=1)),
        "早于",
    )
    await act(handle, W.submit_correction, s.SubmitCorrection(actor=OFFICER, occurred_at=received))
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    assert v.readings["reply"].due_date == cal.nth_working_day(local_date(received), 20).end
    event = v.events[-1]
    assert event.kind == "correction_received" and event.occurred_at == received
    assert event.at > received  # both instants are kept
    await handle.terminate("test done")


async def test_art32_third_party_window_counts_from_its_receipt(case_env: CaseEnv) -> None:
    handle, _ = await register(case_env, LATE_JANUARY)
    await to_assigned(handle)
    await _third_party(handle)
    sent = await case_env.now()
    await case_env.skip_to(sent + timedelta(days=4))
    delivered = sent + timedelta(days=2)
    await act(
        handle,
        W.record_consultation_delivery,
        s.RecordConsultationDelivery(actor=OFFICER, delivered_at=delivered),
    )
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    assert v.readings["consultation"].due_date == cal.nth_working_day(local_date(delivered), 15).end
    # The answer arrived yesterday and is typed in today: the pause ends when it arrived.
    answered = await case_env.now() - timedelta(days=1)
    await act(
        handle,
        W.record_consultation_answer,
        s.RecordConsultationAnswer(
            actor=OFFICER, answer=s.ConsultationAnswer.CONSENT, occurred_at=answered
        ),
    )
    v = await handle.query(W.view)
    assert v.clocks["reply"].pauses[-1].until == answered
    await handle.terminate("test done")


async def test_art30_no_correction_closes_with_a_letter_and_a_late_one_may_be_accepted(
    case_env: CaseEnv,
) -> None:
    handle, _ = await register(case_env, LATE_JANUARY)
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明地块名称"], period_working_days=5),
    )
    v = await handle.query(W.view)
    due = v.readings["correction_period"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=5))
    v = await handle.query(W.view)
    assert v.status is s.Status.DEEMED_ABANDONED
    (letter,) = _documents(case_env, handle.id, "abandonment_notice")
    assert "第三十条" in letter and "None" not in letter
    assert _to_applicant(case_env, handle.id)[-1].subject.startswith("视为放弃申请告知书")
    # The applicant shows a good reason (无正当理由 is the statute's condition): accepted.
    received = due + timedelta(hours=2)
    await rejected(
        case_env,
        handle,
        W.submit_correction,
        s.SubmitCorrection(actor=OFFICER, occurred_at=received),
        "正当理由",
    )
    await act(
        handle,
        W.submit_correction,
        s.SubmitCorrection(
            actor=OFFICER, occurred_at=received, late_reason="申请人住院，提供了住院证明"
        ),
    )
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    assert v.status is s.Status.REGISTERED and v.outcome is None
    assert v.readings["reply"].state.value == "running"
    assert v.readings["reply"].due_date == cal.nth_working_day(local_date(received), 20).end
    await case_env.record(handle, "disclosure-abandoned-late-correction")
    await handle.terminate("test done")


# -- everything at once -------------------------------------------------------------------------


async def test_art30_art33_restart_pause_extension_and_calendar_change_together(
    case_env: CaseEnv,
) -> None:
    """Extension → correction (full reset) → consultation (paused) → a day turned holiday while
    paused → extension during the pause → answer (resumed): the due date at the end is the one
    counted by hand on the final calendar, and the applicant was told each date."""
    handle, _ = await register(case_env, LATE_JANUARY)
    await act(handle, W.extend, s.Extend(actor=SUPERVISOR, working_days=20, reason="档案量大"))
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明地块名称"], period_working_days=10),
    )
    await case_env.skip_to(LATE_JANUARY + timedelta(days=2))
    await act(handle, W.submit_correction, s.SubmitCorrection(actor=OFFICER))
    restarted = local_date(await case_env.now())
    await to_assigned(handle)
    await case_env.skip_to(at(YEAR, 2, 17))  # after the Spring Festival, before the due date
    await _third_party(handle)
    paused_on = local_date(await case_env.now())
    cal = load_calendar(case_env.engine)
    closure = cal.nth_working_day(paused_on, 12).end  # after the pause, before the due date
    set_day(
        case_env.engine,
        closure,
        DayKind.HOLIDAY,
        source="市政府通告",
        reason="寒潮停工",
        edited_by="admin",
        at=datetime.now(UTC),
    )
    await handle.signal(W.calendar_changed)
    await act(
        handle, W.extend, s.Extend(actor=SUPERVISOR, working_days=15, reason="征求意见后需复核")
    )
    await case_env.skip_to(at(YEAR, 2, 24, 15))
    await act(
        handle,
        W.record_consultation_answer,
        s.RecordConsultationAnswer(actor=OFFICER, answer=s.ConsultationAnswer.CONSENT),
    )
    answered = local_date(await case_env.now())
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    # By hand: 35 working days from the restart, not counting (paused_on, answered].
    day, counted = restarted, 0
    while counted < 35:
        day += timedelta(days=1)
        if cal.is_working_day(day) and not (paused_on < day <= answered):
            counted += 1
    assert v.readings["reply"].due_date == day
    assert v.readings["reply"].due_at == due_instant(day)
    assert any(e.kind == "deadlines_moved" for e in v.events)  # the closure moved it
    told = [m.body for m in _to_applicant(case_env, handle.id)]
    assert zh_date(day) in told[-1]
    for html in [
        *_documents(case_env, handle.id, "extension_notice"),
        *_documents(case_env, handle.id, "deadline_change_notice"),
    ]:
        assert "None" not in html
    await handle.terminate("test done")


async def test_law_6_calendar_change_not_yet_told_to_a_case_moves_its_rungs_before_they_fire(
    case_env: CaseEnv,
) -> None:
    """A day becomes a holiday and the case is not told (the broadcast has not reached it, or
    the process sending it stopped): the first rung that comes due makes the case plan again
    on the calendar as it is, so the overdue rung fires on the new due date, never the old."""
    handle, v = await register(case_env, LATE_JANUARY)
    await to_assigned(handle)
    old_due = v.readings["reply"].due_at
    assert old_due is not None and v.t0 is not None
    cal = load_calendar(case_env.engine)
    closure = cal.nth_working_day(v.t0, 19).end  # after the red rung, before the due date
    set_day(
        case_env.engine,
        closure,
        DayKind.HOLIDAY,
        source="市政府通告",
        reason="寒潮停工",
        edited_by="admin",
        at=datetime.now(UTC),
    )
    new_day = load_calendar(case_env.engine).nth_working_day(v.t0, 20).end
    assert new_day > local_date(old_due)
    await case_env.skip_to(old_due + timedelta(hours=2))  # past the old due date
    v = await handle.query(W.view)
    assert v.readings["reply"].due_date == new_day
    (moved,) = [e for e in v.events if e.kind == "deadlines_moved"]
    assert "工作日历已更新" in moved.summary and str(new_day) in moved.summary
    overdue = [e for e in v.events if e.kind == "escalation" and e.data["rung"] == "overdue"]
    assert overdue == []  # not on the date that no longer holds
    await case_env.skip_to(due_instant(new_day) + timedelta(hours=2))
    v = await handle.query(W.view)
    (overdue,) = [e for e in v.events if e.kind == "escalation" and e.data["rung"] == "overdue"]
    # Overdue from the first instant after the new due day (its end), not the old one's.
    assert datetime.fromisoformat(overdue.data["statutory_at"]) == _midnight(
        new_day + timedelta(days=1)
    )
    # The read model shows the case's clocks as planned last, for bulk recomputation.
    with Session(case_env.engine) as db:
        kept = db.get(CaseClocks, handle.id)
    assert kept is not None and '"reply"' in kept.clocks and str(new_day) in kept.clocks
    await handle.terminate("test done")


# -- the reply letter names its articles ----------------------------------------------------


async def test_art36_a_reply_the_statute_leaves_to_the_officer_must_name_its_basis(
    case_env: CaseEnv,
) -> None:
    handle, _ = await register(case_env, LATE_JANUARY)
    await to_assigned(handle)
    reissue = ReplyContent(
        outcome=Outcome.NOT_PROCESSED_CONFIRM_REISSUE,
        reasons="申请人要求重新出具已获取的许可证复印件并加盖公章。",
    )
    await rejected(
        case_env,
        handle,
        W.submit_for_review,
        s.SubmitForReview(actor=OFFICER, reply=reissue),
        "法律依据",
    )
    reissue = reissue.model_copy(
        update={"legal_basis_text": "《中华人民共和国政府信息公开条例》第三十九条第一款"}
    )
    await act(handle, W.submit_for_review, s.SubmitForReview(actor=OFFICER, reply=reissue))
    await act(handle, W.review, s.Review(actor=SUPERVISOR, approve=True))
    await act(handle, W.sign_off, s.SignOff(actor=HEAD, approve=True))
    (letter,) = _documents(case_env, handle.id, "reply")
    assert "法律依据：。" not in letter and "第三十九条第一款" in letter
    await handle.terminate("test done")


async def test_art36_every_reply_letter_names_its_basis_and_remedy(case_env: CaseEnv) -> None:
    """Every outcome an officer can draft, signed off through the workflow: its letter cites its
    articles and carries a remedy clause (the scan above checks every document for flaws)."""
    import asyncio

    from rules.outcomes import FIELD_LABELS, SPECS

    await case_env.skip_to(LATE_JANUARY)
    drafted = [
        o
        for o in Outcome
        if o not in (Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_FEE_UNPAID)
        and o is not Outcome.UNABLE_STILL_UNCLEAR
    ]

    async def one(outcome: Outcome) -> tuple[Outcome, str]:
        handle = await case_env.start()
        await view(handle)
        await to_assigned(handle)
        values = {f: f"{FIELD_LABELS[f]}的内容" for f in SPECS[outcome].needs}
        if "legal_basis_text" in values:
            values["legal_basis_text"] = "《中华人民共和国政府信息公开条例》第三十九条"
        if outcome is Outcome.NOT_PROCESSED_REPEAT:  # the cited case, as the API checks it
            values["previous_case"] = "GK-2026-000001"
        reply = ReplyContent(outcome=outcome, facts="经检索。", **values)
        checked = (
            s.PreviousAnswer(
                case_no="GK-2026-000001", replied_on=date(2026, 3, 2), outcome="GRANTED"
            )
            if outcome is Outcome.NOT_PROCESSED_REPEAT
            else None
        )
        await act(
            handle,
            W.submit_for_review,
            s.SubmitForReview(actor=OFFICER, reply=reply, previous_answer=checked),
        )
        await act(
            handle,
            W.review,
            s.Review(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True),
        )
        await act(handle, W.sign_off, s.SignOff(actor=HEAD, approve=True))
        (letter,) = _documents(case_env, handle.id, "reply")
        await handle.terminate("test done")
        return outcome, letter

    letters = await asyncio.gather(*(one(o) for o in drafted))
    for outcome, letter in letters:
        assert "《中华人民共和国政府信息公开条例》第" in letter, outcome
        assert "申请行政复议" in letter, outcome
        if outcome.is_refusal:
            assert "应当先申请行政复议" in letter, outcome
    assert len(letters) == len(drafted) == 18
