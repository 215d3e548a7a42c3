"""The whole annual report's steps (GIDR Arts. 49–50; 国办公开办函〔2021〕30号), one place for both
doors to it: the JSON API (``api/routes/reports.py``) and the workbench pages
(``api/routes/report_pages.py``). Who may read it, who writes and signs it, when it may be
signed, and how it is rendered are decided here; each door only speaks its own format.

A refusal is an ``HTTPException`` with a Chinese ``detail``, as ``api/routes/casework.py`` does:
the API answers it as a problem, a page shows it beside its form.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

from fastapi import HTTPException, Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api import deps
from gongkai.logs import get_logger
from rules.calendar import SHANGHAI
from schemas.case import Actor, Role
from store.annual import (
    PROCEEDINGS,
    REMEDY_COLUMNS,
    FullReport,
    full_report,
    part_four_cells,
    part_two_rows,
    save_text,
    sign,
)
from store.models import CaseRow
from store.report import ReportError, UnknownAgency

log = get_logger(__name__)

ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)

TEXT_MAX = 5000  # characters of each written part (the column holds as much)
LongText = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
FEE_PATTERN = r"^$|^\d{1,9}(\.\d{1,4})?$"


class ReportText(BaseModel):
    overview: LongText = Field(default="", description="一、总体情况")
    problems: LongText = Field(default="", description="五、存在的主要问题及改进情况")
    other: LongText = Field(default="", description="六、其他需要报告的事项")
    admin_fees_wan: Annotated[str, StringConstraints(pattern=FEE_PATTERN)] = Field(
        default="", description="行政事业性收费 本年收费金额（万元）"
    )


def readable(actor: Actor, agency: str | None) -> str:
    """The agency whose report ``actor`` reads: their own, or (a cross-agency administrator)
    the one named. Officers have no access: the report is the leadership's."""
    if actor.role is Role.OFFICER:
        raise HTTPException(403, "年度报告由负责人和管理员查看；请联系本机关负责人。")
    if not deps.sees_every_agency(actor) and agency is not None and agency != actor.agency:
        raise HTTPException(403, f"只能查看本机关（{actor.agency}）的年度报告。")
    return agency or actor.agency


def writes(actor: Actor) -> bool:
    """The report is the agency's own: written and signed by its supervisors, not by the
    system's administrators."""
    return actor.role is Role.SUPERVISOR


def leadership(actor: Actor) -> None:
    if not writes(actor):
        raise HTTPException(403, "年度报告由本机关负责人撰写和签发；管理员不能代为签发。")


def today() -> date:
    return datetime.now(UTC).astimezone(SHANGHAI).date()


def current(engine: Engine, code: str, year: int) -> FullReport:
    """The report as it stands today (a year before 2019 or not yet begun: 422)."""
    try:
        return full_report(engine, code, year, today())
    except UnknownAgency as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReportError as exc:
        raise HTTPException(422, str(exc)) from exc


def render_full(report: FullReport, actor: Actor | None = None, standalone: bool = False) -> str:
    """The report in the 30号 layout: inside the staff pages, or (``standalone``) as the
    document published on the portal."""
    return ENV.get_template("annual_report_full.html").render(
        r=report,
        actor=actor,
        standalone=standalone,
        proceedings=PROCEEDINGS,
        remedy_columns=REMEDY_COLUMNS,
        part_two=part_two_rows,
        part_four=part_four_cells,
    )


def write(engine: Engine, actor: Actor, year: int, text: ReportText) -> FullReport:
    """The supervisor's texts (parts 一, 五, 六; the fees of part 二); refused once signed."""
    leadership(actor)
    current(engine, actor.agency, year)  # the year and the agency exist
    try:
        save_text(engine, actor.agency, year, actor.id, **text.model_dump())
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from exc
    return current(engine, actor.agency, year)


async def sign_off(request: Request, engine: Engine, actor: Actor, year: int) -> FullReport:
    """Art. 49: once the year is over, a supervisor signs the report; it is published on the
    portal exactly as signed and can no longer be changed."""
    leadership(actor)
    report = current(engine, actor.agency, year)
    if not report.requests.year_complete:
        raise HTTPException(409, f"{year}年度尚未结束，年度报告在次年签发（条例第四十九条）。")
    stamped = report.model_copy(update={"signed_by": actor.name, "signed_at": datetime.now(UTC)})
    try:
        sign(engine, actor.agency, year, actor.name, render_full(stamped, standalone=True))
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from exc
    await _duty_done(request, engine, actor, year)
    return current(engine, actor.agency, year)


def published_at(agency: str, year: int) -> str:
    """Where the signed report is on the portal."""
    return f"/public/reports/{agency}/{year}"


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
            "evidence": published_at(actor.agency, year),
            "summary": f"{year}年度报告签发公布",
        }
    )
    try:
        await perform(
            plan, OBLIGATIONS, step, body, actor, engine, client, request.app.state.settings, None
        )
    except HTTPException as exc:
        log.warning("annual report signed, plan not told", case_no=plan.case_no, detail=exc.detail)
