"""Every officer action in every state: the illegal ones are rejected by the Update validator
with a message naming the state, and nothing is written (no update event, no business event)."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from schemas import disclosure as s
from tests.workflows.helpers import GRANTED, HEAD, OFFICER, SUPERVISOR, CaseEnv, act, view
from workflows.disclosure import DisclosureRequestWorkflow as W

St = s.Status

ACTIONS: dict[str, tuple[Any, Any]] = {
    "confirm_receipt": (W.confirm_receipt, s.ConfirmReceipt(actor=OFFICER)),
    "request_correction": (
        W.request_correction,
        s.RequestCorrection(actor=OFFICER, items=["请写明文件名称"]),
    ),
    "submit_correction": (W.submit_correction, s.SubmitCorrection(actor=OFFICER)),
    "accept": (W.accept, s.Accept(actor=OFFICER)),
    "assign": (W.assign, s.Assign(actor=OFFICER, unit="规划处")),
    "start_consultation": (
        W.start_consultation,
        s.StartConsultation(
            actor=OFFICER, kind=s.ConsultKind.THIRD_PARTY, party="某公司", matters="商业秘密"
        ),
    ),
    "record_consultation_answer": (
        W.record_consultation_answer,
        s.RecordConsultationAnswer(actor=OFFICER, answer=s.ConsultationAnswer.CONSENT),
    ),
    "request_fee": (W.request_fee, s.RequestFee(actor=OFFICER, amount_yuan=100, basis="109号")),
    "record_payment": (W.record_payment, s.RecordPayment(actor=OFFICER)),
    "request_explanation": (
        W.request_explanation,
        s.RequestExplanation(actor=OFFICER, reason="数量明显超过合理范围"),
    ),
    "record_explanation": (
        W.record_explanation,
        s.RecordExplanation(actor=OFFICER, decision=s.ExplanationDecision.REASONABLE),
    ),
    "extend": (W.extend, s.Extend(actor=SUPERVISOR, working_days=5, reason="检索")),
    "submit_for_review": (W.submit_for_review, s.SubmitForReview(actor=OFFICER, reply=GRANTED)),
    "review": (W.review, s.Review(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True)),
    "sign_off": (W.sign_off, s.SignOff(actor=HEAD, approve=True)),
    "serve": (W.serve, s.Serve(actor=OFFICER, method="邮寄")),
    "archive": (W.archive, s.Archive(actor=OFFICER)),
    "withdraw": (W.withdraw, s.Withdraw(actor=OFFICER, reason="申请人撤回")),
    "add_note": (W.add_note, s.AddNote(actor=OFFICER, text="电话联系申请人")),
}

OPEN = {"extend", "withdraw", "add_note"}
LEGAL: dict[St, set[str]] = {
    St.RECEIVED: {"confirm_receipt", "withdraw", "add_note"},
    St.REGISTERED: {"request_correction", "accept"} | OPEN,
    St.AWAITING_CORRECTION: {"submit_correction", "withdraw", "add_note"},
    St.ACCEPTED: {"assign"} | OPEN,
    St.ASSIGNED: {"start_consultation", "request_fee", "request_explanation", "submit_for_review"}
    | OPEN,
    St.CONSULTING: {"record_consultation_answer"} | OPEN,
    St.FEE_PENDING: {"record_payment"} | OPEN,
    St.EXPLANATION_PENDING: {"record_explanation"} | OPEN,
    St.REVIEW: {"review"} | OPEN,
    St.SIGN_OFF: {"sign_off"} | OPEN,
    St.REPLIED: {"serve", "add_note"},
    St.REMEDY_WINDOW: {"archive", "add_note"},
    St.ARCHIVED: set(),
    St.WITHDRAWN: {"archive", "add_note"},
}

# How to reach each state from a fresh in-person case (ordinary mail for RECEIVED).
PATHS: dict[St, list[str]] = {
    St.RECEIVED: [],
    St.REGISTERED: [],
    St.AWAITING_CORRECTION: ["request_correction"],
    St.ACCEPTED: ["accept"],
    St.ASSIGNED: ["accept", "assign"],
    St.CONSULTING: ["accept", "assign", "start_consultation"],
    St.FEE_PENDING: ["accept", "assign", "request_fee"],
    St.EXPLANATION_PENDING: ["accept", "assign", "request_explanation"],
    St.REVIEW: ["accept", "assign", "submit_for_review"],
    St.SIGN_OFF: ["accept", "assign", "submit_for_review", "review"],
    St.REPLIED: ["accept", "assign", "submit_for_review", "review", "sign_off"],
    St.REMEDY_WINDOW: ["accept", "assign", "submit_for_review", "review", "sign_off", "serve"],
    St.ARCHIVED: [
        "accept",
        "assign",
        "submit_for_review",
        "review",
        "sign_off",
        "serve",
        "archive",
    ],
    St.WITHDRAWN: ["withdraw"],
}


def test_the_table_covers_every_state_and_action() -> None:
    reachable = set(s.Status) - {St.DEEMED_ABANDONED, St.PROCESSING_STOPPED}  # timer-driven
    assert set(LEGAL) == reachable == set(PATHS)
    assert set().union(*LEGAL.values()) <= set(ACTIONS)


@pytest.mark.parametrize("state", list(PATHS), ids=lambda st: st.value)
async def test_illegal_actions_are_rejected_without_a_trace(case_env: CaseEnv, state: St) -> None:
    channel = s.Channel.ORDINARY_MAIL if state is St.RECEIVED else s.Channel.IN_PERSON
    handle = await case_env.start(channel=channel)
    await view(handle)
    for name in PATHS[state]:
        update, arg = ACTIONS[name]
        await act(handle, update, arg)
    assert (await handle.query(W.view)).status is state
    before = await case_env.written(handle)
    for name, (update, arg) in ACTIONS.items():
        if name in LEGAL[state]:
            continue
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await act(handle, update, arg)
        cause = info.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "IllegalAction", (name, cause)
        assert cause.message.strip(), name
    assert await case_env.written(handle) == before
    assert (await handle.query(W.view)).status is state
    await handle.terminate("test done")
