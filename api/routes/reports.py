"""Reports from the read model: the annual report of on-request disclosure (GIDR Arts. 49–50,
part 三 of the 国办公开办函〔2021〕30号 format), as JSON, CSV or HTML.

Supervisors see their own agency's report; administrators name any agency with ``?agency=``.
Officers have no access: the report is signed off by the agency's leadership, not by case officers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api import deps
from gongkai.logs import get_logger
from rules.calendar import SHANGHAI
from rules.limits import Day
from schemas.disclosure import Actor, Role
from store.annual import PROCEEDINGS, REMEDY_COLUMNS, FullReport, full_report, save_text, sign
from store.annual import to_csv as full_csv
from store.db import session_scope
from store.models import CaseRow, RemedyRecord
from store.report import AnnualReport, ReportError, UnknownAgency, annual_report, to_csv

router = APIRouter(prefix="/v1", tags=["reports"])
log = get_logger(__name__)

Format = Literal["json", "csv", "html"]
MEDIA: dict[str, Format] = {
    "application/json": "json",
    "text/csv": "csv",
    "text/html": "html",
}

_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


def render_html(report: AnnualReport, actor: Actor | None = None) -> str:
    return _env.get_template("annual_report.html").render(r=report, actor=actor)


def negotiate(accept: str | None) -> Format:
    """The format asked for by an Accept header (highest q first); JSON when nothing matches."""
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate((accept or "").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked.append((-q, n, media.lower()))
    for q, _, media in sorted(ranked):
        if q < 0 and media in MEDIA:
            return MEDIA[media]
    return "json"


@router.get(
    "/reports/annual/{year}",
    response_model=AnnualReport,
    operation_id="annual_report",
    summary="The annual report of on-request disclosure (part 三 of the 30号 format)",
    responses={
        200: {"content": {"text/csv": {}, "text/html": {}}},
        403: {"description": "an officer, or another agency's supervisor"},
        404: {"description": "unknown agency"},
        422: {"description": "year before 2019 or not yet begun"},
    },
)
def annual(
    year: int,
    actor: Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    agency: Annotated[
        str | None,
        Query(max_length=32, description="agency code (administrators); default: your own"),
    ] = None,
    fmt: Annotated[
        Format | None, Query(alias="format", description="default: by the Accept header, or JSON")
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response | AnnualReport:
    if actor.role is Role.OFFICER:
        raise HTTPException(403, "年度报告由负责人和管理员查看；请联系本机关负责人。")
    if not deps.sees_every_agency(actor) and agency is not None and agency != actor.agency:
        raise HTTPException(403, f"只能查看本机关（{actor.agency}）的年度报告。")
    code = agency or actor.agency
    as_of = datetime.now(UTC).astimezone(SHANGHAI).date()
    try:
        report = annual_report(engine, code, year, as_of)
    except UnknownAgency as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReportError as exc:
        raise HTTPException(422, str(exc)) from exc
    chosen = fmt or negotiate(accept)
    name = f"annual-report-{re.sub(r'[^A-Za-z0-9_.-]', '_', report.agency)}-{year}"
    if chosen == "csv":
        return Response(
            to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}.csv"'},
        )
    if chosen == "html":
        return HTMLResponse(render_html(report, actor))
    return report


# -- the whole report (six parts), its texts, its sign-off; remedies recorded on cases --------


def render_full(report: FullReport, actor: Actor | None = None, standalone: bool = False) -> str:
    return _env.get_template("annual_report_full.html").render(
        r=report,
        actor=actor,
        standalone=standalone,
        proceedings=PROCEEDINGS,
        remedy_columns=REMEDY_COLUMNS,
    )


def _report_of(actor: Actor, agency: str | None) -> str:
    if actor.role is Role.OFFICER:
        raise HTTPException(403, "年度报告由负责人和管理员查看；请联系本机关负责人。")
    if not deps.sees_every_agency(actor) and agency is not None and agency != actor.agency:
        raise HTTPException(403, f"只能查看本机关（{actor.agency}）的年度报告。")
    return agency or actor.agency


def _full(engine: Engine, code: str, year: int) -> FullReport:
    as_of = datetime.now(UTC).astimezone(SHANGHAI).date()
    try:
        return full_report(engine, code, year, as_of)
    except UnknownAgency as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReportError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get(
    "/reports/annual/{year}/full",
    response_model=FullReport,
    operation_id="annual_report_full",
    summary="The whole annual report: all six parts of the 30号 format",
    responses={200: {"content": {"text/csv": {}, "text/html": {}}}},
)
def annual_full(
    year: int,
    actor: Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    agency: Annotated[str | None, Query(max_length=32)] = None,
    fmt: Annotated[Format | None, Query(alias="format")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response | FullReport:
    report = _full(engine, _report_of(actor, agency), year)
    chosen = fmt or negotiate(accept)
    name = f"annual-report-full-{re.sub(r'[^A-Za-z0-9_.-]', '_', report.agency)}-{year}"
    if chosen == "csv":
        return Response(
            full_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}.csv"'},
        )
    if chosen == "html":
        return HTMLResponse(render_full(report, actor))
    return report


LongText = Annotated[str, StringConstraints(max_length=5000)]


def _the_agencys_leadership(actor: Actor) -> None:
    """The report is the agency's own: written and signed by its supervisors, not by the
    system's administrators."""
    if actor.role is not Role.SUPERVISOR:
        raise HTTPException(403, "年度报告由本机关负责人撰写和签发；管理员不能代为签发。")


