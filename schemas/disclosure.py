"""Inputs, officer actions, events and the live view of an on-request disclosure case
(依申请公开, GIDR 2019 Arts. 29–45; LAW.md §1 and §5)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from rules.limits import (
    Brief,
    BriefReq,
    Day,
    Instant,
    Long,
    LongReq,
    Name,
    Note,
    NoteReq,
    Place,
    PlaceReq,
    Short,
    ShortReq,
    email_problem,
    phone_problem,
    resident_id_problem,
)
from rules.outcomes import Outcome, ReplyContent
from schemas.case import (
    FILLED_BY_API as FILLED_BY_API,
)
from schemas.case import (
    SYSTEM as SYSTEM,
)
from schemas.case import (
    ActionBase as ActionBase,
)
from schemas.case import (
    ActionResult as ActionResult,
)
from schemas.case import (
    Actor as Actor,
)
from schemas.case import (
    AgencyInfo as AgencyInfo,
)
from schemas.case import (
    AssignOfficer as AssignOfficer,
)
from schemas.case import (
    AttachmentRef as AttachmentRef,
)
from schemas.case import (
    CarryFields as CarryFields,
)
from schemas.case import (
    CaseCarry as CaseCarry,
)
from schemas.case import (
    CaseEvent as CaseEvent,
)
from schemas.case import (
    CaseViewBase as CaseViewBase,
)
from schemas.case import (
    CreateBase as CreateBase,
)
from schemas.case import (
    DocumentPreview as DocumentPreview,
)
from schemas.case import (
    DocumentRef as DocumentRef,
)
from schemas.case import (
    FactBase as FactBase,
)
from schemas.case import (  # the shared vocabulary, re-exported for this kind's users
    Role as Role,
)
from schemas.case import (
    Rung as Rung,
)
from schemas.case import (
    applicant_actor as applicant_actor,
)


class Channel(StrEnum):
    """How the application arrived; fixes T0 under GIDR Art. 31."""

    IN_PERSON = "in_person"  # 当面提交: T0 = the day of submission
    REGISTERED_MAIL = "registered_mail"  # 挂号/EMS: T0 = the day the agency signed for it
    ORDINARY_MAIL = "ordinary_mail"  # 平常信函: T0 = the day of confirmation, same day required
    ONLINE = "online"  # 互联网渠道: T0 = the day both sides confirm
    FAX = "fax"  # 信息公开工作机构的传真: T0 = the day both sides confirm

    @property
    def needs_confirmation(self) -> bool:
        return self in (Channel.ORDINARY_MAIL, Channel.ONLINE, Channel.FAX)


class Status(StrEnum):
    """States of LAW.md §5, in the statute's words."""

    RECEIVED = "received"
    REGISTERED = "registered"  # 登记
    AWAITING_CORRECTION = "awaiting_correction"  # 补正 (Art. 30)
    ACCEPTED = "accepted"  # 受理
    ASSIGNED = "assigned"  # 拟办
    CONSULTING = "consulting"  # 征求意见 (Arts. 32–34)
    FEE_PENDING = "fee_pending"  # 信息处理费 (Art. 42)
    EXPLANATION_PENDING = "explanation_pending"  # 说明理由 (Art. 35)
    REVIEW = "review"  # 审核 (incl. Art. 17 confidentiality review)
    SIGN_OFF = "sign_off"  # 签发
    REPLIED = "replied"  # 答复
    REMEDY_WINDOW = "remedy_window"  # served; applicant's remedies running (A11)
    ARCHIVED = "archived"  # 归档 (Art. 45)
    WITHDRAWN = "withdrawn"  # 撤回
    DEEMED_ABANDONED = "deemed_abandoned"  # 视为放弃申请 (Art. 30)
    PROCESSING_STOPPED = "processing_stopped"  # fee unpaid: 不再处理 (109号)

    @property
    def zh(self) -> str:
        return STATUS_ZH[self]


