"""The agency's recurring duties (LAW.md §6A P8, P11): one plan per agency and year watches each
period of each duty configured in the rule pack — quarterly press conferences and key-task
progress, the annual report by 31 January (GIDR Art. 49), the online interview, the May open
day, the leadership hearing. A period is satisfied by a recorded event with its evidence; a
period that ends without one escalates with an urging notice."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from rules.limits import Brief, Instant, Place, ShortReq
from schemas.case import Actor, AgencyInfo, CarryFields, CaseViewBase, CreateBase, FactBase


class PlanStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"

    @property
    def zh(self) -> str:
        return {"running": "执行中", "completed": "年度已结束"}[self.value]


class PlanInput(CarryFields):
    case_no: str
    agency: AgencyInfo
    officer: Actor
    year: int = Field(ge=2000, le=2099)
    started_at: Instant
    # The agency is its government's competent GI department (GIDR Art. 49 ¶2).
    competent_department: bool = False


class PlanCreate(CreateBase):
    """Watch a year's recurring duties (one plan per agency and year)."""

    year: int = Field(ge=2000, le=2099, title="年度")
    started_at: Instant | None = Field(
        default=None,
        description="from when the duties are watched (default: now); a plan registered late "
        "in the year may start on 1 January, and its past periods are judged at once",
        title="开始监督之时（可选；默认为现在；年中登记的可从1月1日起）",
    )
    competent_department: bool = Field(
        default=False,
        description="本机关是本级人民政府的政府信息公开工作主管部门：还须于每年3月31日前公布本级"
        "政府的政府信息公开工作年度报告（《政府信息公开条例》第四十九条第二款）",
        title="本机关是本级政府的政府信息公开工作主管部门（条例第四十九条第二款）",
    )
    INPUT: ClassVar[type[CarryFields]] = PlanInput
    INITIAL_STATUS: ClassVar[str] = "running"
    OPENED_FIELD: ClassVar[str] = "started_at"

    def summary(self) -> str:
        return f"{self.year}年政务公开常规工作"

    def natural_key(self) -> str:
        return f"obligations:{self.agency}:{self.year}"


class RecordDuty(FactBase):
    """A duty done: which, when (``occurred_at``; its period is the one it falls in), and the
    evidence (a web address, a document number, a short description)."""

    duty: ShortReq = Field(
        description="the duty's key in the rule pack, e.g. press_conference",
        title=(
            "常规工作（代码：annual_report 年度报告、government_report 本级政府年度报告、"
            "press_conference 新闻发布会、leader_press_conference 主要负责人出席新闻发布会、"
            "key_tasks 重点工作进展、online_interview 在线访谈、department_online_interview "
            "部门负责人在线访谈、meeting_invitations 邀请列席政府会议、open_day 政府开放日、"
            "leadership_hearing 听取汇报）"
        ),
    )
    evidence: Place = Field("", title="证明材料（网址、文号或简要说明）")
    summary: Brief = Field("", title="情况摘要")


class DutyPeriod(BaseModel):
    clock: str  # "<duty>:<period>", e.g. press_conference:Q2, annual_report:Y
    duty: str
    name: str
    period: str  # Q1..Q4, or Y
    basis: str
    done_at: datetime | None = None
    evidence: str = ""
    # Its window (fixed dates, rules/duties.py): a fact counts only inside it. None for plans
    # started before windows were kept (their periods run from the year's or quarter's start).
    opens: date | None = None
    closes: date | None = None
    times: int = 1  # facts needed in the period ("每年至少3次")
    count: int = 0  # facts recorded in it


class PlanView(CaseViewBase):
    kind: Literal["obligations"] = "obligations"
    status: PlanStatus
    year: int
    periods: list[DutyPeriod]