class ReportText(BaseModel):
    overview: LongText = Field(default="", description="一、总体情况")
    problems: LongText = Field(default="", description="五、存在的主要问题及改进情况")
    other: LongText = Field(default="", description="六、其他需要报告的事项")
    admin_fees_wan: Annotated[str, StringConstraints(pattern=r"^$|^\d{1,9}(\.\d{1,4})?$")] = Field(
        default="", description="行政事业性收费 本年收费金额（万元）"
    )


@router.put(
    "/reports/annual/{year}/text",
    response_model=FullReport,
    operation_id="annual_report_text",
    summary="The supervisor's texts of the report (parts 一, 五, 六; the fees of part 二)",
)
def annual_text(
    year: int,
    body: ReportText,
    actor: Actor = Depends(deps.supervisor),
    engine: Engine = Depends(deps.engine),
) -> FullReport:
    _the_agencys_leadership(actor)
    _full(engine, actor.agency, year)  # the year and the agency exist
    try:
        save_text(engine, actor.agency, year, actor.id, **body.model_dump())
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from exc
    return _full(engine, actor.agency, year)


@router.post(
    "/reports/annual/{year}/sign-off",
    response_model=FullReport,
    operation_id="annual_report_sign_off",
    summary="Sign off the year's report: it is published on the portal as it stands (Art. 49)",
    responses={409: {"description": "already signed, or parts 一 and 五 not written"}},
)
async def annual_sign_off(
    year: int,
    request: Request,
    actor: Actor = Depends(deps.supervisor),
    engine: Engine = Depends(deps.engine),
) -> FullReport:
    _the_agencys_leadership(actor)
    report = _full(engine, actor.agency, year)
    if not report.requests.year_complete:
        raise HTTPException(409, f"{year}年度尚未结束，年度报告在次年签发（条例第四十九条）。")
    stamped = report.model_copy(update={"signed_by": actor.name, "signed_at": datetime.now(UTC)})
    try:
        sign(engine, actor.agency, year, actor.name, render_full(stamped, standalone=True))
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from exc
    await _duty_done(request, engine, actor, year)
    return _full(engine, actor.agency, year)


async def _duty_done(request: Request, engine: Engine, actor: Actor, year: int) -> None:
    """Art. 49: the report published satisfies the next year's duty in the agency's plan, if
    the agency keeps one. The report stands even if the plan cannot be told now (logged)."""
    from api.routes.casework import perform
    from api.routes.kinds import request_model
    from schemas.registry import OBLIGATIONS

    with Session(engine) as s:
        plan = s.exec(
            select(CaseRow).where(
                CaseRow.kind == OBLIGATIONS.kind,
                CaseRow.agency == actor.agency,
                CaseRow.summary == f"{year + 1}年政务公开常规工作",
                col(CaseRow.status).not_in(sorted(OBLIGATIONS.closed)),
            )
        ).first()
    client = request.app.state.temporal
    step = OBLIGATIONS.action("record-duty")
    if plan is None or client is None or step is None:
        return
    body = request_model(OBLIGATIONS.kind, step.name).model_validate(
        {
            "duty": "annual_report",
            "evidence": f"/public/reports/{actor.agency}/{year}",
            "summary": f"{year}年度报告签发公布",
        }
    )
    try:
        await perform(
            plan, OBLIGATIONS, step, body, actor, engine, client, request.app.state.settings, None
        )
    except HTTPException as exc:
        log.warning("annual report signed, plan not told", case_no=plan.case_no, detail=exc.detail)


class RemedyIn(BaseModel):
    proceeding: Literal["reconsideration", "litigation", "litigation_after_reconsideration"]
    result: Literal["upheld", "corrected", "other", "pending"] = "pending"
    filed_on: Day
    decided_on: Day | None = None


class RemedyOut(RemedyIn):
    case_no: str
    recorded_by: str
    recorded_at: datetime


@router.post(
    "/cases/{case_no}/remedies",
    response_model=RemedyOut,
    status_code=201,
    operation_id="record_remedy",
    summary="Record an administrative reconsideration or suit over a case, or its result",
)
def record_remedy(
    case_no: Annotated[str, PathParam(max_length=64)],
    body: RemedyIn,
    actor: Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
) -> RemedyOut:
    """For the annual report's part 四: the agency records that the applicant applied for
    reconsideration or sued over the case, and later the result (the newest record counts)."""
    from api.routes.casework import visible

    row = visible(engine, case_no, actor)
    if actor.role not in (Role.OFFICER, Role.SUPERVISOR):
        raise HTTPException(403, "由本机关经办人或负责人登记。")
    if body.result != "pending" and body.decided_on is None:
        raise HTTPException(422, "已审结的，请填写审结日期（decided_on）。")
    if body.decided_on is not None and body.decided_on < body.filed_on:
        raise HTTPException(422, "审结日期不能早于提起日期。")
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        s.add(
            RemedyRecord(
                case_no=row.case_no,
                agency=row.agency,
                recorded_by=actor.id,
                recorded_at=now,
                **body.model_dump(),
            )
        )
    return RemedyOut(
        case_no=row.case_no, recorded_by=actor.id, recorded_at=now, **body.model_dump()
    )
