"""The steps of an on-request disclosure case, each a Temporal Update's body: registration and
correction (Arts. 30–31), handling and consultation (Arts. 32–34, 42, 45), the explanation and
the extension (Arts. 33, 35), the reply, its sign-off and service (Arts. 36–39), and the
applicant's own (withdrawal, explanation, rating)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from rules.limits import (
    Brief,
    BriefReq,
    Day,
    Instant,
    Long,
    LongReq,
    Note,
    NoteReq,
    PlaceReq,
    Short,
    ShortReq,
)
from rules.outcomes import ReplyContent
from schemas.case import ActionBase, ActionResult, AttachmentRef, FactBase


class ConfirmReceipt(ActionBase):
    """Art. 31(3)/(4): ordinary mail confirmed with the applicant, or online/fax confirmed by both
    sides; T0 is the confirmation day."""


class RequestCorrection(ActionBase):
    """补正告知 (Art. 30): one notice, within 7 WD of T0, listing every item."""

    items: list[BriefReq] = Field(min_length=1, max_length=30, title="需要补正的事项（每行一项）")
    period_working_days: int | None = Field(
        default=None, ge=1, le=60, title="补正期限（工作日，可选；默认按规则包）"
    )


class SubmitCorrection(FactBase):
    """The corrected application arrived: the reply period restarts (Art. 30). After the
    correction period, only with the applicant's good reason (Art. 30: 无正当理由逾期不补正的,
    视为放弃申请)."""

    late_reason: Brief = Field(
        default="", description="the applicant's good reason, when late", title="逾期补正的正当理由"
    )
    text: Long = Field(
        default="", description="the correction, as the applicant gave it online", title="内容"
    )
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=20)


class ProvideExplanation(ActionBase):
    """The applicant explains why the request is reasonable (Art. 35), on the portal."""

    text: LongReq = Field(title="内容")
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=20)


Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]
SATISFACTION_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


class Rate(ActionBase):
    """The applicant's rating of the reply once it is served (kept for the agency's 考核)."""

    score: Satisfaction = Field(title="评价")
    comment: Brief = Field("", title="评价意见")


class Accept(ActionBase):
    """受理: the application is complete and clear."""


class Assign(ActionBase):
    """拟办: route to the business unit that drafts the handling opinion."""

    unit: ShortReq = Field(title="承办单位（科室）")


class Acknowledge(ActionBase):
    """签收: the unit the case was routed to takes it (someone of that unit, or a supervisor)."""


class ReturnToOffice(ActionBase):
    """退回: the unit sends the case back to the GI office, saying why (not its business)."""

    reason: BriefReq = Field(title="理由")


class TransferUnit(ActionBase):
    """转办: the GI office routes the case to another unit, saying why."""

    to_unit: ShortReq = Field(title="转至单位")
    reason: BriefReq = Field(title="理由")


class ConsultKind(StrEnum):
    THIRD_PARTY = "third_party"  # Art. 32
    CO_PRODUCER = "co_producer"  # Art. 34
    OTHER_AGENCY = "other_agency"  # Art. 33 para 3 (incl. Art. 17 confidentiality referral)


class StartConsultation(ActionBase):
    kind: ConsultKind = Field(title="征求意见的对象")
    party: PlaceReq = Field(title="被征求意见的第三方或机关")
    matters: LongReq = Field(description="what is asked", title="征求意见的事项")


class ConsultationAnswer(StrEnum):
    CONSENT = "consent"
    OBJECTION = "objection"
    OPINION = "opinion"


class RecordConsultationAnswer(FactBase):
    answer: ConsultationAnswer = Field(title="第三方意见")
    reasons: Note = Field("", title="理由（条例第三十六条要求说明理由）")


class RecordConsultationDelivery(ActionBase):
    """The consulted party received the letter (Arts. 32, 34: its 15 WD run from receipt)."""

    delivered_at: Instant = Field(title="征求意见书送达时间")


class RequestFee(ActionBase):
    """Art. 42 / 109号: only for quantity or frequency clearly beyond a reasonable range."""

    amount_yuan: int = Field(gt=0, le=10_000_000, title="信息处理费金额（元）")
    basis: BriefReq = Field(title="收费依据")


class RecordPayment(FactBase):
    """The fee was paid: the reply period runs again from the payment."""


class RequestExplanation(ActionBase):
    """Art. 35: ask the applicant to explain an excessive request."""

    reason: BriefReq = Field(title="理由")


class ExplanationDecision(StrEnum):
    REASONABLE = "reasonable"
    UNREASONABLE = "unreasonable"


class RecordExplanation(ActionBase):
    decision: ExplanationDecision = Field(title="决定")
    # Art. 35: a reasonable request that cannot be answered in time gets a fixed later date,
    # set by the head of the GI office (the acting supervisor) and told to the applicant.
    fixed_reply_date: Day | None = Field(None, title="确定的答复日期（条例第三十五条）")


class Extend(ActionBase):
    """Art. 33 para 2: one extension of at most 20 WD, approved by the head of the GI office."""

    working_days: int = Field(ge=1, le=60, title="延长的工作日数（不超过20个）")
    reason: BriefReq = Field(title="理由")


class RequestExtension(ActionBase):
    """Art. 33 para 2: the officer asks for the extension, with its reason; the head of the GI
    office approves or refuses it (DecideExtension). Nothing changes for the applicant yet."""

    working_days: int = Field(ge=1, le=60, title="延长的工作日数（不超过20个）")
    reason: BriefReq = Field(title="理由")


class DecideExtension(ActionBase):
    """The approval (or refusal) of the pending extension request: recorded with who and when;
    on approval the extension takes effect and the applicant is told."""

    approve: bool = Field(title="审核意见")
    comments: Note = Field("", title="意见")


class PreviousAnswer(BaseModel):
    """GIDR Art. 36(6): the earlier case a repeat request cites, as the API found it in the read
    model — in this agency, answered, the same applicant's (store/applicants.py). Filled in by
    the API, never from what a caller sends."""

    case_no: Short
    replied_on: date
    outcome: Short


class SubmitForReview(ActionBase):
    reply: ReplyContent = Field(title="答复内容（答复书）")
    # Filled in by the API for a repeat request (NOT_PROCESSED.repeat): the cited case, checked.
    previous_answer: PreviousAnswer | None = None


class SaveDraft(ActionBase):
    """保存答复草稿: the drafter keeps an unfinished reply on the case (nothing is checked
    yet, nobody is asked to review it)."""

    reply: ReplyContent = Field(title="答复内容（答复书）")


DRAFT_DIGEST = Field(
    default="",
    max_length=64,
    description="the fingerprint (SHA-256) of the draft the approver read (the case view's "
    "draft.digest): refused if the draft has changed since",
    title="文稿指纹",
)


class Review(ActionBase):
    """审核, including the confidentiality review before any disclosure (Art. 17)."""

    approve: bool = Field(title="审核意见")
    confidentiality_reviewed: bool = Field(False, title="已依照条例第十七条进行保密审查")
    comments: Brief = Field("", title="意见")
    draft_digest: str = DRAFT_DIGEST


class SignOff(ActionBase):
    """签发 by the responsible leader; the reply is issued."""

    approve: bool = Field(title="审核意见")
    comments: Brief = Field("", title="意见")
    draft_digest: str = DRAFT_DIGEST


# 送达方式 (民事诉讼法 Arts. 87–95, by 行政诉讼法 Art. 101): what a reply may be served by.
SERVICE_METHODS = ("直接送达", "邮寄送达", "电子送达", "留置送达", "委托送达")


class Serve(ActionBase):
    """送达 (A10): starts the applicant's remedy windows (A11)."""

    method: ShortReq = Field(
        description="送达方式：" + "、".join(SERVICE_METHODS), title="送达方式"
    )
    served_on: Day | None = Field(None, title="送达日期（可选；默认为今天）")


class RevealIdentity(ActionBase):
    """查看申请人完整证件号码: the number is shown masked; seeing it whole is recorded with who,
    when and why (个人信息保护法 Arts. 6, 51: minimum exposure, access logged)."""

    purpose: BriefReq = Field(
        description="why the whole number is needed (如：核实申请人身份)",
        title="查看用途（记入办理经过）",
    )


class Archive(ActionBase):
    """归档 (Art. 45, A12)."""


class Withdraw(ActionBase):
    reason: BriefReq = Field(title="理由")


class AddNote(ActionBase):
    text: NoteReq = Field(title="内容")


class Revealed(ActionResult):
    """The answer to ``reveal-identity``: the whole identity-document number."""

    id_number: str = ""
