"""Emergency releases and responses to public concerns (突发事件 / 政务舆情回应): LAW.md §3.
Hours run 24×7 and ignore the working-day calendar."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from rules.limits import Brief, BriefReq, Instant, Long, LongReq, PlaceReq, Short, ShortReq
from schemas.case import (
    ActionBase,
    Actor,
    AgencyInfo,
    CarryFields,
    CaseViewBase,
    CreateBase,
    FactBase,
)


class Grade(StrEnum):
    """突发事件应对法 Art. 3: 特别重大 / 重大 / 较大 / 一般; or a public concern (政务舆情)."""

    ESPECIALLY_MAJOR = "especially_major"
    MAJOR = "major"
    LARGER = "larger"
    GENERAL = "general"
    PUBLIC_CONCERN = "public_concern"

    @property
    def zh(self) -> str:
        return {
            "especially_major": "特别重大",
            "major": "重大",
            "larger": "较大",
            "general": "一般",
            "public_concern": "政务舆情",
        }[self.value]

    @property
    def needs_release_and_press(self) -> bool:
        """80号 / 61号: authoritative information ≤5 h and a press conference ≤24 h."""
        return self in (Grade.ESPECIALLY_MAJOR, Grade.MAJOR)


class EmergencyStatus(StrEnum):
    DRAFTING = "drafting"
    AWAITING_APPROVAL = "awaiting_approval"
    RELEASED = "released"  # following up
    CLOSED = "closed"

    @property
    def zh(self) -> str:
        return {
            "drafting": "拟稿中",
            "awaiting_approval": "待审核发布",
            "released": "已发布（持续发布中）",
            "closed": "已结束",
        }[self.value]


class ReleaseKind(StrEnum):
    AUTHORITATIVE = "authoritative"  # 权威信息 / 回应
    FOLLOW_UP = "follow_up"  # 持续发布
    CORRECTION = "correction"  # 澄清不实信息 (突发事件应对法 Art. 7; GIDR Art. 6)


class EmergencyInput(CarryFields):
    case_no: str
    agency: AgencyInfo
    officer: Actor
    detected_at: Instant = Field(description="opinion detected or event confirmed (T_detect)")
    grade: Grade
    title: PlaceReq
    summary: Long = ""


class EmergencyCreate(CreateBase):
    """An emergency or a public concern that needs an authoritative answer."""

    grade: Grade = Field(title="事件级别")
    title: PlaceReq = Field(title="标题")
    summary_text: Long = Field(default="", alias="summary", title="事件概况")
    detected_at: Instant | None = Field(None, title="发现时间（北京时间，可选；默认为现在）")
    INPUT: ClassVar[type[CarryFields]] = EmergencyInput
    INITIAL_STATUS: ClassVar[str] = "drafting"
    OPENED_FIELD: ClassVar[str] = "detected_at"

    def summary(self) -> str:
        return self.title


class SubmitDraft(ActionBase):
    kind: ReleaseKind = Field(title="发布类型")
    text: LongReq = Field(title="内容")


class ApproveRelease(ActionBase):
    """谁发布谁审查: the releasing organ's leader approves the text, and it is published."""

    approve: bool = Field(title="审核意见")
    channel: Short = Field("政府网站、政务新媒体", title="发布渠道")
    comments: Brief = Field("", title="意见")


class HoldPressConference(FactBase):
    place: PlaceReq = Field(title="地点")
    speaker: ShortReq = Field(title="发布人")


class CloseEmergency(ActionBase):
    reason: BriefReq = Field(title="理由")
    # An especially major or major event owes a press conference within 24 h (61号); closing
    # without one needs the supervisor's recorded reason.
    no_press_conference_reason: Brief = Field("", title="未举行新闻发布会的理由")


class Release(BaseModel):
    seq: int
    kind: ReleaseKind
    text: str
    at: datetime
    approved_by: str


class EmergencyView(CaseViewBase):
    kind: Literal["emergency"] = "emergency"
    status: EmergencyStatus
    grade: Grade
    releases: list[Release]
    draft: SubmitDraft | None
    press_conference_at: datetime | None


class PressPlanStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"

    @property
    def zh(self) -> str:
        return {"running": "执行中", "completed": "年度已结束"}[self.value]


class PressPlanInput(CarryFields):
    """国办发〔2013〕100号 (LAW.md §3 C4): a department holds a press conference at least once a
    quarter; one workflow per agency and year watches each quarter."""

    case_no: str
    agency: AgencyInfo
    officer: Actor
    year: int = Field(ge=2000, le=2099)
    started_at: Instant


class PressPlanCreate(CreateBase):
    """Watch a year's quarterly press conferences (one plan per agency and year)."""

    year: int = Field(ge=2000, le=2099, title="年度")
    INPUT: ClassVar[type[CarryFields]] = PressPlanInput
    INITIAL_STATUS: ClassVar[str] = "running"
    OPENED_FIELD: ClassVar[str] = "started_at"

    def summary(self) -> str:
        return f"{self.year}年新闻发布会"

    def natural_key(self) -> str:
        return f"press-plan:{self.agency}:{self.year}"


class RecordPressConference(ActionBase):
    held_on: Instant = Field(title="举行日期")
    topic: PlaceReq = Field(title="主题")
    speaker: ShortReq = Field(title="发布人")


class PressPlanView(CaseViewBase):
    kind: Literal["press_plan", "emergency"] = "press_plan"
    status: PressPlanStatus
    year: int
    quarter: int
    held: dict[int, int]
