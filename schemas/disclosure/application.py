"""An application for government information as it arrives (GIDR Arts. 29–31): how it came,
who asked, what the workflow starts with and the body that opens it, and the statuses of the
case (LAW.md §5)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, Field, model_validator

from rules.limits import (
    Instant,
    LongReq,
    Name,
    Place,
    Short,
    resident_id_problem,
)
from schemas.case import (
    Actor,
    AgencyInfo,
    AttachmentRef,
    CarryFields,
    CreateBase,
    contact_problems,
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
        problems = contact_problems(self.phone, self.email)
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
    INPUT: ClassVar[type[CarryFields]] = DisclosureRequestInput
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
