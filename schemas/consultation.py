"""Major administrative decisions, pre-publication (重大行政决策预公开, Decree 713): LAW.md §2."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from rules.limits import Brief, Instant, LongReq, NoteReq, PlaceReq, Short
from schemas.case import ActionBase, Actor, AgencyInfo, CarryFields, CaseViewBase, CreateBase


class Stage(StrEnum):
    DRAFTING = "drafting"  # B1–B3
    COMMENT_OPEN = "comment_open"  # B5 (Art. 15)
    PROCESSING = "processing"  # B6–B9: hearing, comments, experts, risk
    LEGALITY_REVIEW = "legality_review"  # B10 (Arts. 25–28)
    REVIEWED = "reviewed"  # lawful: may go to collective discussion
    DECIDED = "decided"  # B12 (Art. 30)
    REPORTED = "reported"  # B13 (Art. 31)
    PUBLISHED = "published"  # B14 (Art. 32)
    ARCHIVED = "archived"  # B15 (Art. 33)

    @property
    def zh(self) -> str:
        return {
            "drafting": "起草中",
            "comment_open": "公开征求意见中",
            "processing": "意见处理与论证",
            "legality_review": "合法性审查中",
            "reviewed": "已通过合法性审查",
            "decided": "已集体讨论决定",
            "reported": "已报告党委",
            "published": "已公布",
            "archived": "已归档",
        }[self.value]


class ConsultationInput(CarryFields):
    case_no: str
    agency: AgencyInfo
    officer: Actor
    started_at: Instant
    title: PlaceReq
    expert_review_required: bool = False  # 专业性、技术性较强 (Art. 19)
    risk_assessment_required: bool = False  # may affect stability or public safety (Art. 22)


class ConsultationCreate(CreateBase):
    """A major administrative decision to prepare in public (Decree 713)."""

    title: PlaceReq = Field(title="标题")
    expert_review_required: bool = Field(False, title="需要专家论证（条例第十九条）")
    risk_assessment_required: bool = Field(False, title="需要风险评估（条例第二十二条）")
    INPUT: ClassVar[type[CarryFields]] = ConsultationInput
    INITIAL_STATUS: ClassVar[str] = "drafting"
    OPENED_FIELD: ClassVar[str] = "started_at"

    def summary(self) -> str:
        return self.title


class PublishDraft(ActionBase):
    """Art. 15: comment period generally ≥30 days; shorter only for urgency, reason published."""

    period_days: int | None = Field(
        default=None, ge=1, le=365, title="征求意见期限（日，可选；默认30日）"
    )
    urgency_reason: Brief = Field("", title="期限少于30日的理由")
    channels: Short = Field("政府网站、政务新媒体", title="公布渠道")


class ScheduleHearing(ActionBase):
    """Art. 16: materials reach participants ≥7 days before the hearing."""

    hearing_at: Instant = Field(title="听证会时间")
    materials_sent_at: Instant = Field(title="听证材料送达时间")
    place: PlaceReq = Field(title="地点")


class RecordStep(ActionBase):
    """Hearing record, expert opinions (Arts. 19–21) or the risk report (Arts. 22–24)."""

    step: Literal["hearing", "expert_review", "risk_assessment"] = Field(title="环节")
    summary: LongReq = Field(title="情况摘要")
    controllable: bool = Field(True, title="风险可控")


class RecordAdoption(ActionBase):
    """Art. 18 / Art. 32: how the comments were studied and adopted."""

    adopted: LongReq = Field(title="采纳的意见")
    not_adopted_reasons: LongReq = Field(
        description="concentrated opinions not adopted", title="集中意见未予采纳的理由"
    )


class SubmitLegalityReview(ActionBase):
    pass


class RecordLegalityOpinion(ActionBase):
    lawful: bool = Field(title="审查结论：合法")
    opinion: LongReq = Field(title="审查意见")


class RecordDecision(ActionBase):
    """Art. 30: collective discussion, the head speaks last; dissent recorded."""

    decision: LongReq = Field(title="决定")
    minutes: LongReq = Field(title="会议纪要")
    dissent: list[NoteReq] = Field(
        default_factory=list, max_length=50, title="不同意见（每行一条）"
    )


class ReportToCommittee(ActionBase):
    pass


class PublishDecision(ActionBase):
    text: LongReq = Field(title="内容")


class ArchiveConsultation(ActionBase):
    pass


class ConsultationView(CaseViewBase):
    kind: Literal["consultation"] = "consultation"
    status: Stage
    title: str
    comment_count: int
    steps: dict[str, str]
    adoption: RecordAdoption | None
    legality_lawful: bool | None
    decision: str | None
