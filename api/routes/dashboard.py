"""The supervisors' dashboard: server-rendered pages (Jinja2), no front-end build step."""

from __future__ import annotations

import hmac
import json
import secrets
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError
from sqlalchemy import and_, case, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from starlette.datastructures import UploadFile as StarletteUpload
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api import casepage, deps
from api.errors import _constraint
from api.forms import CHOICES, LABELS, fields_of, read_form
from api.idempotency import request_hash
from api.ratelimit import RateLimiter, client_key
from api.responses import download
from api.routes.casework import open_case, perform, permitted, visible
from api.routes.deadlines import EARLIEST, LATEST
from api.routes.kinds import request_model
from gongkai.settings import Settings
from rules.calendar import SHANGHAI, DayKind, zh_date
from rules.outcomes import SPECS, Outcome
from schemas.case import Actor, CaseViewBase, Role
from schemas.disclosure import SATISFACTION_ZH
from schemas.registry import (
    CLOSED,
    KINDS,
    RUNG_ZH,
    STATUS_NAMES,
    ActionSpec,
    KindSpec,
    labels,
    open_statuses_by_label,
)
from store import attachments as attachment_store
from store.applicants import distinct_applicants
from store.calendar import load_calendar, overrides
from store.cases import archived, get_case
from store.models import CaseRow
from store.portal import ratings
from store.recompute import preview_day as preview_day_change
from store.search import LIMIT as SEARCH_LIMIT
from store.search import QueryProblem, search_cases
from store.sessions import open_session, revoke
from store.similar import SAME, Similar, similar_requests
from store.users import user_for_token, user_names

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")


