"""What each person of a case must see and be told (issue 23), in the workflows on the time-
skipping server: the 经办人 of an online case, the applicant's identity masked with its reveal
recorded, the draft the reviewer and the signer read and approve, the applicant told at every
step, a 留言 published only as an officer approved its masked text."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from rules.outcomes import Outcome, ReplyContent, reply_digest
from rules.reply_drafts import template
from schemas import disclosure as s
from schemas import inquiry as q
from store.models import OutboxRow
from tests.workflows.helpers import (
    GRANTED,
    HEAD,
    OFFICER,
    SUPERVISOR,
    CaseEnv,
    act,
    inquiry_input,
    rejected,
    to_assigned,
    view,
)
from workflows.disclosure import DisclosureRequestWorkflow as W
from workflows.inquiry import InquiryWorkflow

PORTAL = s.Actor(id="", name="未分配（网上申请）", role=s.Role.APPLICANT, agency="SZ-GT")
QIAN = s.Actor(id="qian", name="钱规划", role=s.Role.OFFICER, agency="SZ-GT", unit="规划处")


def _applicant_messages(ce: CaseEnv, case_no: str) -> list[str]:
    with Session(ce.engine) as db:
        rows = db.exec(
            select(OutboxRow)
            .where(OutboxRow.case_no == case_no, OutboxRow.recipient_role == "applicant")
            .order_by(col(OutboxRow.id))
        ).all()
    return [f"{r.subject}|{r.body}" for r in rows]


async def test_art45_an_online_case_is_the_case_of_whoever_takes_its_first_step(
    case_env: CaseEnv,
) -> None:
    handle = await case_env.start(channel=s.Channel.ONLINE, officer=PORTAL)
    before = await view(handle)
    assert before.officer == "" and before.officer_name == ""
    # A supervisor's note does not make them the 经办人; the officer's first step does.
    await act(handle, W.add_note, s.AddNote(actor=SUPERVISOR, text="请尽快确认"))
    assert (await handle.query(W.view)).officer == ""
    await act(handle, W.confirm_receipt, s.ConfirmReceipt(actor=OFFICER))
    v = await handle.query(W.view)
    assert v.officer == OFFICER.id and v.officer_name == "李经办"
    taken = [e for e in v.events if e.kind == "officer_assigned"]
    assert len(taken) == 1 and "李经办办理本案（确认收到申请），成为本案经办人" in taken[0].summary
    await act(handle, W.accept, s.Accept(actor=OFFICER))
    assert [e.kind for e in (await handle.query(W.view)).events].count("officer_assigned") == 1

    # A supervisor hands it over, with the reason; naming the same person again is refused.
    hand_over = s.AssignOfficer(
        actor=SUPERVISOR, officer="qian", officer_name="钱规划", reason="李经办休假"
    )
    await act(handle, W.assign_officer, hand_over)
    v = await handle.query(W.view)
    assert v.officer == "qian" and v.officer_name == "钱规划"
    assert "转交钱规划办理（原经办人李经办）：李经办休假" in v.events[-1].summary
    await rejected(case_env, handle, W.assign_officer, hand_over, "已是本案经办人")
    unnamed = s.AssignOfficer(actor=SUPERVISOR, officer="zhao")
    await rejected(case_env, handle, W.assign_officer, unnamed, "请从本机关的经办人")
    by_officer = s.AssignOfficer(actor=OFFICER, officer="li", officer_name="李经办")
    await rejected(case_env, handle, W.assign_officer, by_officer, "负责人")
    await handle.terminate("test done")


async def test_pipl_art6_identity_number_masked_and_every_reveal_recorded(
    case_env: CaseEnv,
) -> None:
    handle = await case_env.start()
    v = await view(handle)
    assert v.applicant is not None
    assert v.applicant.id_number_masked == "1101**********1233"
    assert "110101199003071233" not in v.model_dump_json()
    assert (v.applicant.phone, v.applicant.address) == ("13800138000", "某市某路1号")
    assert (v.applicant.form, v.applicant.delivery) == ("纸质", "邮寄")
    assert v.description == "2025年某地块建设工程规划许可证及附图"
    revealed = await act(
        handle, W.reveal_identity, s.RevealIdentity(actor=OFFICER, purpose="核实申请人身份")
    )
    assert isinstance(revealed, s.Revealed) and revealed.id_number == "110101199003071233"
    v = await handle.query(W.view)
    event = v.events[-1]
    assert event.kind == "identity_revealed" and event.actor_id == OFFICER.id
    assert "核实申请人身份" in event.summary and "110101199003071233" not in event.summary
    await handle.terminate("test done")


async def test_art45_the_reviewer_and_the_signer_approve_the_draft_they_read(
    case_env: CaseEnv,
) -> None:
    handle = await case_env.start()
    await view(handle)
    await to_assigned(handle)
    # A saved draft is kept, nothing is asked of anyone.
    partial = ReplyContent(outcome=Outcome.GRANTED, **template(Outcome.GRANTED))
    await act(handle, W.save_draft, s.SaveDraft(actor=OFFICER, reply=partial))
    v = await handle.query(W.view)
    assert v.status is s.Status.ASSIGNED and v.working_draft == partial
    # A template's gap ("……") is not a reply.
    await rejected(
        case_env,
        handle,
        W.submit_for_review,
        s.SubmitForReview(actor=OFFICER, reply=partial),
        "待填写的“……”",
    )
    await act(handle, W.submit_for_review, s.SubmitForReview(actor=OFFICER, reply=GRANTED))
    v = await handle.query(W.view)
    assert v.draft is not None and v.draft.version == 1 and v.draft.by_name == "李经办"
    assert v.draft.digest == reply_digest(GRANTED) and v.working_draft is None
    stale = "0" * 64
    await rejected(
        case_env,
        handle,
        W.review,
        s.Review(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True, draft_digest=stale),
        "拟答复书已修改",
    )
    # Returned and redrafted: the approval of the first draft no longer fits.
    first = v.draft.digest
    await act(handle, W.review, s.Review(actor=SUPERVISOR, approve=False, comments="补充检索情况"))
    second = GRANTED.model_copy(update={"facts": "经检索，找到该规划许可文件及附图。"})
    await act(handle, W.submit_for_review, s.SubmitForReview(actor=OFFICER, reply=second))
    approve = s.Review(
        actor=SUPERVISOR, approve=True, confidentiality_reviewed=True, draft_digest=first
    )
    await rejected(case_env, handle, W.review, approve, "现为第2稿")
    digest = reply_digest(second)
    await act(handle, W.review, approve.model_copy(update={"draft_digest": digest}))
    await act(handle, W.sign_off, s.SignOff(actor=HEAD, approve=True, draft_digest=digest))
    v = await handle.query(W.view)
    signed = {e.kind: e.data.get("draft_digest") for e in v.events}
    assert signed["reviewed"] == signed["replied"] == digest
    assert "第2稿" in v.events[-1].summary and "予以公开" in v.events[-1].summary
    await handle.terminate("test done")


async def _replied(case_env: CaseEnv, **kw: Any) -> Any:
    handle = await case_env.start(**kw)
    await view(handle)
    await to_assigned(handle)
    await act(handle, W.submit_for_review, s.SubmitForReview(actor=OFFICER, reply=GRANTED))
    await act(
        handle, W.review, s.Review(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True)
    )
    await act(handle, W.sign_off, s.SignOff(actor=HEAD, approve=True))
    return handle


async def test_the_applicant_is_told_at_registration_reply_and_service(case_env: CaseEnv) -> None:
    handle = await _replied(case_env, delivery="电子邮件")
    await act(handle, W.serve, s.Serve(actor=OFFICER, method="电子送达"))
    v = await handle.query(W.view)
    told = _applicant_messages(case_env, v.case_no)
    assert [m.split("|")[0].split(" ")[0] for m in told] == ["申请已登记", "答复书", "答复书送达"]
    registered, reply, served = told
    assert f"收到申请之日为{v.t0.year}年{v.t0.month}月{v.t0.day}日" in registered  # type: ignore[union-attr]
    assert "本机关将于" in registered and "/public/track" in registered
    assert "已作出答复：予以公开。答复书见附件" in reply  # e-mailed: the carrier chosen
    assert "以电子送达方式送达" in served and "行政复议" in served
    await handle.terminate("test done")


async def test_art30_the_correction_notice_is_sent_to_the_applicant(case_env: CaseEnv) -> None:
    handle = await case_env.start()
    v = await view(handle)
    await act(
        handle,
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明地块编号", "请写明年份"]),
    )
    told = _applicant_messages(case_env, v.case_no)
    assert told[-1].startswith("补正告知书")
    assert "请写明地块编号；请写明年份" in told[-1] and "视为放弃申请" in told[-1]
    await handle.terminate("test done")


async def test_pipl_art28_a_message_is_published_only_as_approved_and_masked(
    case_env: CaseEnv,
) -> None:
    person = q.Person(name="王五", phone="13900139000")
    message = "我是王五，电话13900139000，住3号楼201。"
    consented = inquiry_input(
        await case_env.now(), person=person, message=message, publish_consent=True
    )
    handle = await case_env.client.start_workflow(
        InquiryWorkflow.run, consented, id=consented.case_no, task_queue=case_env.tq
    )
    await act(handle, InquiryWorkflow.answer, q.Answer(actor=OFFICER, text="已列入修缮计划。"))
    v = await handle.query(InquiryWorkflow.view)
    assert v.message == message and v.person == person and v.answer == "已列入修缮计划。"
    raw = q.ApprovePublication(
        actor=OFFICER, subject="道路修缮", message=message, answer="已列入。"
    )
    why = await rejected(case_env, handle, InquiryWorkflow.approve_publication, raw, "个人信息")
    assert "电话号码" in why and "留言人姓名" in why
    masked = raw.model_copy(update={"message": "我是王*，电话139****9000，住*号楼***。"})
    await act(handle, InquiryWorkflow.approve_publication, masked)
    v = await handle.query(InquiryWorkflow.view)
    assert v.public_text is not None and v.public_text.message == masked.message
    assert v.events[-1].kind == "publication_approved"
    await handle.terminate("test done")

    private = inquiry_input(await case_env.now())
    handle = await case_env.client.start_workflow(
        InquiryWorkflow.run, private, id=private.case_no, task_queue=case_env.tq
    )
    await act(handle, InquiryWorkflow.answer, q.Answer(actor=OFFICER, text="已答复。"))
    plain = q.ApprovePublication(actor=OFFICER, subject="道路", message="何时修？", answer="已答复")
    await rejected(case_env, handle, InquiryWorkflow.approve_publication, plain, "未同意公开")
    await handle.terminate("test done")
