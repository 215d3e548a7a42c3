"""年度报告 in the workbench: the agency's leadership writes parts 一, 五 and 六 of the annual
report (GIDR Arts. 49–50; 国办公开办函〔2021〕30号) beside the figures of parts 二–四, previews the
report as it will be published, signs it off once the year is over, and exports it.

Thin pages over ``api/annual_report.py``, the same steps the JSON API takes: who may read
(supervisors and administrators), who writes and signs (the agency's supervisors), when it may
be signed (the year over, parts 一 and 五 written) are decided there, never here.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from api import annual_report as service
from api import deps
from api.csrf import csrf_ok
from api.errors import _constraint
from api.templating import templates
from api.workbench.session import page_actor
from schemas.case import Actor
from store.annual import (
    PROCEEDINGS,
    REMEDY_COLUMNS,
    FullReport,
    part_four_cells,
    part_two_rows,
    years,
)

router = APIRouter(include_in_schema=False)

FIELDS = {  # what the supervisor writes, by the report's own words
    "overview": "一、总体情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
    "admin_fees_wan": "第二部分 行政事业性收费（万元）",
}
DONE = {"saved": "已保存。", "signed": "已签发，报告已在门户网站公布。"}
STALE_FORM = "表单已过期或来源不明（CSRF），请刷新页面后重试。"
Agency = Annotated[str | None, Query(max_length=32)]


@router.get("/reports/annual", response_class=HTMLResponse)
def report_years(
    request: Request,
    actor: Actor = Depends(page_actor),
    engine: Engine = Depends(deps.engine),
    agency: Agency = None,
) -> Response:
    """Every year the agency reports on, newest first, with its state and where it stands."""
    code = service.readable(actor, agency)
    this_year = service.today().year
    return templates.TemplateResponse(
        request,
        "report_years.html",
        {
            "actor": actor,
            "agency": code,
            "query": _query(actor, code),
            "years": years(engine, code, this_year),
            "this_year": this_year,
            "published_at": service.published_at,
        },
    )


@router.get("/reports/annual/{year}", response_class=HTMLResponse)
def report_year(
    request: Request,
    year: int,
    actor: Actor = Depends(page_actor),
    engine: Engine = Depends(deps.engine),
    agency: Agency = None,
    done: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    report = service.current(engine, service.readable(actor, agency), year)
    return _page(request, actor, report, done=DONE.get(done, ""))


@router.get("/reports/annual/{year}/preview", response_class=HTMLResponse)
def report_preview(
    year: int,
    actor: Actor = Depends(page_actor),
    engine: Engine = Depends(deps.engine),
    agency: Agency = None,
) -> Response:
    """The whole report as the portal will publish it (the signed one: as published)."""
    report = service.current(engine, service.readable(actor, agency), year)
    if report.signed_at is not None:
        return RedirectResponse(service.published_at(report.agency, year), status_code=303)
    html = service.render_full(report, standalone=True)
    banner = (
        '<p class="preview" style="background:#fff3c4;border:1px solid #b58105;padding:.5em">'
        "预览：这是签发后将在门户网站公布的样式，尚未签发；签发前仍可修改。"
        "可用浏览器的打印功能打印或另存为 PDF。</p>"
    )
    return HTMLResponse(html.replace("<body>", f"<body>{banner}", 1))


@router.post("/reports/annual/{year}/text", response_class=HTMLResponse)
async def save_report_text(
    request: Request,
    year: int,
    actor: Actor = Depends(page_actor),
    engine: Engine = Depends(deps.engine),
) -> Response:
    """Parts 一, 五 and 六 (and part 二's fees) saved as typed; a refusal is shown beside the
    form with what was typed kept."""
    form = await _form(request)
    service.leadership(actor)
    values = {name: form.get(name, "") for name in FIELDS}
    report = service.current(engine, actor.agency, year)
    try:
        text = service.ReportText.model_validate(values)
    except ValidationError as exc:
        return _page(request, actor, report, values=values, problem=_said(exc), status_code=422)
    try:
        service.write(engine, actor, year, text)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        return _page(
            request, actor, report, values=values, problem=str(exc.detail), status_code=409
        )
    return RedirectResponse(f"/reports/annual/{year}?done=saved#done", status_code=303)


@router.post("/reports/annual/{year}/sign-off", response_class=HTMLResponse)
async def sign_report(
    request: Request,
    year: int,
    actor: Actor = Depends(page_actor),
    engine: Engine = Depends(deps.engine),
) -> Response:
    """签发: confirmed by a tick, refused where the API refuses (the year not over, parts 一
    and 五 not written, already signed, not the agency's supervisor)."""
    form = await _form(request)
    service.leadership(actor)
    if form.get("confirmed") != "yes":
        report = service.current(engine, actor.agency, year)
        message = "签发后报告即在门户网站公布，不能再修改：请勾选确认后再签发。"
        return _page(request, actor, report, sign_problem=message, status_code=422)
    try:
        await service.sign_off(request, engine, actor, year)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        report = service.current(engine, actor.agency, year)
        return _page(request, actor, report, sign_problem=str(exc.detail), status_code=409)
    return RedirectResponse(f"/reports/annual/{year}?done=signed#done", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    """The posted fields, once the form is known to come from this session's page. The app's
    body limit (1 MiB) bounds them; each part's own limit is checked with its message."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if not csrf_ok(request, form.get("csrf", "")):
        raise HTTPException(403, STALE_FORM)
    return form


def _said(exc: ValidationError) -> str:
    """What is wrong with the texts, each under its part's name."""
    problems = []
    for e in exc.errors():
        name = str(e["loc"][-1]) if e["loc"] else ""
        label = FIELDS.get(name, "表单")
        if e["type"] == "string_too_long":
            given = len(str(e.get("input", "")))
            problems.append(f"{label}：最多{service.TEXT_MAX}字（现为{given}字），请删减后再保存")
        elif name == "admin_fees_wan":
            problems.append(
                f"{label}：请填写以万元为单位的金额，如 12.5（最多4位小数），没有则留空"
            )
        else:
            problems.append(f"{label}：{_constraint(dict(e))}")
    return "；".join(problems) + "。"


def _query(actor: Actor, code: str) -> str:
    """``?agency=`` when a cross-agency administrator reads another agency's report."""
    return f"?{urlencode({'agency': code})}" if code != actor.agency else ""


def _page(
    request: Request,
    actor: Actor,
    report: FullReport,
    *,
    values: dict[str, str] | None = None,
    problem: str = "",
    sign_problem: str = "",
    done: str = "",
    status_code: int = 200,
) -> Response:
    own = report.agency == actor.agency
    context: dict[str, Any] = {
        "actor": actor,
        "r": report,
        "standalone": False,
        "proceedings": PROCEEDINGS,
        "remedy_columns": REMEDY_COLUMNS,
        "part_two": part_two_rows,
        "part_four": part_four_cells,
        # The forms are shown to whom the steps accept them from; the steps still decide.
        "editing": own and service.writes(actor) and report.signed_at is None,
        "values": values or _written(report),
        "limit": service.TEXT_MAX,
        "problem": problem,
        "sign_problem": sign_problem,
        "done": done,
        "csrf": getattr(request.state, "csrf", ""),
        "query": _query(actor, report.agency),
        "published": service.published_at(report.agency, report.year),
    }
    return templates.TemplateResponse(request, "report_year.html", context, status_code=status_code)


def _written(report: FullReport) -> dict[str, str]:
    return {
        "overview": report.overview,
        "problems": report.problems,
        "other": report.other,
        "admin_fees_wan": report.proactive.fees_stated_wan,
    }
