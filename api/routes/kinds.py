"""Opening the other case kinds — consultations, emergencies, inquiries — and the public comment
endpoint; their actions go through ``/v1/cases/{id}/actions/{action}`` like every case."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from api import deps
from api.ratelimit import RateLimiter, client_key, too_many
from api.routes.cases import AgencyCode, CaseCreated, NewCase, start_case
from gongkai.settings import Settings
from rules.limits import Instant, Long, LongReq, PlaceReq, ShortReq
from schemas import consultation as c
from schemas import disclosure as s
from schemas import emergency as e
from schemas import inquiry as q
from store.cases import get_case
from store.db import session_scope
from store.models import PublicComment
from workflows.consultation import ConsultationWorkflow
from workflows.emergency import EmergencyReleaseWorkflow
from workflows.inquiry import InquiryWorkflow
from workflows.press_plan import PressConferencePlanWorkflow

router = APIRouter(prefix="/v1", tags=["cases"])
Key = Annotated[str | None, Header(max_length=200)]


class ConsultationCreate(BaseModel):
    agency: AgencyCode
    title: PlaceReq
    expert_review_required: bool = False
    risk_assessment_required: bool = False


@router.post(
    "/consultations",
    response_model=CaseCreated,
    status_code=201,
    summary="Open a major-decision pre-publication case (重大行政决策预公开)",
)
async def create_consultation(
    body: ConsultationCreate,
    op: deps.Opening = Depends(deps.opening),
) -> CaseCreated:
    def build(case_no: str, agency: s.AgencyInfo, at: datetime) -> c.ConsultationInput:
        return c.ConsultationInput(
            case_no=case_no,
            agency=agency,
            officer=op.actor,
            started_at=at,
            title=body.title,
            expert_review_required=body.expert_review_required,
            risk_assessment_required=body.risk_assessment_required,
        )

    new = NewCase("consultation", body.agency, None, body.title, c.Stage.DRAFTING.value)
    return await start_case(op, new, build, ConsultationWorkflow.run)


class EmergencyCreate(BaseModel):
    agency: AgencyCode
    grade: e.Grade
    title: PlaceReq
    summary: Long = ""
    detected_at: Instant | None = None


@router.post(
    "/emergencies",
    response_model=CaseCreated,
    status_code=201,
    summary="Open an emergency release / public-concern response (突发事件, 政务舆情)",
)
async def create_emergency(
    body: EmergencyCreate,
    op: deps.Opening = Depends(deps.opening),
) -> CaseCreated:
    def build(case_no: str, agency: s.AgencyInfo, at: datetime) -> e.EmergencyInput:
        return e.EmergencyInput(
            case_no=case_no,
            agency=agency,
            officer=op.actor,
            detected_at=at,
            grade=body.grade,
            title=body.title,
            summary=body.summary,
        )

    new = NewCase(
        "emergency",
        body.agency,
        body.detected_at,
        body.title,
        e.EmergencyStatus.DRAFTING.value,
        field="detected_at",
    )
    return await start_case(op, new, build, EmergencyReleaseWorkflow.run)


class PressPlanCreate(BaseModel):
    agency: AgencyCode
    year: int = Field(ge=2000, le=2099)


@router.post(
    "/press-conference-plans",
    response_model=CaseCreated,
    status_code=201,
    summary="Watch a year's quarterly press conferences (国办发〔2013〕100号)",
)
async def create_press_plan(
    body: PressPlanCreate,
    op: deps.Opening = Depends(deps.opening),
) -> CaseCreated:
    def build(case_no: str, agency: s.AgencyInfo, at: datetime) -> e.PressPlanInput:
        return e.PressPlanInput(
            case_no=case_no, agency=agency, officer=op.actor, year=body.year, started_at=at
        )

    new = NewCase(
        "emergency", body.agency, None, f"{body.year}年新闻发布会", e.PressPlanStatus.RUNNING.value
    )
    # One plan per agency and year: a repeated request finds the same case.
    return await start_case(
        op, new, build, PressConferencePlanWorkflow.run, f"press-plan:{body.agency}:{body.year}"
    )


class InquiryCreate(BaseModel):
    agency: AgencyCode
    category: q.InquiryCategory
    person: q.Person
    subject: PlaceReq
    message: LongReq
    unit: ShortReq
    received_at: Instant | None = None


@router.post(
    "/inquiries",
    response_model=CaseCreated,
    status_code=201,
    summary="Register an online inquiry (网民留言)",
)
async def create_inquiry(
    body: InquiryCreate,
    op: deps.Opening = Depends(deps.opening),
) -> CaseCreated:
    def build(case_no: str, agency: s.AgencyInfo, at: datetime) -> q.InquiryInput:
        return q.InquiryInput(
            case_no=case_no,
            agency=agency,
            officer=op.actor,
            received_at=at,
            category=body.category,
            person=body.person,
            subject=body.subject,
            message=body.message,
            unit=body.unit,
        )

    new = NewCase(
        "inquiry", body.agency, body.received_at, body.subject, q.InquiryStatus.HANDLING.value
    )
    return await start_case(op, new, build, InquiryWorkflow.run)


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    name: str = Field(default="", max_length=100)
    contact: str = Field(default="", max_length=200)


# One answer for a number that is no case, a case that is no consultation and a consultation
# not (or no longer) open for comment, so that the endpoint tells nobody which numbers exist.
NOT_OPEN = (
    "该编号下没有正在公开征求意见的决策草案。请核对编号，并在征求意见公告载明的期限内提交意见。"
)


@dataclass
class CommentGuard:
    """The public comment endpoint's limits (gongkai/settings.py, ``comment_*``)."""

    per_address: RateLimiter
    per_case: RateLimiter
    max_per_case: int
    # Counting and adding one comment is one step within this process.
    writing: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> CommentGuard:
        window = settings.comment_limit_window_seconds
        return cls(
            RateLimiter(settings.comment_limit_per_address, window),
            RateLimiter(settings.comment_limit_per_case, window),
            settings.comment_max_per_case,
        )