STATUS_ZH = {
    Status.RECEIVED: "已收到（待确认）",
    Status.REGISTERED: "已登记",
    Status.AWAITING_CORRECTION: "待补正",
    Status.ACCEPTED: "已受理",
    Status.ASSIGNED: "拟办中",
    Status.CONSULTING: "征求意见中",
    Status.FEE_PENDING: "待缴费",
    Status.EXPLANATION_PENDING: "待说明理由",
    Status.REVIEW: "审核中",
    Status.SIGN_OFF: "待签发",
    Status.REPLIED: "已答复（待送达）",
    Status.REMEDY_WINDOW: "已送达（救济期内）",
    Status.ARCHIVED: "已归档",
    Status.WITHDRAWN: "已撤回",
    Status.DEEMED_ABANDONED: "视为放弃申请",
    Status.PROCESSING_STOPPED: "不再处理",
}

OPEN_FOR_REPLY = frozenset(
    {
        Status.REGISTERED,
        Status.AWAITING_CORRECTION,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.CONSULTING,
        Status.FEE_PENDING,
        Status.EXPLANATION_PENDING,
        Status.REVIEW,
        Status.SIGN_OFF,
    }
)
CLOSED_WITHOUT_REPLY = frozenset(
    {Status.WITHDRAWN, Status.DEEMED_ABANDONED, Status.PROCESSING_STOPPED}
)


class ApplicantType(StrEnum):
    """The annual report's columns (国办公开办函〔2021〕30号, part 三): 自然人, or 法人或其他组织 of
    five kinds. Not personal data: it is projected to the read model."""

    PERSON = "person"
    BUSINESS = "business"
    RESEARCH = "research"
    PUBLIC_INTEREST = "public_interest"
    LEGAL_SERVICES = "legal_services"
    OTHER_ORG = "other_org"

    @property
    def zh(self) -> str:
        return APPLICANT_TYPE_ZH[self]


APPLICANT_TYPE_ZH = {
    ApplicantType.PERSON: "自然人",
    ApplicantType.BUSINESS: "商业企业",
    ApplicantType.RESEARCH: "科研机构",
    ApplicantType.PUBLIC_INTEREST: "社会公益组织",
    ApplicantType.LEGAL_SERVICES: "法律服务机构",
    ApplicantType.OTHER_ORG: "其他",
}


# What an application form offers (the portal's and the workbench's registration form alike).
ID_TYPES = (
    "居民身份证",
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "外国人永久居留身份证",
    "统一社会信用代码",
    "其他",
)
FORMS = ("电子文档", "纸质文本", "当面查阅")  # 获取信息的方式 (Art. 29 para 2 item 3)
DELIVERIES = ("电子邮件", "邮寄", "自行领取")  # 获取信息的载体


class Applicant(BaseModel):
    """Personal data (Art. 29 para 2 item 1): never in search attributes or logs."""

    type: ApplicantType = Field(ApplicantType.PERSON, title="申请人类型（年度报告按此分列）")
    name: Name = Field(title="姓名或名称")
    id_type: Short = Field("居民身份证", title="证件类型")
    id_number: Short = Field("", title="证件号码")
    phone: Short = Field("", title="联系电话")
    email: Short = Field("", title="电子邮箱")
    address: Place = Field("", title="通信地址")
    organisation: Place = Field("", title="单位名称")


class ApplicantIn(Applicant):
    """An applicant as registered through the API: what a clerk can mistype is checked
    (the workflow's own model stays as it was, so that recorded cases replay)."""

    @model_validator(mode="after")
    def _well_formed(self) -> ApplicantIn:
        problems = []
        if self.phone and (p := phone_problem(self.phone)):
            problems.append(f"phone: {p}")
        if self.email and (p := email_problem(self.email)):
            problems.append(f"email: {p}")
        if self.id_number and self.id_type == "居民身份证":
            if p := resident_id_problem(self.id_number):
                problems.append(f"id_number: {p}")
        if problems:
            raise ValueError("；".join(problems))
        return self


class DisclosureRequestInput(CarryFields):
    case_no: str
    agency: AgencyInfo
    channel: Channel
    received_at: Instant
    # Registered mail: the day the agency signed for it (not the postmark), Art. 31(2).
    signed_for_at: Instant | None = None
    # Online/fax already confirmed by both sides (e.g. an inquiry converted into a GI request):
    # T0 is the confirmation day, Art. 31(3).
    confirmed_at: Instant | None = None
    converted_from: str | None = None
    applicant: Applicant
    description: LongReq = Field(description="the information requested")
    form: Short = Field(default="纸质", description="form of provision, Art. 29 para 2 item 3")
    delivery: Short = Field(default="邮寄", description="how it should be delivered")
    officer: Actor
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=20)


