"""Reports from the read model: the annual report of on-request disclosure (GIDR Arts. 49–50,
part 三 of the 国办公开办函〔2021〕30号 format), as JSON, CSV or HTML.

Supervisors see their own agency's report; administrators name any agency with ``?agency=``.
Officers have no access: the report is signed off by the agency's leadership, not by case officers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from api import annual_report as service
from api import deps
from api.responses import download
from gongkai.logs import get_logger
from rules.calendar import SHANGHAI
from rules.limits import Day
from schemas.case import Actor, Role
from store.annual import FullReport
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


Report = TypeVar("Report", AnnualReport, FullReport)


def render_html(report: AnnualReport, actor: Actor | None = None) -> str:
    return service.ENV.get_template("annual_report.html").render(r=report, actor=actor)


def as_asked(
    report: Report,
    chosen: Format,
    name: str,
    csv: Callable[[Report], str],
    html: Callable[[Report], str],
) -> Response | Report:
    """A report in the format asked for: a CSV file ``name``.csv to download, a page, or the
    model itself (JSON)."""
    if chosen == "csv":
        return download(csv(report).encode("utf-8"), "text/csv; charset=utf-8", f"{name}.csv")
    if chosen == "html":
        return HTMLResponse(html(report))
    return report


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
    code = service.readable(actor, agency)
    try:
        report = annual_report(engine, code, year, service.today())
    except UnknownAgency as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReportError as exc:
        raise HTTPException(422, str(exc)) from exc
    name = f"annual-report-{report.agency}-{year}"
    return as_asked(report, fmt or negotiate(accept), name, to_csv, lambda r: render_html(r, actor))


# -- the whole report (six parts), its texts, its sign-off; remedies recorded on cases --------
# The rules (who reads, writes and signs, and when) are api/annual_report.py's, shared with the
# workbench pages (api/routes/report_pages.py).


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
    report = service.current(engine, service.readable(actor, agency), year)
    name = f"annual-report-full-{report.agency}-{year}"
    return as_asked(
        report, fmt or negotiate(accept), name, full_csv, lambda r: service.render_full(r, actor)
    )


@router.put(
    "/reports/annual/{year}/text",
    response_model=FullReport,
    operation_id="annual_report_text",
    summary="The supervisor's texts of the report (parts 一, 五, 六; the fees of part 二)",
)
def annual_text(
    year: int,
    body: service.ReportText,
    actor: Actor = Depends(deps.supervisor),
    engine: Engine = Depends(deps.engine),
) -> FullReport:
    return service.write(engine, actor, year, body)


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
    return await service.sign_off(request, engine, actor, year)


def remedy_dates_problem(
    row: CaseRow, filed_on: date, decided_on: date | None, today: date
) -> str | None:
    """Dates a reconsideration or suit over this case can have (行政复议法 Art. 20, 行政诉讼法
    Art. 46: they run from the act challenged): not in the future; not before the reply (or the
    closing) they challenge; a challenge of no reply (逾期不答复) not before the reply period
    ran out."""
    for name, day in (("提起日期", filed_on), ("审结日期", decided_on)):
        if day is not None and day > today:
            return f"{name}（{day}）在未来：请填写实际的日期。"
    if row.concluded_on is not None and filed_on < row.concluded_on:
        return (
            f"提起日期（{filed_on}）早于本案作出答复（或办结）之日（{row.concluded_on}）：行政复议、"
            "行政诉讼针对已作出的答复提出，请核对日期。"
        )
    if row.concluded_on is None:
        due = row.due_at.astimezone(SHANGHAI).date() if row.due_at is not None else None
        if due is not None and filed_on <= due:
            return (
                f"本案尚未答复，答复期限至{due}：对逾期不答复申请行政复议、提起诉讼，只能在期限届满"
                f"之后（提起日期{filed_on}），请核对日期。"
            )
        if row.t0 is not None and filed_on < row.t0:
            return f"提起日期（{filed_on}）早于收到申请之日（{row.t0}），请核对日期。"
    return None


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
    if problem := remedy_dates_problem(row, body.filed_on, body.decided_on, service.today()):
        raise HTTPException(422, problem)
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