@router.post(
    "/consultations/{case_no}/comments",
    status_code=201,
    tags=["public"],
    summary="Comment on a published draft decision (public, no login)",
    responses={
        404: {"description": "No draft decision open for comment under this number"},
        409: {"description": "The draft has received as many comments as it takes"},
        429: {"description": "Too many comments from this address or to this case"},
    },
)
def comment(
    case_no: Annotated[str, Path(max_length=64)],
    body: CommentIn,
    request: Request,
    engine: Engine = Depends(deps.engine),
) -> dict[str, Any]:
    """决策草案公开征求意见 (Decree 713 Art. 15): anyone may comment while the period runs."""
    guard: CommentGuard = request.app.state.comment_guard
    # Both limits count before the case is looked up: the answers do not depend on it.
    for limiter, key, detail in (
        (guard.per_address, client_key(request), "同一网络地址"),
        (guard.per_case, case_no, "同一决策草案"),
    ):
        wait = limiter.hit(key)
        if wait is not None:
            raise too_many(
                wait,
                f"提交意见过于频繁：{detail}每{limiter.per_seconds:g}秒最多接收"
                f"{limiter.limit}条意见。请{math.ceil(wait)}秒后再提交。",
            )
    row = get_case(engine, case_no)
    now = datetime.now(UTC)
    if (
        row is None
        or row.kind != "consultation"
        or row.status != c.Stage.COMMENT_OPEN.value
        or (row.due_at is not None and row.due_at < now)
    ):
        raise HTTPException(404, NOT_OPEN)
    with guard.writing, session_scope(engine) as db:
        count = db.exec(
            select(func.count()).select_from(PublicComment).where(PublicComment.case_no == case_no)
        ).one()
        if count >= guard.max_per_case:
            raise HTTPException(
                409,
                f"该决策草案收到的网上意见已达{guard.max_per_case}条上限，不再接收。"
                "如仍有意见，请按征求意见公告载明的信函、电子邮件等方式提出。",
            )
        db.add(
            PublicComment(
                case_no=case_no, at=now, name=body.name, contact=body.contact, text=body.text
            )
        )
    return {"case_no": case_no, "received": True}