class DisclosureRequestCreate(CreateBase):
    """A new application for government information (GIDR Art. 29)."""

    channel: Channel = Field(title="申请的提交方式（决定收到申请之日，条例第三十一条）")
    received_at: Instant | None = Field(
        default=None, description="default: now", title="收到的时间（北京时间，可选；默认为现在）"
    )
    signed_for_at: Instant | None = Field(
        default=None,
        description="registered mail: when the agency signed for it (Art. 31(2))",
        title="挂号信件签收时间（条例第三十一条第（二）项，可选）",
    )
    applicant: ApplicantIn = Field(title="申请人")
    description: LongReq = Field(title="所需政府信息的描述")
    form: Short = Field("纸质", title="获取信息的方式（如电子文档、纸质文本）")
    delivery: Short = Field("邮寄", title="获取信息的载体（如电子邮件、邮寄）")
    INITIAL_STATUS: ClassVar[str] = "received"

    def other_moments(self) -> dict[str, datetime]:
        return {"signed_for_at": self.signed_for_at} if self.signed_for_at else {}

    def summary(self) -> str:
        return self.description

    def problem(self) -> str | None:
        if self.channel is Channel.REGISTERED_MAIL and self.signed_for_at is None:
            return (
                "挂号信须写明本机关签收之日（signed_for_at）：收到申请之日为签收之日，不是邮戳日期"
                "（《政府信息公开条例》第三十一条第二项）。"
            )
        return None

    def to_input(
        self, case_no: str, agency: AgencyInfo, officer: Actor, at: datetime
    ) -> DisclosureRequestInput:
        return DisclosureRequestInput(
            case_no=case_no,
            agency=agency,
            channel=self.channel,
            received_at=at,
            signed_for_at=self.signed_for_at,
            applicant=Applicant(**self.applicant.model_dump()),
            description=self.description,
            form=self.form,
            delivery=self.delivery,
            officer=officer,
        )


# -- officer actions (Temporal Updates) --------------------------------------------------


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


class ExtensionRequest(BaseModel):
    working_days: int
    reason: str
    by: str
    by_name: str
    at: datetime


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


class ApplicantView(BaseModel):
    """The applicant as the agency's staff see them (never a public page): whom to contact,
    verify and post to; the identity number masked (``reveal-identity`` shows it, recorded)."""

    type: ApplicantType
    type_zh: str
    name: str
    organisation: str = ""
    id_type: str = ""
    id_number_masked: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    form: str = ""  # 获取信息的方式 (Art. 29 para 2 item 3)
    delivery: str = ""  # 获取信息的载体


class DraftView(BaseModel):
    """The reply as drafted and submitted for review: what the reviewer and the signer read,
    and its fingerprint (recorded with each approval)."""

    reply: ReplyContent
    digest: str
    by: str
    by_name: str
    at: datetime
    version: int


# -- events and the live view -----------------------------------------------------------


class CaseView(CaseViewBase):
    """The live state of an on-request disclosure case."""

    kind: Literal["disclosure"] = "disclosure"
    status: Status
    outcome: Outcome | None
    channel: Channel
    correction_requested: bool
    extended: bool
    replied_at: datetime | None
    served_on: date | None
    archived_at: datetime | None
    rating: Satisfaction | None = None
    extension_request: ExtensionRequest | None = None  # waiting for the supervisor
    unit: str = ""  # the unit handling it (拟办, 转办)
    unit_acknowledged: bool = False  # 签收 by that unit
    moved_to: str | None = None  # Art. 44: the proactive item it was moved into
    # What the staff must see to decide (never on a public page): who applied, what they asked
    # for, and the draft under review.
    description: str = ""
    applicant: ApplicantView | None = None
    submitted_at: datetime | None = None  # when it arrived (online: before T0, Art. 31(3))
    converted_from: str | None = None
    draft: DraftView | None = None
    working_draft: ReplyContent | None = None  # saved, not yet submitted for review
