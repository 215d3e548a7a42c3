"""Major-decision pre-publication (Decree 713, LAW.md §2) under time skipping: a 30-day comment
period whose last day falls in the National Day holiday, a hearing refused at 6 days' notice,
the legality review as a hard gate, publication with the adoption of comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from rules.calendar import SHANGHAI, local_date
from schemas import consultation as c
from store.calendar import load_calendar
from store.db import session_scope
from store.models import PublicComment
from tests.conftest import TEST_SETTINGS
from tests.fixtures.scenario import YEAR, at
from tests.workflows.helpers import OFFICER, SUPERVISOR, CaseEnv, act, consultation_input
from workflows.consultation import ConsultationWorkflow as W

# September 2: 30 days later is October 2, inside the National Day holiday of the example
# notice (Oct 1–7), so the period ends on the first working day after it (民法典 Art. 203).
SEPTEMBER = at(YEAR, 9, 2)


async def _start(ce: CaseEnv, **kw):  # type: ignore[no-untyped-def]
    await ce.skip_to(SEPTEMBER)
    inp = consultation_input(await ce.now(), **kw)
    handle = await ce.client.start_workflow(W.run, inp, id=inp.case_no, task_queue=ce.tq)
    for _ in range(200):
        v = await handle.query(W.view)
        if v.events:
            return handle
    raise AssertionError("not started")


async def _refused(handle, update, arg, fragment: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await act(handle, update, arg)
    assert fragment in str(info.value.cause)


async def test_art15_comment_period_ending_in_national_day_rolls_forward(case_env: CaseEnv) -> None:
    handle = await _start(case_env)
    await _refused(
        handle, W.publish_draft, c.PublishDraft(actor=OFFICER, period_days=20), "不少于30日"
    )
    await act(handle, W.publish_draft, c.PublishDraft(actor=OFFICER))
    v = await handle.query(W.view)
    comment = v.readings["comment"]
    last_day = local_date(SEPTEMBER) + timedelta(days=30)
    assert last_day == date(YEAR, 10, 2)
    cal = load_calendar(case_env.engine)
    assert comment.due_date == cal.next_working_day_on_or_after(last_day)[0]
    assert comment.due_date is not None and comment.due_date > date(YEAR, 10, 7)
    assert comment.explanation.rolled_over[0].day == last_day
    assert "comment_notice" in [doc.name for doc in v.documents]
    with session_scope(case_env.engine) as db:
        for i in range(3):
            db.add(PublicComment(case_no=handle.id, at=datetime.now(UTC), text=f"意见{i}"))
    assert comment.due_at is not None
    await case_env.skip_to(comment.due_at - timedelta(hours=1))
    assert (await handle.query(W.view)).status is c.Stage.COMMENT_OPEN
    await case_env.skip_to(comment.due_at + timedelta(hours=1))
    v = await handle.query(W.view)
    assert v.status is c.Stage.PROCESSING and v.comment_count == 3
    await handle.terminate("test done")


async def test_art15_shorter_period_needs_a_published_urgency_reason(case_env: CaseEnv) -> None:
    handle = await _start(case_env)
    await act(
        handle,
        W.publish_draft,
        c.PublishDraft(actor=OFFICER, period_days=15, urgency_reason="汛期临近，需尽快出台"),
    )
    v = await handle.query(W.view)
    assert v.readings["comment"].due_date == local_date(SEPTEMBER) + timedelta(days=15)
    await handle.terminate("test done")


async def test_art16_hearing_refused_at_six_days_notice(case_env: CaseEnv) -> None:
    handle = await _start(case_env)
    await act(handle, W.publish_draft, c.PublishDraft(actor=OFFICER))
    hearing = SEPTEMBER + timedelta(days=10)
    await _refused(
        handle,
        W.schedule_hearing,
        c.ScheduleHearing(
            actor=OFFICER,
            hearing_at=hearing,
            materials_sent_at=hearing - timedelta(days=6),
            place="市政府听证室",
        ),
        "现仅提前6日",
    )
    await act(
        handle,
        W.schedule_hearing,
        c.ScheduleHearing(
            actor=OFFICER,
            hearing_at=hearing,
            materials_sent_at=hearing - timedelta(days=7),
            place="市政府听证室",
        ),
    )
    await handle.terminate("test done")


async def test_art25_no_collective_decision_before_legality_review(case_env: CaseEnv) -> None:
    handle = await _start(case_env, expert_review_required=True)
    await act(
        handle,
        W.publish_draft,
        c.PublishDraft(actor=OFFICER, period_days=10, urgency_reason="紧急"),
    )
    await _refused(
        handle,
        W.record_decision,
        c.RecordDecision(actor=SUPERVISOR, decision="通过", minutes="常务会议纪要"),
        "不得提交集体讨论",
    )
    due = (await handle.query(W.view)).readings["comment"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    await act(
        handle,
        W.record_adoption,
        c.RecordAdoption(
            actor=OFFICER,
            adopted="采纳关于夜间免费停车的意见",
            not_adopted_reasons="取消收费的意见与上位法不符",
        ),
    )
    await _refused(
        handle, W.submit_legality_review, c.SubmitLegalityReview(actor=OFFICER), "专家论证"
    )
    await act(
        handle,
        W.record_step,
        c.RecordStep(actor=OFFICER, step="expert_review", summary="五位专家书面论证"),
    )
    await act(handle, W.submit_legality_review, c.SubmitLegalityReview(actor=OFFICER))
    v = await handle.query(W.view)
    cal = load_calendar(case_env.engine)
    assert (
        v.readings["legality_review"].due_date
        == cal.nth_working_day(local_date(await case_env.now()), 7).end
    )
    await _refused(
        handle,
        W.record_decision,
        c.RecordDecision(actor=SUPERVISOR, decision="通过", minutes="纪要"),
        "合法性审查中",
    )
    await act(
        handle,
        W.record_legality_opinion,
        c.RecordLegalityOpinion(actor=OFFICER, lawful=True, opinion="符合法定权限和程序"),
    )
    await _refused(
        handle,
        W.record_decision,
        c.RecordDecision(actor=OFFICER, decision="通过", minutes="纪要"),
        "负责人",
    )
    await act(
        handle,
        W.record_decision,
        c.RecordDecision(
            actor=SUPERVISOR,
            decision="原则通过",
            minutes="市政府第12次常务会议纪要",
            dissent=["某委员建议暂缓实施"],
        ),
    )
    v = await handle.query(W.view)
    assert (
        v.readings["publication"].due_date
        == cal.nth_working_day(local_date(await case_env.now()), 20).end
    )
    # B14: publication is due 20 WD after the decision; amber at 15 WD, overdue after it.
    publication = v.readings["publication"].due_at
    assert publication is not None
    await case_env.skip_to(publication + timedelta(hours=2))
    v = await handle.query(W.view)
    assert [r.rung for r in v.fired if r.clock == "publication"] == ["amber", "overdue"]
    assert "urging_notice" in [doc.name for doc in v.documents]
    await act(handle, W.report_to_committee, c.ReportToCommittee(actor=OFFICER))
    await act(
        handle,
        W.publish_decision,
        c.PublishDecision(actor=OFFICER, text="《某市城市停车收费管理办法》"),
    )
    await act(handle, W.archive, c.ArchiveConsultation(actor=OFFICER))
    result = await handle.result()
    await case_env.record(handle, "consultation-full")
    assert result.status is c.Stage.ARCHIVED
    assert {"decision_notice", "adoption_report"} <= {doc.name for doc in result.documents}
    from sqlmodel import Session, select

    from store.models import DocumentRow

    with Session(case_env.engine) as db:
        report = db.exec(
            select(DocumentRow).where(
                DocumentRow.case_no == handle.id, DocumentRow.name == "adoption_report"
            )
        ).one()
    assert "取消收费的意见与上位法不符" in report.html
    # On the public portal: the decision and how the comments were adopted, and why not.
    await _decided_on_the_portal(case_env, handle.id)


async def _decided_on_the_portal(ce: CaseEnv, case_no: str) -> None:
    import re

    import httpx

    from api.app import create_app

    app = create_app(TEST_SETTINGS, temporal=ce.client)
    app.state.engine = ce.engine
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://portal.test"
    ) as browser:
        listing = (await browser.get("/public/consultations")).text
        assert case_no in listing
        page = (await browser.get(f"/public/consultations/{case_no}")).text
        assert "意见征集已结束" in page and 'id="comment"' not in page
        links = dict(
            (title, href)
            for href, title in re.findall(r'href="(/public/documents/[^"]+)">([^<]+)<', page)
        )
        assert {"重大行政决策公布", "公众意见采纳情况说明"} <= set(links), links
        adoption = await browser.get(links["公众意见采纳情况说明"].replace("&amp;", "&"))
        assert adoption.status_code == 200
        assert "采纳关于夜间免费停车的意见" in adoption.text
        assert "取消收费的意见与上位法不符" in adoption.text


async def test_inactivity_escalates_a_stalled_decision(case_env: CaseEnv) -> None:
    handle = await _start(case_env)
    cal = load_calendar(case_env.engine)
    quiet = cal.nth_working_day(local_date(SEPTEMBER), 11).end  # 10 WD have passed
    await case_env.skip_to(
        datetime.combine(quiet, datetime.min.time(), SHANGHAI) + timedelta(hours=1)
    )
    v = await handle.query(W.view)
    assert [e.kind for e in v.events].count("inactivity") == 1  # 久拖不决
    await handle.terminate("test done")


async def test_art27_legality_review_time_is_a_minimum_not_a_deadline(case_env: CaseEnv) -> None:
    """Decree 713 Art. 27 gives the reviewer generally at least 7 WD: the review taking longer
    makes nothing overdue and lights nothing."""
    from api.workbench.board import board_data as _board

    handle = await _start(case_env)
    await act(
        handle,
        W.publish_draft,
        c.PublishDraft(actor=OFFICER, period_days=10, urgency_reason="紧急"),
    )
    due = (await handle.query(W.view)).readings["comment"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    await act(
        handle,
        W.record_adoption,
        c.RecordAdoption(actor=OFFICER, adopted="全部采纳", not_adopted_reasons="无"),
    )
    await act(handle, W.submit_legality_review, c.SubmitLegalityReview(actor=OFFICER))
    cal = load_calendar(case_env.engine)
    twelfth = cal.nth_working_day(local_date(await case_env.now()), 12).end
    await case_env.skip_to(datetime.combine(twelfth, datetime.min.time(), SHANGHAI))
    v = await handle.query(W.view)
    review = v.readings["legality_review"]
    assert review.state.value == "elapsed"  # the minimum has been given, nothing more
    assert v.due_at is None and v.light.value == "green"
    assert not [r for r in v.fired if r.clock == "legality_review"]
    board = _board(case_env.engine, SUPERVISOR, None, None, None, await case_env.now())
    assert board["overdue_count"] == 0
    await handle.terminate("test done")
