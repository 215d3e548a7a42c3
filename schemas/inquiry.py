"""Online inquiries (网络问政 / 政府网站留言): LAW.md §4; every number is local configuration."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from rules.limits import (
    BriefReq,
    Instant,
    LongReq,
    Name,
    NoteReq,
    PlaceReq,
    Short,
    ShortReq,
)
from schemas.case import (
    ActionBase,
    Actor,
    AgencyInfo,
    CarryFields,
    CaseViewBase,
    CreateBase,
    contact_problems,
)


class InquiryCategory(StrEnum):
    CONSULTATION = "consultation"  # 咨询: D1, 10 WD
    SUGGESTION = "suggestion"  # 建议: D2, 7 WD
    SUGGESTION_COMPLEX = "suggestion_complex"  # 复杂建议: D2, 15 WD
    ERROR_REPORT = "error_report"  # 纠错: D3, 3 WD
    REPRINT = "reprint"  # 转载上级政策文件: D4, 1 h target, ≤1 WD

    @property
    def zh(self) -> str:
        return {
            "consultation": "咨询",
            "suggestion": "建议",
            "suggestion_complex": "复杂建议",
            "error_report": "纠错",
            "reprint": "转载上级政策文件",
        }[self.value]


class InquiryStatus(StrEnum):
    HANDLING = "handling"
    ANSWERED = "answered"
    CONVERTED = "converted"
    PETITION = "petition"
    CLOSED = "closed"

    @property
    def zh(self) -> str:
        return {
            "handling": "办理中",
            "answered": "已答复",
            "converted": "已转为依申请公开",
            "petition": "已按信访事项办理",
            "closed": "已办结归档",
        }[self.value]


class Person(BaseModel):
    """The person who left the message (personal data: never in search attributes)."""

    name: Name = Field(title="留言人姓名")
    phone: Short = Field("", title="联系电话")
    email: Short = Field("", title="电子邮箱")


class PersonIn(Person):
    """The person as registered through the API: a mistyped phone or e-mail is refused."""

    @model_validator(mode="after")
    def _well_formed(self) -> PersonIn:
        if problems := contact_problems(self.phone, self.email):
            raise ValueError("；".join(problems))
        return self


class InquiryInput(CarryFields):
    case_no: str
    agency: AgencyInfo
    officer: Actor
    received_at: Instant
    category: InquiryCategory
    person: Person
    subject: PlaceReq
    message: LongReq
    unit: ShortReq = Field(description="the unit that must answer")
    # The author agreed that the message and its answer be published (after an officer has
    # approved the public text, personal data masked).
    publish_consent: bool = False


class InquiryCreate(CreateBase):
    """A message left on the government website (网民留言)."""

    category: InquiryCategory = Field(title="留言类别")
    person: PersonIn = Field(title="留言人")
    subject: PlaceReq = Field(title="标题")
    message: LongReq = Field(title="留言内容")
    unit: ShortReq = Field(title="承办单位（科室）")
    received_at: Instant | None = Field(None, title="收到的时间（北京时间，可选；默认为现在）")
    publish_consent: bool = Field(
        default=False,
        description="the author agrees to publication of the message and answer",
        title="同意公开留言及答复（公开前隐去个人信息）",
    )
    INPUT: ClassVar[type[CarryFields]] = InquiryInput
    INITIAL_STATUS: ClassVar[str] = "handling"

    def summary(self) -> str:
        return self.subject


class Transfer(ActionBase):
    """转办: the matter belongs to another unit, whose own clock starts now."""

    to_unit: ShortReq = Field(title="转至单位")
    reason: BriefReq = Field(title="理由")


class InformDelay(ActionBase):
    """The lead unit tells the person a complex, multi-unit matter cannot be answered at once."""

    text: BriefReq = Field(title="内容")


class Answer(ActionBase):
    text: LongReq = Field(title="答复内容")


class ConvertToDisclosure(ActionBase):
    """The message is in substance a GI request (LAW.md §4 D6): open a disclosure case whose T0
    is the confirmation day (GIDR Art. 31(3))."""

    description: LongReq = Field(
        description="the information requested", title="所需政府信息的描述"
    )


class ConvertToPetition(ActionBase):
    """The message is in substance a 信访 matter (LAW.md §4 D5): the organ must tell the
    petitioner in writing within 15 days whether it accepts it (信访工作条例 Art. 23)."""

    reason: BriefReq = Field(title="理由")


class NotifyPetitioner(ActionBase):
    accepted: bool = Field(title="是否受理")
    text: NoteReq = Field(title="内容")


class Close(ActionBase):
    pass


class ApprovePublication(ActionBase):
    """公开前审核: the text of an answered message that the public board will show, as an officer
    approved it — the author's name, identity and phone numbers and e-mail masked (pre-masked by
    the workbench, edited by the officer); the original stays staff-only."""

    subject: PlaceReq = Field(title="标题（公开文本）")
    message: LongReq = Field(title="留言内容（公开文本）")
    answer: LongReq = Field(title="答复（公开文本）")


class PublicText(BaseModel):
    subject: str
    message: str
    answer: str
    by: str
    by_name: str
    at: datetime


class TransferRecord(BaseModel):
    from_unit: str
    to_unit: str
    at: datetime
    by: str
    reason: str


class InquiryView(CaseViewBase):
    kind: Literal["inquiry"] = "inquiry"
    status: InquiryStatus
    category: InquiryCategory
    unit: str
    transfers: list[TransferRecord]
    converted_to: str | None
    # What the officer answering must read (never on a public page as it is).
    subject: str = ""
    message: str = ""
    person: Person | None = None
    publish_consent: bool = False
    answer: str = ""
    public_text: PublicText | None = None