def _beijing(value: datetime | None) -> str:
    """Instants are shown in Beijing time, to the second."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


templates.env.filters["bj"] = _beijing
templates.env.filters["bjdate"] = lambda at: at.astimezone(SHANGHAI).date().isoformat()
templates.env.filters["zh"] = lambda day: zh_date(day) if day else ""
# Every clock's Chinese name by kind, for pages that list clocks of any kind (the calendar
# preview): "reply" is 答复期限 in a disclosure case and 留言答复期限 in an inquiry.
CLOCK_ZH = {
    f"{kind}:{name}": zh for kind, spec in KINDS.items() for name, zh in spec.clocks.items()
}

KIND_ZH = {name: spec.zh for name, spec in KINDS.items()}


def clock_labels(kind: str) -> dict[str, str]:
    return labels(kind)


class LoginRequired(Exception):
    pass


def page_actor(request: Request) -> Actor:
    try:
        return deps.actor(request, request.headers.get("authorization"))
    except HTTPException as exc:
        raise LoginRequired from exc


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(_: Request, __: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)


_LOGINS = RateLimiter(10, 60)  # sign-in attempts per address and minute


def _same_origin(request: Request) -> bool:
    """A form posted from our own pages: the browser's Origin (or, failing that, Referer) is
    this site. Requests without either (curl, old clients) carry no cookie to abuse."""
    settings: Settings = request.app.state.settings
    ours = {settings.api_url.rstrip("/"), str(request.base_url).rstrip("/")}
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return request.headers.get("sec-fetch-site", "same-origin") in (
                "same-origin",
                "none",
            )
        parts = referer.split("/")
        origin = "/".join(parts[:3])
    return origin.rstrip("/") in ours


def csrf_ok(request: Request, supplied: str) -> bool:
    """The form carries its session's CSRF token and comes from our own pages."""
    expected = getattr(request.state, "csrf", "")
    return bool(expected) and hmac.compare_digest(expected, supplied) and _same_origin(request)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {"actor": None, "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, token: Annotated[str, Form(max_length=200)]) -> Response:
    def refuse(status: int, error: str) -> Response:
        return templates.TemplateResponse(
            request, "login.html", {"actor": None, "error": error}, status_code=status
        )

    if not _same_origin(request):
        return refuse(403, "登录请求不是来自本系统的页面，已拒绝。")
    if _LOGINS.hit(client_key(request)) is not None:
        return refuse(429, "登录尝试过于频繁，请一分钟后再试。")
    engine: Engine = request.app.state.engine
    user = user_for_token(engine, token.strip())
    if user is None:
        return refuse(401, "令牌无效或已停用。")
    settings: Settings = request.app.state.settings
    session, _ = open_session(engine, user.username, datetime.now(UTC), settings.session_hours)
    res = RedirectResponse("/", status_code=303)
    res.set_cookie(
        deps.SESSION_COOKIE,
        session,
        httponly=True,
        samesite="strict",
        secure=settings.api_url.startswith("https"),
        max_age=settings.session_hours * 3600,
    )
    return res


@router.post("/logout")
def logout(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    actor: Actor = Depends(page_actor),
) -> Response:
    if not csrf_ok(request, csrf):
        raise HTTPException(403, "表单已过期或来源不明（CSRF），请刷新页面后重试。")
    revoke(
        request.app.state.engine, request.cookies.get(deps.SESSION_COOKIE, ""), datetime.now(UTC)
    )
    res = RedirectResponse("/login", status_code=303)
    res.delete_cookie(deps.SESSION_COOKIE)
    return res


LIST_LIMIT = 100  # rows shown per list; the cards count them all


def _board(
    engine: Engine,
    actor: Actor,
    agency: str | None,
    officer: str | None,
    kind: str | None,
    now: datetime | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    """Counts by SQL over every open case (an agency may have tens of thousands); lists of at
    most LIST_LIMIT rows each, most urgent first (as of ``now``, default: the clock)."""
    if not deps.sees_every_agency(actor):
        agency = actor.agency
    where: list[Any] = [col(CaseRow.status).not_in(sorted(CLOSED))]
    if agency:
        where.append(CaseRow.agency == agency)
    if officer:
        where.append(CaseRow.officer == officer)
    if kind:
        where.append(CaseRow.kind == kind)
    if unit:
        where.append(CaseRow.unit == unit)
    now = now or datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    day_start = datetime.combine(today, datetime.min.time(), SHANGHAI)
    tomorrow = day_start + timedelta(days=1)
    week_end = day_start + timedelta(days=8)
    # Alerts count from the internal due date (LAW.md §6.4(3)); a paused case keeps its frozen
    # date, and stays overdue if its period ran out before the pause.
    due = col(CaseRow.internal_due_at)

    with Session(engine) as s:

        def count(*extra: Any) -> int:
            return int(
                s.exec(select(func.count()).select_from(CaseRow).where(*where, *extra)).one()
            )

        def grouped(column: Any) -> Counter[str]:
            q = select(column, func.count()).where(*where).group_by(column)
            return Counter({str(k): int(n) for k, n in s.exec(q).all()})

        def rows(*extra: Any, order: Any = due, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
            q = select(CaseRow).where(*where, *extra).order_by(order, CaseRow.case_no)
            return [_item(r) for r in s.exec(q.limit(limit)).all()]

        monday = today - timedelta(days=today.weekday())
        first_week = monday - timedelta(weeks=7)
        t0 = col(CaseRow.t0)
        by_day = s.exec(
            select(t0, CaseRow.light, func.count())
            .where(*where, t0.is_not(None))
            .group_by(t0, CaseRow.light)
        ).all()
        return {
            "counts": grouped(CaseRow.light),
            "by_kind": grouped(CaseRow.kind),
            "by_unit": grouped(CaseRow.unit),
            "red": rows(CaseRow.light == "red"),
            "due_today": rows(due >= day_start, due < tomorrow),
            "due_today_count": count(due >= day_start, due < tomorrow),
            "due_week": rows(due >= day_start, due < week_end),
            "due_week_count": count(due >= day_start, due < week_end),
            "overdue": rows(due < now),
            "overdue_count": count(due < now),
            "oldest": rows(t0.is_not(None), order=t0, limit=10),
            "chart": _chart([(d, light, int(n)) for d, light, n in by_day if d], first_week),
            "now": now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            "kinds": KIND_ZH,
            "names": user_names(engine, agency),
            "list_limit": LIST_LIMIT,
        }


def _outcome_zh(outcome: str | None) -> str | None:
    """A disclosure reply's outcome as the annual report names it (PARTIAL → （二）部分公开)."""
    if outcome is None:
        return None
    try:
        return SPECS[Outcome(outcome)].category
    except ValueError:
        return outcome


def _item(r: CaseRow) -> dict[str, Any]:
    due_local = r.due_at.astimezone(SHANGHAI) if r.due_at else None
    internal = r.internal_due_at.astimezone(SHANGHAI) if r.internal_due_at else None
    spec = KINDS.get(r.kind)
    return {
        **r.model_dump(),
        "status_zh": spec.status_zh(r.status) if spec else STATUS_NAMES.get(r.status, r.status),
        "due_local": due_local.strftime("%Y-%m-%d %H:%M") if due_local else None,
        "due_day": due_local.date() if due_local else None,
        # shown beside the legal date when alerts count from an earlier one (provisional year)
        "internal_day": internal.date()
        if internal and due_local and internal < due_local
        else None,
    }


def _chart(by_day: list[tuple[date, str, int]], first_week: date) -> str:
    """Open cases by week of receipt (last 8 weeks) and light, as a small stacked SVG chart."""
    weeks = [first_week + timedelta(weeks=w) for w in range(8)]
    counts: dict[date, Counter[str]] = {w: Counter() for w in weeks}
    for t0, light, n in by_day:
        week = t0 - timedelta(days=t0.weekday())
        if week < weeks[0]:
            week = weeks[0]  # older cases pile up in the first column
        if week in counts:
            counts[week][light] += n
    peak = max([sum(c.values()) for c in counts.values()] + [1])
    colors = {"green": "#1a7f37", "yellow": "#d4a72c", "red": "#c62828"}
    zh = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
    bar_w, height, parts = 60, 120, []
    for n, week in enumerate(weeks):
        y = float(height)
        for light in ("green", "yellow", "red"):
            h = counts[week][light] * (height - 10) / peak
            if h:
                y -= h
                parts.append(
                    f'<rect x="{n * (bar_w + 10) + 10}" y="{y:.1f}" width="{bar_w}" '
                    f'height="{h:.1f}" fill="{colors[light]}"><title>{week} {zh[light]} '
                    f"{counts[week][light]}件</title></rect>"
                )
        label = f"{'≤' if n == 0 else ''}{week:%m-%d}"
        parts.append(
            f'<text x="{n * (bar_w + 10) + 10}" y="{height + 14}" font-size="10">{label}</text>'
        )
    width = len(weeks) * (bar_w + 10) + 10
    return (
        f'<figure class="chart"><svg role="img" aria-label="按周统计的办理中案件" width="{width}" '
        f'height="{height + 20}" viewBox="0 0 {width} {height + 20}">{"".join(parts)}</svg>'
        '<figcaption class="muted">办理中案件：按收到申请所在周和灯色</figcaption></figure>'
    )


@router.get("/", response_class=HTMLResponse)
def board(
    request: Request,
    actor: Actor = Depends(page_actor),
    agency: str | None = None,
    officer: str | None = None,
    kind: str | None = None,
    unit: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    f = {"agency": agency, "officer": officer or None, "kind": kind or None, "unit": unit or None}
    data = _board(request.app.state.engine, actor, agency, f["officer"], f["kind"], unit=f["unit"])
    query = urlencode({k: v for k, v in f.items() if v})
    return templates.TemplateResponse(
        request, "board.html", {"actor": actor, "f": f, "query": query, **data}
    )


@router.get("/board/fragment", response_class=HTMLResponse)
def board_fragment(
    request: Request,
    actor: Actor = Depends(page_actor),
    agency: str | None = None,
    officer: str | None = None,
    kind: str | None = None,
    unit: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    data = _board(
        request.app.state.engine, actor, agency, officer or None, kind or None, unit=unit or None
    )
    return templates.TemplateResponse(request, "board_fragment.html", {"actor": actor, **data})


async def _view(request: Request, case_no: str, actor: Actor) -> tuple[CaseViewBase, str]:
    engine: Engine = request.app.state.engine
    row = get_case(engine, case_no)
    if row is None:
        raise HTTPException(404, f"没有案件{case_no[:64]}。")
    if not deps.sees_every_agency(actor) and row.agency != actor.agency:
        raise HTTPException(403, "该案件属于其他机关。")
    client: Client | None = request.app.state.temporal
    if client is not None:
        try:
            raw = await client.get_workflow_handle(case_no).query("view")
            return _typed_view(raw), "workflow"
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
    stored = archived(engine, case_no)
    if stored is None:
        raise HTTPException(503, "暂时无法读取该案件，请稍后重试。")
    return _typed_view(json.loads(stored.view_json)), "archive"


def _typed_view(raw: dict[str, Any]) -> CaseViewBase:
    """The view as its kind defines it (the applicant, the draft, the message…); a view written
    by an earlier version that its kind's model no longer reads, as the fields all kinds share."""
    spec = KINDS.get(str(raw.get("kind", "")))
    if spec is not None:
        try:
            return spec.view.model_validate(raw)
        except ValidationError:
            pass
    return CaseViewBase.model_validate(raw)


async def _case_page(
    request: Request,
    case_no: str,
    actor: Actor,
    *,
    failed: dict[str, Any] | None = None,
    status_code: int = 200,
    revealed: str = "",
) -> Response:
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    view, source = await _view(request, case_no, actor)
    spec = KINDS.get(view.kind)
    outcome = (
        str((failed or {}).get("values", {}).get("reply.outcome", ""))
        or (request.query_params.get("outcome", "")[:40])
    )
    steps = casepage.staff_steps(view, actor, source)
    forms = await run_in_threadpool(casepage.step_forms, engine, view, actor, steps, outcome)
    similar = similar_requests(engine, view.agency, view.case_no, view.kind)
    temporal_url = (
        f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}/workflows/{case_no}"
    )
    return templates.TemplateResponse(
        request,
        "case.html",
        {
            "actor": actor,
            "v": view,
            "source": source,
            "temporal_url": temporal_url,
            "clock_zh": clock_labels(view.kind),
            "rung_zh": RUNG_ZH,
            "status_zh": spec.status_zh if spec else lambda st: STATUS_NAMES.get(st, st),
            "opened_zh": spec.opened_zh if spec else "开始之日",
            "outcome_zh": _outcome_zh(view.outcome),
            "attachments": attachment_store.listed(engine, view.case_no),
            "purpose_zh": PURPOSE_ZH,
            "steps": forms,
            "can": {st.name for st in steps},
            "outcome_choices": casepage.OUTCOME_CHOICES,
            "letter": await _draft_letter(request, view, actor),
            "revealed": revealed,
            "channel_zh": CHOICES,
            "failed": failed or {},
            "done": _done_zh(spec, request.query_params.get("done", "")),
            "csrf": getattr(request.state, "csrf", ""),
            "names": user_names(engine, view.agency),
            "similar": similar,
            "art44": _art44(engine, view.case_no, similar),
            "outcome_names": {o.value: SPECS[o].category for o in Outcome},
            "same": SAME,
        },
        status_code=status_code,
    )


def _art44(engine: Engine, case_no: str, similar: list[Similar]) -> list[str]:
    """GIDR Art. 44 (多个申请人就相同政府信息…): the requests for the same information (as good as
    the same text) that were disclosed, one per applicant other than this case's."""
    same = [
        sm.row.case_no
        for sm in similar
        if sm.score >= SAME and sm.row.outcome in (Outcome.GRANTED.value, Outcome.PARTIAL.value)
    ]
    return distinct_applicants(engine, case_no, same)


def _done_zh(spec: KindSpec | None, name: str) -> str:
    words = {
        "opened": "登记",
        "uploaded": "上传附件",
        "released": "向申请人提供文件",
        "withdrawn": "撤回提供的文件",
    }
    if name in words:
        return words[name]
    step = spec.action(name[:64]) if spec and name else None
    return step.zh if step else ""


def _new_case_page(
    request: Request,
    actor: Actor,
    kind: str,
    values: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    spec = KINDS.get(kind)
    fields = [f for f in fields_of(spec.create) if f.name != "agency"] if spec else []
    fields = casepage.registration_fields(fields)
    return templates.TemplateResponse(
        request,
        "new_case.html",
        {
            "actor": actor,
            "kinds": KIND_ZH,
            "kind": spec.kind if spec else "",
            "noun": spec.noun_zh if spec else "",
            "fields": fields,
            "values": values or {},
            "problem": problem,
            "csrf": getattr(request.state, "csrf", ""),
            "key": (values or {}).get("key") or secrets.token_urlsafe(16),
        },
        status_code=status_code,
    )


@router.get("/cases/new", response_class=HTMLResponse)
def new_case(
    request: Request,
    actor: Actor = Depends(page_actor),
    kind: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """登记: open a case of any kind from a form made from its create body (a paper
    application, a message taken by phone, an emergency, a draft decision, a year's plan)."""
    return _new_case_page(request, actor, kind)


@router.post("/cases/new/{kind}", response_class=HTMLResponse)
async def new_case_submit(
    request: Request, kind: str, actor: Actor = Depends(page_actor)
) -> Response:
    form = {k: str(v)[:10_000] for k, v in (await request.form()).items() if isinstance(v, str)}
    _check_form(request, form.get("csrf"))
    spec = KINDS.get(kind)
    if spec is None:
        raise HTTPException(404, f"没有“{kind[:32]}”这类案件。")
    client: Client | None = request.app.state.temporal
    if client is None:
        raise HTTPException(
            503, "工作流引擎暂时无法连接，请稍后重试。", headers={"Retry-After": "2"}
        )
    body = {**read_form(fields_of(spec.create), form), "agency": actor.agency}
    try:
        typed = spec.create.model_validate(body)
    except ValidationError as exc:
        return _new_case_page(request, actor, kind, form, _said(exc), 422)
    key = form.get("key", "")[:100] or None
    opening = deps.Opening(
        actor,
        request.app.state.engine,
        client,
        request.app.state.settings,
        key,
        request_hash(typed.model_dump(mode="json")),
    )
    try:
        created = await open_case(opening, spec, typed)  # type: ignore[arg-type]
    except HTTPException as exc:
        if exc.status_code in (403, 409, 422):
            return _new_case_page(request, actor, kind, form, str(exc.detail), exc.status_code)
        raise
    return RedirectResponse(f"/cases/{created.case_no}?done=opened", status_code=303)


@router.get("/cases/{case_no}", response_class=HTMLResponse)
async def case_page(request: Request, case_no: str, actor: Actor = Depends(page_actor)) -> Response:
    return await _case_page(request, case_no, actor)


def _check_form(request: Request, supplied: object) -> None:
    if not _form_allowed(request, str(supplied or "")):
        raise HTTPException(403, "表单已过期或来源不明（CSRF），请刷新页面后重试。")


def _said(exc: ValidationError) -> str:
    """A form's problems, each under its field's Chinese label."""
    return "；".join(
        f"{LABELS.get(str(e['loc'][-1]), str(e['loc'][-1])) if e['loc'] else '表单'}："
        f"{_constraint(dict(e))}"
        for e in exc.errors()
    )


def _form_allowed(request: Request, supplied: str) -> bool:
    """A form from a signed-in page carries its session's CSRF token; a caller with a bearer
    token (not sent by browsers on their own) needs none."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return True
    return csrf_ok(request, supplied)


async def _draft_letter(request: Request, view: CaseViewBase, actor: Actor) -> str:
    """The reply as it would be issued from the draft under review (for the reviewer and the
    signer to read, and the drafter to see): the letter's content, or "" without a draft."""
    draft = getattr(view, "draft", None)
    client: Client | None = request.app.state.temporal
    step = KINDS[view.kind].action("submit-for-review") if view.kind in KINDS else None
    if draft is None or client is None or step is None or view.status not in ("review", "sign_off"):
        return ""
    try:
        html = await casepage.render_preview(
            request.app.state.engine,
            request.app.state.settings,
            client,
            view.case_no,
            step,
            {"reply": draft.reply.model_dump(mode="json"), "previewer": actor.name},
        )
    except (WorkflowQueryFailedError, RPCError):
        return ""
    return casepage.letter_body(html)


async def _preview(
    request: Request,
    client: Client,
    case_no: str,
    step: ActionSpec,
    typed: BaseModel,
    actor: Actor,
) -> Response:
    """The document the step would issue, built by the case's workflow from the form's values
    and dated on the working-day calendar, marked as a preview; nothing is sent to the case."""
    try:
        html = await casepage.render_preview(
            request.app.state.engine,
            request.app.state.settings,
            client,
            case_no,
            step,
            {**typed.model_dump(mode="json"), "previewer": actor.name},
        )
    except WorkflowQueryFailedError as exc:
        raise HTTPException(409, f"无法预览：{exc}") from exc
    banner = (
        '<p class="preview" style="background:#fff3c4;border:1px solid #b58105;padding:.5em">'
        f"预览：{step.zh}后将出具的文书（尚未办理，未写入案卷）。"
        "关闭本页即回到表单，可修改或提交。</p>"
    )
    return HTMLResponse(html.replace("<body>", f"<body>{banner}", 1))


@router.post("/cases/{case_no}/act/{action}", response_class=HTMLResponse)
async def act_in_browser(
    request: Request, case_no: str, action: str, actor: Actor = Depends(page_actor)
) -> Response:
    """A step taken from the case page's form: checked, sent and answered as through the API;
    a refusal (409) or what the law still requires (422) is shown beside the form, with what
    was typed kept and nothing written."""
    form = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    _check_form(request, form.get("csrf"))
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    client: Client | None = request.app.state.temporal
    posted = {"action": action[:64], "values": {k: v[:5000] for k, v in form.items()}}

    async def refused(code: int, message: str) -> Response:
        return await _case_page(
            request, case_no, actor, failed={**posted, "message": message}, status_code=code
        )

    try:
        row, spec, step = await run_in_threadpool(permitted, engine, case_no, actor, "*", action)
    except HTTPException as exc:
        if exc.status_code == 409:
            return await refused(409, str(exc.detail))
        raise
    if step.name == "submit-for-review" and form.get("save"):
        step = spec.action("save-draft") or step
    declined = form.get("approve") == "false"  # a return is not the irreversible step
    if step.name in casepage.IRREVERSIBLE and form.get("confirmed") != "yes" and not declined:
        return await refused(422, f"“{step.zh}”办理后不能撤回：请勾选确认后再提交。")
    if step.name in ("review", "sign-off") and form.get("approve") == "true":
        if not form.get("draft_digest"):
            return await refused(422, "请先阅读拟答复书（本页上方），再审核或签发。")
    body = read_form(fields_of(step.body), form)
    try:
        typed = request_model(spec.kind, step.name).model_validate(body)
    except ValidationError as exc:
        return await refused(422, _said(exc))
    if client is None:
        raise HTTPException(
            503, "工作流引擎暂时无法连接，请稍后重试。", headers={"Retry-After": "2"}
        )
    if form.get("preview") and step.preview is not None:
        try:
            return await _preview(request, client, row.case_no, step, typed, actor)
        except HTTPException as exc:
            return await refused(exc.status_code, str(exc.detail))
    try:
        result = await perform(row, spec, step, typed, actor, engine, client, settings, None)
    except HTTPException as exc:
        if exc.status_code in (409, 422):
            return await refused(exc.status_code, str(exc.detail))
        raise
    if step.name == "reveal-identity":  # shown once, on this answer only; the access recorded
        return await _case_page(
            request, row.case_no, actor, revealed=str(getattr(result, "id_number", ""))
        )
    again = ""
    if step.name == "save-draft":
        again = "&outcome=" + str(form.get("reply.outcome", ""))[:40] + "#action-submit-for-review"
    return RedirectResponse(f"/cases/{row.case_no}?done={step.name}{again}", status_code=303)


LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}
QUEUE_LIMIT = 200


@router.get("/mine", response_class=HTMLResponse)
def my_cases(
    request: Request,
    actor: Actor = Depends(page_actor),
    kind: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[str, Query(max_length=32)] = "",
    light: Annotated[str, Query(max_length=8)] = "",
    due_within: Annotated[int | None, Query(ge=1, le=366)] = None,
    unit: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """我的案件: the signed-in officer's open cases of every kind, most urgent first (red, then
    yellow, then green; within a light the earliest due), with counts and filters."""
    engine: Engine = request.app.state.engine
    where: list[Any] = [
        col(CaseRow.status).not_in(sorted(CLOSED)),
        CaseRow.officer == actor.id,
        CaseRow.agency == actor.agency,
    ]
    counts_where = list(where)
    if kind:
        where.append(CaseRow.kind == kind)
    if status:  # a status's name (one choice per name), or a raw value of any kind
        named = open_statuses_by_label().get(status) or [(k, status) for k in KINDS]
        where.append(
            or_(*(and_(col(CaseRow.kind) == k, col(CaseRow.status) == s) for k, s in named))
        )
    if light:
        where.append(CaseRow.light == light)
    if unit.strip():
        where.append(CaseRow.unit == unit.strip())
    if due_within is not None:
        today = datetime.now(UTC).astimezone(SHANGHAI).date()
        end = datetime.combine(today + timedelta(days=due_within), datetime.min.time(), SHANGHAI)
        where.append(col(CaseRow.internal_due_at) < end)
    light_rank = case(LIGHT_ORDER, value=CaseRow.light, else_=len(LIGHT_ORDER))
    due = col(CaseRow.internal_due_at)
    with Session(engine) as db:
        total = int(db.exec(select(func.count()).select_from(CaseRow).where(*where)).one())
        rows = db.exec(
            select(CaseRow)
            .where(*where)
            .order_by(light_rank, due.is_(None), due, CaseRow.case_no)
            .limit(QUEUE_LIMIT)
        ).all()
        counts = {
            str(k): int(n)
            for k, n in db.exec(
                select(CaseRow.light, func.count()).where(*counts_where).group_by(CaseRow.light)
            ).all()
        }
        provisional = int(
            db.exec(
                select(func.count())
                .select_from(CaseRow)
                .where(*counts_where, col(CaseRow.provisional).is_(True))
            ).one()
        )
        # Cases the public opened that nobody has taken yet (the first step makes them yours),
        # and, for a unit's member, the cases routed to the unit (签收, the draft).
        order = (light_rank, due.is_(None), due, CaseRow.case_no)
        unclaimed = _open_of(db, actor, col(CaseRow.officer) == "", order)
        unit_cases = (
            _open_of(
                db,
                actor,
                (col(CaseRow.unit) == actor.unit) & (col(CaseRow.officer) != actor.id),
                order,
            )
            if actor.unit
            else []
        )
    statuses = sorted((label, label) for label in open_statuses_by_label())
    return templates.TemplateResponse(
        request,
        "mine.html",
        {
            "actor": actor,
            "items": [_item(r) for r in rows],
            "unclaimed": [_item(r) for r in unclaimed],
            "unit_cases": [_item(r) for r in unit_cases],
            "total": total,
            "counts": counts,
            "provisional": provisional,
            "kinds": KIND_ZH,
            "names": user_names(request.app.state.engine, actor.agency),
            "statuses": statuses,
            "f": {
                "kind": kind,
                "status": status,
                "light": light,
                "due_within": due_within,
                "unit": unit.strip(),
            },
        },
    )


def _open_of(db: Session, actor: Actor, condition: Any, order: tuple[Any, ...]) -> list[CaseRow]:
    """The agency's open cases that meet ``condition``, most urgent first."""
    return list(
        db.exec(
            select(CaseRow)
            .where(col(CaseRow.status).not_in(sorted(CLOSED)), CaseRow.agency == actor.agency)
            .where(condition)
            .order_by(*order)
            .limit(QUEUE_LIMIT)
        ).all()
    )


# What waits for a supervisor (the registry's approval steps): by the case's status, or by
# what the case's projection says it awaits.
APPROVALS: dict[tuple[str, str], ActionSpec] = {
    (kind.kind, status): step
    for kind in KINDS.values()
    for step in kind.actions
    if step.approval and not step.awaiting
    for status in step.statuses
}
AWAITING: dict[tuple[str, str], ActionSpec] = {
    (kind.kind, step.awaiting): step
    for kind in KINDS.values()
    for step in kind.actions
    if step.awaiting
}


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, actor: Actor = Depends(page_actor)) -> Response:
    """审批: everything waiting for a supervisor of this agency, oldest first."""
    deps.supervisor(actor)
    engine: Engine = request.app.state.engine
    owed = or_(
        *(
            and_(col(CaseRow.kind) == kind, col(CaseRow.status) == status)
            for kind, status in APPROVALS
        ),
        col(CaseRow.awaiting) != "",
    )
    with Session(engine) as db:
        rows = db.exec(
            select(CaseRow)
            .where(CaseRow.agency == actor.agency, col(CaseRow.status).not_in(sorted(CLOSED)))
            .where(owed)
            .order_by(col(CaseRow.updated_at))
            .limit(QUEUE_LIMIT)
        ).all()
    items = []
    for r in rows:
        for step in (APPROVALS.get((r.kind, r.status)), AWAITING.get((r.kind, r.awaiting))):
            if step is not None:
                items.append({**_item(r), "step": step.name, "what": f"{step.zh}（{step.basis}）"})
    return templates.TemplateResponse(
        request,
        "approvals.html",
        {
            "actor": actor,
            "items": items,
            "kinds": KIND_ZH,
            "names": user_names(engine, actor.agency),
        },
    )


FORECAST_DAYS = 30


def forecast(
    engine: Engine, agency: str, region: str, today: date, days: int = FORECAST_DAYS
) -> dict[str, Any]:
    """For the next ``days`` working days: how many open cases fall due on each, per officer
    and per unit (by the date alerts count from), so a pile-up after a long holiday shows before
    it happens; and how many open cases each officer holds now. Cases already overdue are
    counted apart."""
    cal = load_calendar(engine, region)
    working: list[date] = []
    day = today
    while len(working) < days:
        if cal.is_working_day(day):
            working.append(day)
        day += timedelta(days=1)
    start = datetime.combine(today, datetime.min.time(), SHANGHAI)
    span = (working[-1] - today).days + 1
    end = start + timedelta(days=span)
    open_: list[Any] = [CaseRow.agency == agency, col(CaseRow.status).not_in(sorted(CLOSED))]
    due = col(CaseRow.internal_due_at)
    # The day each case falls due (Beijing), bucketed by the database: one row per officer,
    # unit and day rather than one per case (100,000 open cases stay one quick query).
    day_of = case(*((due < start + timedelta(days=k + 1), k) for k in range(span)), else_=span)
    with Session(engine) as db:
        rows = db.exec(
            select(CaseRow.officer, CaseRow.unit, day_of, func.count())
            .where(*open_, due >= start, due < end)
            .group_by(CaseRow.officer, CaseRow.unit, day_of)
        ).all()
        held = {
            str(officer): int(n)
            for officer, n in db.exec(
                select(CaseRow.officer, func.count()).where(*open_).group_by(CaseRow.officer)
            ).all()
        }
        overdue = int(db.exec(select(func.count()).where(*open_, due < start)).one())
    by_officer: dict[str, Counter[date]] = {}
    by_unit: dict[str, Counter[date]] = {}
    per_day: Counter[date] = Counter()
    for officer, unit, k, n in rows:
        local = today + timedelta(days=int(k))
        if not cal.is_working_day(local):  # a period's end on a rest day moves to the next one
            local = cal.next_working_day_on_or_after(local)[0]
        by_officer.setdefault(officer, Counter())[local] += n
        by_unit.setdefault(unit or "（未分派）", Counter())[local] += n
        per_day[local] += n
    peak = max(per_day.values(), default=0)
    return {
        "days": working,
        "per_day": per_day,
        "peak": peak,
        "by_officer": sorted(by_officer.items(), key=lambda kv: -sum(kv[1].values())),
        "by_unit": sorted(by_unit.items(), key=lambda kv: -sum(kv[1].values())),
        "held": held,
        "overdue": overdue,
    }


@router.get("/forecast", response_class=HTMLResponse)
def forecast_page(request: Request, actor: Actor = Depends(page_actor)) -> Response:
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    data = forecast(engine, actor.agency, settings.calendar_region, today)
    return templates.TemplateResponse(
        request,
        "forecast.html",
        {"actor": actor, "names": user_names(engine, actor.agency), "today": today, **data},
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    actor: Actor = Depends(page_actor),
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """One box: a case number (or part), or two or more characters of the request or subject;
    only the officer's own agency."""
    items: list[dict[str, Any]] = []
    problem = ""
    if q.strip():
        try:
            items = [_item(r) for r in search_cases(request.app.state.engine, actor.agency, q)]
        except QueryProblem as exc:
            problem = str(exc)
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "actor": actor,
            "q": " ".join(q.split()),
            "items": items,
            "problem": problem,
            "kinds": KIND_ZH,
            "names": user_names(request.app.state.engine, actor.agency),
            "limit": SEARCH_LIMIT,
        },
    )


@router.get("/ratings", response_class=HTMLResponse)
def ratings_page(request: Request, actor: Actor = Depends(page_actor)) -> Response:
    """Applicants' ratings of the replies, per officer: for supervisors (the agency's 考核)."""
    deps.supervisor(actor)
    agency = None if deps.sees_every_agency(actor) else actor.agency
    rows = ratings(request.app.state.engine, agency)
    table: dict[str, dict[str, int]] = {}
    for officer, score, n in rows:
        table.setdefault(officer, {})[score] = n
    return templates.TemplateResponse(
        request,
        "ratings.html",
        {"actor": actor, "table": sorted(table.items()), "scores": SATISFACTION_ZH},
    )


PURPOSE_ZH = {
    "application": "申请附件",
    "correction": "补正材料",
    "explanation": "说明理由材料",
    "agency": "本机关上传",
}


@router.post("/cases/{case_no}/attachments", response_class=HTMLResponse)
async def upload_attachments(
    request: Request, case_no: str, actor: Actor = Depends(page_actor)
) -> Response:
    """An officer adds files to the case (the portal's store: checked by content, size-limited,
    encrypted at rest), and may release them to the applicant at once."""
    form = await request.form()
    _check_form(request, form.get("csrf"))
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    row = await run_in_threadpool(visible, engine, case_no, actor)
    if actor.role not in (Role.OFFICER, Role.SUPERVISOR):
        raise HTTPException(403, "只有本机关经办人或负责人可以上传附件。")
    limit = settings.attachment_max_mb * 2**20
    uploaded = []
    for f in form.getlist("files"):
        if isinstance(f, StarletteUpload) and f.filename:
            uploaded.append((f.filename[:200], await f.read(limit + 1)))
    now = datetime.now(UTC)
    try:
        if not uploaded:
            raise attachment_store.AttachmentRefused("请选择要上传的文件。")
        if len(uploaded) > 10:
            raise attachment_store.AttachmentRefused("一次最多上传10个文件。")
        refs = attachment_store.save(
            engine,
            attachment_store.files_dir(settings.var_dir),
            request.app.state.codec,
            row.case_no,
            uploaded,
            purpose="agency",
            uploaded_by=actor.id,
            at=now,
            max_bytes=limit,
            case_max_bytes=settings.attachment_case_max_mb * 2**20,
        )
    except attachment_store.AttachmentRefused as exc:
        return await _case_page(
            request,
            row.case_no,
            actor,
            failed={"action": "upload", "values": {}, "message": str(exc)},
            status_code=422,
        )
    if form.get("release") == "yes":
        for ref in refs:
            attachment_store.release(engine, row.case_no, ref.digest, actor.id, now)
    return RedirectResponse(f"/cases/{row.case_no}?done=uploaded#attachments", status_code=303)


@router.post("/cases/{case_no}/attachments/{digest}/release", response_class=HTMLResponse)
async def release_attachment(
    request: Request, case_no: str, digest: str, actor: Actor = Depends(page_actor)
) -> Response:
    """Make one of the agency's files available to the applicant on the portal, or withdraw it."""
    form = await request.form()
    _check_form(request, form.get("csrf"))
    engine: Engine = request.app.state.engine
    row = await run_in_threadpool(visible, engine, case_no, actor)
    if actor.role not in (Role.OFFICER, Role.SUPERVISOR):
        raise HTTPException(403, "只有本机关经办人或负责人可以向申请人提供文件。")
    by = actor.id if form.get("release") == "yes" else None
    if attachment_store.release(engine, row.case_no, digest, by, datetime.now(UTC)) is None:
        raise HTTPException(404, "没有这个可提供给申请人的文件（申请人提交的文件无需提供）。")
    done = "released" if by else "withdrawn"
    return RedirectResponse(f"/cases/{row.case_no}?done={done}#attachments", status_code=303)


@router.get("/cases/{case_no}/attachments/{digest}")
def case_attachment(
    request: Request, case_no: str, digest: str, actor: Actor = Depends(page_actor)
) -> Response:
    """A file the applicant attached, for the agency's staff (their own agency's cases)."""
    engine: Engine = request.app.state.engine
    row = get_case(engine, case_no)
    if row is None or (not deps.sees_every_agency(actor) and row.agency != actor.agency):
        raise HTTPException(404, "没有这个附件。")
    settings: Settings = request.app.state.settings
    found = attachment_store.load(
        engine,
        attachment_store.files_dir(settings.var_dir),
        request.app.state.codec,
        row.case_no,
        digest[:64],
    )
    if found is None:
        raise HTTPException(404, "没有这个附件。")
    meta, data = found
    return download(data, meta.media_type, meta.name)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    actor: Actor = Depends(page_actor),
    year: Annotated[int | None, Query(ge=EARLIEST.year, le=LATEST.year)] = None,
    preview_day: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
    preview_kind: Annotated[Literal["holiday", "workday"], Query()] = "holiday",
) -> Response:
    settings: Settings = request.app.state.settings
    engine: Engine = request.app.state.engine
    cal = load_calendar(engine, settings.calendar_region)
    preview = None
    if preview_day is not None:  # every deadline the change would move, nothing stored
        preview = preview_day_change(
            engine,
            settings.calendar_region,
            preview_day,
            DayKind.HOLIDAY if preview_kind == "holiday" else DayKind.MAKEUP_WORKDAY,
            datetime.now(UTC),
            agency=None if deps.sees_every_agency(actor) else actor.agency,
        )
    this_year = datetime.now(UTC).astimezone(SHANGHAI).year
    year = year or this_year
    shown = sorted({*cal.official_years, this_year, this_year + 1, year})[-6:]
    return templates.TemplateResponse(
        request,
        "calendar.html",
        {
            "actor": actor,
            "revision": cal.revision,
            "year": year,
            "official": year in cal.official_years,
            "source": cal.official_years.get(year, ""),
            "years": [{"year": y, "official": y in cal.official_years} for y in shown],
            "days": [d for d in cal.year_days(year) if d.kind != "weekend"],
            "overrides": overrides(engine, settings.calendar_region, year),
            "preview": preview,
            "clock_zh": CLOCK_ZH,
            "preview_day": preview_day,
            "preview_kind": preview_kind,
        },
    )
