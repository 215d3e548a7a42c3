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

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.engine import Engine

from api import deps
from rules.calendar import SHANGHAI
from schemas.disclosure import Actor, Role
from store.report import AnnualReport, ReportError, UnknownAgency, annual_report, to_csv

router = APIRouter(prefix="/v1", tags=["reports"])

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
