"""The public portal (/public): applicants apply for government information online, follow their
case with its 查询号 and 查询码, answer the agency (a correction, an explanation, a withdrawal),
download what the agency issued to them and rate the reply; anyone leaves a message (网络问政),
reads the answered ones, comments on draft decisions and reads emergency releases.

Rules of a public surface, each tested (tests/portal/): no personal data on any page beyond a
masked name (张*); a 查询码 compared in constant time, five wrong codes lock its number for 15
minutes, and an unknown number is answered exactly as a wrong code; every POST is rate-limited
per address, carries a CSRF token and a honeypot field; attachments are checked by content and
size and stored encrypted; bad input gets a Chinese message and changes nothing. Pages are
server-rendered without script (the site's CSP allows none inline) and made for a phone first.
"""

from __future__ import annotations

import hmac
import json
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from starlette.datastructures import UploadFile as StarletteUpload

from api import deps
from api.errors import _constraint
from api.ratelimit import RateLimiter, client_key
from api.responses import download
from api.routes.casework import open_case, perform
from api.routes.comments import CommentIn, take_comment
from api.routes.dashboard import _same_origin, templates
from gongkai.logs import get_logger
from gongkai.settings import Settings
from rules.calendar import SHANGHAI, zh_date
from rules.clock import Explanation
from rules.outcomes import Outcome, plain_outcome
from rules.personal import mask_name
from schemas import disclosure as d
from schemas import inquiry as q
from schemas.case import AttachmentRef, Role, applicant_actor
from schemas.proactive import CATEGORY_ZH
from schemas.registry import CONSULTATION, DISCLOSURE, EMERGENCY, INQUIRY, KINDS, KindSpec
from store import annual, catalogue
from store import attachments as files
from store.agencies import agency_names, code_problem, office_name, public_agencies
from store.cases import get_agency, get_case
from store.db import session_scope
from store.models import (
    CaseEventRow,
    CaseRow,
    DocumentRow,
    OutboxRow,
    PublicMessage,
)
from store.portal import (
    check_code,
    end_public_session,
    issue_code,
    open_public_session,
    public_session,
)

router = APIRouter(prefix="/public", include_in_schema=False)
log = get_logger(__name__)

FORM_COOKIE = "gk_form"  # anonymous forms: a double-submit token (SameSite=Strict cookie)
CASE_COOKIE = "gk_public"  # an applicant following their case
HONEYPOT = "website"  # a field people never see or fill; a form that fills it is a robot's

WRONG_CODE = (
    "查询号或查询码不正确，或因多次输错已暂时锁定（15分钟后可再试）。请核对回执上的查询号和查询码。"
)
EXPIRED = "页面已过期或来源不明，请重新打开页面后再提交。"


@dataclass
class PortalGuard:
    """Per-address limits of the portal's POSTs (gongkai/settings.py ``portal_*``)."""

    new_cases: RateLimiter
    tracking: RateLimiter
    posts: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> PortalGuard:
        window = settings.portal_window_seconds
        return cls(
            RateLimiter(
                settings.portal_new_cases_per_address, settings.portal_new_cases_window_seconds
            ),
            RateLimiter(settings.portal_tracking_per_address, window),
            RateLimiter(settings.portal_posts_per_address, window),
        )


# -- page plumbing ----------------------------------------------------------------------------


def _page(
    request: Request,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A portal page; an anonymous form on it gets the form token (cookie and field)."""
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    res = templates.TemplateResponse(
        request,
        f"portal/{template}",
        {"form_token": token, "honeypot": HONEYPOT, **context},
        status_code=status,
        headers=headers,
    )
    if request.cookies.get(FORM_COOKIE) != token:
        _cookie(res, request, FORM_COOKIE, token, max_age=None)
    return res


def _cookie(res: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    settings: Settings = request.app.state.settings
    res.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=settings.api_url.startswith("https"),
        max_age=max_age,
        path="/public",
    )


def _form_ok(request: Request, supplied: str, honeypot: str) -> bool:
    """An anonymous form: from our page (token and Origin), and not filled in by a robot."""
    expected = request.cookies.get(FORM_COOKIE, "")
    return (
        bool(expected)
        and hmac.compare_digest(expected, supplied)
        and _same_origin(request)
        and not honeypot
    )


def _limited(request: Request, limiter: RateLimiter, what: str) -> Response | None:
    wait = limiter.hit(client_key(request))
    if wait is None:
        return None
    seconds = max(1, math.ceil(wait))
    return _page(
        request,
        "message.html",
        {"title": "操作过于频繁", "message": f"{what}过于频繁，请{seconds}秒后再试。"},
        status=429,
        headers={"Retry-After": str(seconds)},
    )


def _guard(request: Request) -> PortalGuard:
    guard: PortalGuard = request.app.state.portal_guard
    return guard


async def _uploads(
    request: Request, uploads: list[UploadFile], settings: Settings
) -> list[tuple[str, bytes]]:
    """The files a form carried (empty file inputs are skipped), each read up to its limit."""
    out = []
    limit = settings.attachment_max_mb * 2**20
    for f in uploads:
        if not isinstance(f, StarletteUpload) or not f.filename:
            continue
        data = await f.read(limit + 1)
        out.append((f.filename[:200], data))
    if len(out) > 10:
        raise files.AttachmentRefused("一次最多上传10个附件。")
    return out


def _save(
    request: Request, case_no: str, uploaded: list[tuple[str, bytes]], purpose: str
) -> list[AttachmentRef]:
    settings: Settings = request.app.state.settings
    return files.save(
        request.app.state.engine,
        files.files_dir(settings.var_dir),
        request.app.state.codec,
        case_no,
        uploaded,
        purpose=purpose,
        uploaded_by="applicant",
        at=datetime.now(UTC),
        max_bytes=settings.attachment_max_mb * 2**20,
        case_max_bytes=settings.attachment_case_max_mb * 2**20,
    )


def _precheck(request: Request, uploaded: list[tuple[str, bytes]]) -> None:
    settings: Settings = request.app.state.settings
    total = 0
    for name, data in uploaded:
        files.check(data, name, max_bytes=settings.attachment_max_mb * 2**20)
        total += len(data)
    if total > settings.attachment_case_max_mb * 2**20:
        raise files.AttachmentRefused(
            f"附件合计{total / 2**20:.1f} MB，超过每案{settings.attachment_case_max_mb} MB的上限。"
        )


FIELD_ZH = {
    "agency": "受理机关",
    "name": "姓名或名称",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "通信地址",
    "organisation": "单位",
    "description": "所需政府信息的内容描述",
    "form": "获取信息的方式",
    "delivery": "获取信息的载体",
    "subject": "标题",
    "message": "留言内容",
    "category": "留言类别",
    "person": "留言人",
    "unit": "受理单位",
}


CHOOSE = "受理机关：请从列表中选择。"

_NAMED = re.compile(r"^(\w+): (.+)$", re.S)


def _problems(exc: ValidationError) -> list[str]:
    """Each problem under the form's own label. A check across fields (an ID number's check
    digit, a phone's form) says ``field: problem; field: problem``: each part gets its label."""
    out: list[str] = []
    for err in exc.errors():
        field = next((str(p) for p in reversed(err["loc"]) if str(p) in FIELD_ZH), "")
        said = _constraint(dict(err))
        parts = [_NAMED.match(part.strip()) for part in said.split("；")]
        if all(m is not None and m.group(1) in FIELD_ZH for m in parts):
            out.extend(f"{FIELD_ZH[m.group(1)]}：{m.group(2)}" for m in parts if m is not None)
        else:
            out.append(f"{FIELD_ZH.get(field, '填写内容')}：{said}")
    return out


def _opening(request: Request, agency: str) -> deps.Opening:
    return deps.Opening(
        actor=applicant_actor(agency),
        engine=request.app.state.engine,
        client=request.app.state.temporal,
        settings=request.app.state.settings,
        idempotency_key=None,
    )


async def _send_code(request: Request, case_no: str, email: str, phone: str, code: str) -> bool:
    """Send the 查询码 to the applicant: by e-mail (when SMTP is configured) and by SMS (when a
    phone was given and a gateway is configured), at once — they asked for it a moment ago.
    The outbox keeps that it was sent, never the code itself. Whether it went out anywhere."""
    settings: Settings = request.app.state.settings
    track = f"{settings.api_url}/public/track"
    text = (
        f"您的查询号：{case_no}\n查询码：{code}\n请妥善保管查询码（相当于取件码）：凭查询号和查询码"
        f"可在{track}查询办理进度、补正和下载答复。"
    )
    sent = {"email": await _code_by_email(settings, case_no, email, text)}
    if phone and settings.sms_gateway_url:
        sent["sms"] = await _code_by_sms(settings, case_no, phone, text)
    with session_scope(request.app.state.engine) as s:
        for channel, status in sent.items():
            s.add(
                OutboxRow(
                    key=f"{case_no}:tracking-code" + (":sms" if channel == "sms" else ""),
                    case_no=case_no,
                    recipient_role="applicant",
                    recipient=email if channel == "email" else phone,
                    subject=f"您的查询号 {case_no}",
                    body="（查询码只发给申请人，本系统不留存）",
                    channel=channel,
                    status=status,
                    created_at=datetime.now(UTC),
                )
            )
    return "sent" in sent.values()


async def _code_by_email(settings: Settings, case_no: str, email: str, text: str) -> str:
    if not email:
        return "no_address"
    if not settings.smtp_host:
        return "no_channel"
    from activities import mail

    try:
        await mail.send(settings, email, f"您的查询号 {case_no}", text, wait=10)
    except Exception as exc:  # the applicant has the code on the page already
        log.warning("could not e-mail the tracking code", case_no=case_no, error=type(exc).__name__)
        return "error"
    return "sent"


async def _code_by_sms(settings: Settings, case_no: str, phone: str, text: str) -> str:
    if not settings.sms_gateway_url:
        return "no_channel"
    from activities import sms

    try:
        await sms.send(
            settings.sms_gateway_url,
            settings.sms_gateway_token,
            phone,
            text,
            f"{case_no}:tracking-code:sms",
        )
    except Exception as exc:  # the applicant has the code on the page already
        log.warning("could not text the tracking code", case_no=case_no, error=type(exc).__name__)
        return "error"
    return "sent"


# -- the front page -------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return _page(request, "home.html", {})


# -- applying online ------------------------------------------------------------------------


@router.get("/apply", response_class=HTMLResponse)
def apply_form(request: Request, engine: Engine = Depends(deps.engine)) -> Response:
    return _page(request, "apply.html", {**_apply_choices(engine), "problems": [], "f": {}})


def _apply_choices(engine: Engine) -> dict[str, Any]:
    return {
        "agencies": public_agencies(engine),
        "id_types": d.ID_TYPES,
        "forms": d.FORMS,
        "deliveries": d.DELIVERIES,
    }


@router.post("/apply", response_class=HTMLResponse)
async def apply(
    request: Request,
    engine: Engine = Depends(deps.engine),
    settings: Settings = Depends(deps.settings),
    form_token: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    agency: Annotated[str, Form(max_length=32)] = "",
    applicant_type: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    id_type: Annotated[str, Form(max_length=50)] = "居民身份证",
    id_number: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=100)] = "",
    address: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    form: Annotated[str, Form(max_length=100)] = "电子文档",
    delivery: Annotated[str, Form(max_length=100)] = "电子邮件",
    attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI's default)
) -> Response:
    """GIDR Art. 29: the application (the applicant's name and identity, contact, the
    information sought, the form and carrier wanted); T0 is the day the agency confirms it
    (Art. 31(3)), which the tracking page says until then."""
    fields = {
        "agency": agency,
        "applicant_type": applicant_type,
        "name": name,
        "id_type": id_type,
        "id_number": id_number,
        "phone": phone,
        "email": email,
        "address": address,
        "description": description,
        "form": form,
        "delivery": delivery,
    }

    def again(problems: list[str], status: int = 422) -> Response:
        return _page(
            request,
            "apply.html",
            {**_apply_choices(engine), "problems": problems, "f": fields},
            status=status,
        )

    if not _form_ok(request, form_token, website):
        return again([EXPIRED], 403)
    if (busy := _limited(request, _guard(request).new_cases, "提交申请")) is not None:
        return busy
    kind = d.ApplicantType(applicant_type) if applicant_type in set(d.ApplicantType) else None
    if kind is None:  # counted in the annual report's columns by it: never guessed
        return again(["申请人类型：请选择自然人，或者法人或其他组织的类别。"])
    organisation = name if kind not in (None, d.ApplicantType.PERSON) else ""
    try:
        body = d.DisclosureRequestCreate(
            agency=agency,
            channel=d.Channel.ONLINE,
            applicant=d.ApplicantIn(
                type=kind or d.ApplicantType.PERSON,
                name=name,
                id_type=id_type,
                id_number=id_number,
                phone=phone,
                email=email,
                address=address,
                organisation=organisation,
            ),
            description=description,
            form=form,
            delivery=delivery,
        )
    except ValidationError as exc:
        said = _problems(exc)
        if not agency:  # the select's first option, 请选择受理机关
            said = [CHOOSE, *(p for p in said if not p.startswith(f"{FIELD_ZH['agency']}："))]
        return again(said)
    if not (phone or email or address):
        return again(
            ["联系方式：请至少填写联系电话、电子邮箱或通信地址中的一项（条例第二十九条）。"]
        )
    try:
        uploaded = await _uploads(request, attachments, settings)
        _precheck(request, uploaded)
    except files.AttachmentRefused as exc:
        return again([str(exc)])
    if request.app.state.temporal is None:
        return again(["系统暂时无法受理，请稍后再试。"], 503)

    def with_files(case_no: str, inp: Any) -> Any:
        refs = _save(request, case_no, uploaded, "application")
        return inp.model_copy(update={"attachments": refs})

    from fastapi import HTTPException

    try:
        created = await open_case(_opening(request, agency), DISCLOSURE, body, with_files)
    except HTTPException as exc:
        return again([str(exc.detail)], exc.status_code)
    code = issue_code(engine, created.case_no, datetime.now(UTC))
    sent = await _send_code(request, created.case_no, email, phone, code)
    log.info("application received online", case_no=created.case_no, agency=agency)
    return _page(
        request,
        "receipt.html",
        {
            "case_no": created.case_no,
            "code": code,
            "masked": mask_name(name),
            "agency": get_agency(engine, agency),
            "kind_zh": DISCLOSURE.noun_zh,
            "sent": sent,
        },
        status=201,
    )


# -- following a case -----------------------------------------------------------------------


@router.get("/track", response_class=HTMLResponse)
def track_form(request: Request) -> Response:
    return _page(request, "track.html", {"problems": [], "number": ""})


@router.post("/track", response_class=HTMLResponse)
def track(
    request: Request,
    engine: Engine = Depends(deps.engine),
    form_token: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    number: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not _form_ok(request, form_token, website):
        return _page(request, "track.html", {"problems": [EXPIRED], "number": number}, 403)
    if (busy := _limited(request, _guard(request).tracking, "查询")) is not None:
        return busy
    now = datetime.now(UTC)
    case_no = check_code(engine, number, code, now)
    if case_no is None:
        return _page(request, "track.html", {"problems": [WRONG_CODE], "number": number}, 401)
    token, _ = open_public_session(engine, case_no, now)
    res = RedirectResponse("/public/case", status_code=303)
    _cookie(res, request, CASE_COOKIE, token, max_age=30 * 60)
    return res


@dataclass
class Following:
    case_no: str
    csrf: str
    row: CaseRow


def _following(request: Request) -> Following | None:
    engine: Engine = request.app.state.engine
    found = public_session(engine, request.cookies.get(CASE_COOKIE, ""), datetime.now(UTC))
    if found is None:
        return None
    row = get_case(engine, found[0])
    return Following(found[0], found[1], row) if row is not None else None


# What the applicant is told of each step (never an officer's note or a third party's name).
TOLD = {
    "received": "收到您的申请。",
    "registered": "登记：收到申请之日为{t0}。",
    "correction_requested": "本机关发出补正告知，请按告知书补正。",
    "correction_received": "收到补正，答复期限自收到补正之日起重新计算。",
    "accepted": "受理。",
    "assigned": "已交承办部门办理。",
    "consultation_started": "征求第三方或有关机关意见（所需时间不计入答复期限）。",
    "consultation_answered": "征求意见结束，答复期限继续计算。",
    "consultation_lapsed": "征求意见期限届满，答复期限继续计算。",
    "fee_requested": "本机关发出收取信息处理费通知。",
    "fee_paid": "收到信息处理费。",
    "explanation_requested": "本机关请您说明申请理由（条例第三十五条）。",
    "explanation_provided": "您已说明理由，待本机关审核。",
    "explanation_recorded": "本机关已审核您说明的理由。",
    "extended": "经本机关负责人批准，答复期限延长（见延期答复告知书）。",
    "replied": "本机关已作出答复。",
    "served": "答复已送达。",
    "deemed_abandoned": "逾期未补正，视为放弃申请（条例第三十条）。",
    "processing_stopped": "逾期未缴纳信息处理费，本机关不再处理该申请。",
    "withdrawn": "申请已撤回。",
    "archived": "已归档。",
    "rated": "您已评价本次答复。",
    # 网络问政
    "transferred": "已转交有关单位办理。",
    "delay_informed": "本单位告知：该事项较复杂，需要更长时间办理。",
    "answered": "已答复。",
    "converted": "已转为政府信息公开申请办理。",
    "closed": "已办结。",
}
# Documents issued to the applicant (not letters to third parties, not internal notices).
TO_APPLICANT = {
    "receipt",
    "correction_notice",
    "extension_notice",
    "deadline_change_notice",
    "fixed_date_notice",
    "abandonment_notice",
    "processing_stopped_notice",
    "reply",
    "inquiry_reply",
}
REPLY_ISSUED = {"replied", "remedy_window", "archived"}
# A status as the applicant reads it (the workbench's words are the office's).
PUBLIC_STATUS = {
    "received": "已提交，待本机关确认",
    "assigned": "办理中",
    "review": "办理中（审核）",
    "sign_off": "办理中（签发）",
    "consulting": "办理中（征求意见，所需时间不计入答复期限）",
    "replied": "已答复",
    "remedy_window": "已答复，答复书已送达",
    "archived": "已办结",
}


def _timeline(engine: Engine, case_no: str, kind: str = "") -> list[tuple[datetime, str]]:
    with Session(engine) as s:
        rows = s.exec(
            select(CaseEventRow)
            .where(CaseEventRow.case_no == case_no)
            .order_by(col(CaseEventRow.seq))
        ).all()
    out = []
    for e in rows:
        text = TOLD.get(e.kind)
        if e.kind == "received" and kind == INQUIRY.kind:
            text = "收到您的留言。"
        if text is None:
            continue
        data = json.loads(e.data or "{}")
        t0 = str(data.get("t0", "—"))
        shown = zh_date(date.fromisoformat(t0)) if len(t0) == 10 else t0
        out.append((e.occurred_at or e.at, text.format(t0=shown)))
    return out


def _documents(engine: Engine, row: CaseRow) -> list[DocumentRow]:
    with Session(engine) as s:
        docs = s.exec(
            select(DocumentRow)
            .where(DocumentRow.case_no == row.case_no)
            .order_by(col(DocumentRow.seq))
        ).all()
    return [
        doc
        for doc in docs
        if doc.name in TO_APPLICANT and (doc.name != "reply" or row.status in REPLY_ISSUED)
    ]


def _explained(row: CaseRow) -> list[str]:
    """Why the due date is what it is, in words the applicant can check: days counted and
    skipped, pauses (without whom or why), extensions and restarts — no names."""
    if not row.due_explanation:
        return []
    e = Explanation.model_validate_json(row.due_explanation)
    unit = {"working_days": "个工作日", "calendar_days": "日", "months": "个月", "hours": "小时"}
    lines = [
        f"期限：自{e.anchor_date}起{e.limit}{unit.get(e.unit.value, '')}（{e.basis}），"
        f"起算日不计入。"
    ]
    weekends = sum(1 for day in e.skipped if day.kind == "weekend")
    holidays = [day.label or str(day.day) for day in e.skipped if day.kind != "weekend"]
    if weekends:
        lines.append(f"不计周末{weekends}天。")
    if holidays:
        lines.append("不计法定节假日：" + "、".join(holidays) + "。")
    if e.makeup_days_counted:
        lines.append(
            "计入调休上班日：" + "、".join(day.label for day in e.makeup_days_counted) + "。"
        )
    for r in e.restarts:
        lines.append(f"{r.at.astimezone(SHANGHAI).date()}起重新计算（收到补正）。")
    for p in e.pauses:
        until = p.until or "至今"
        lines.append(f"{p.since}—{until}依法不计入答复期限（{p.excluded_days}个工作日）。")
    for x in e.extensions:
        lines.append(
            f"{x.at.astimezone(SHANGHAI).date()}经本机关负责人批准延长{x.amount}个工作日。"
        )
    if e.override is not None:
        lines.append(f"经本机关负责人确定，答复期限为{e.override.due_date}（条例第三十五条）。")
    if e.provisional:
        years = "、".join(str(y) for y in e.provisional_years)
        lines.append(f"{years}年的节假日安排尚未公布，日期为预估，公布后可能调整。")
    return lines


def _outcome_told(row: CaseRow) -> str:
    """What the agency decided, in plain words, once the reply is issued."""
    if row.kind == INQUIRY.kind and row.status in INQUIRY.closed:
        return "已答复" if row.status != "converted" else "已转为政府信息公开申请办理"
    if row.status not in REPLY_ISSUED or not row.outcome:
        return ""
    try:
        decided = plain_outcome(Outcome(row.outcome))
    except ValueError:
        return "已答复"
    on = f"（{zh_date(row.concluded_on)}）" if row.concluded_on else ""
    return f"已答复：{decided}{on}"


def _answer(engine: Engine, row: CaseRow) -> str:
    """A message's answer, inline (the author reads it on the page, not only as a letter)."""
    if row.kind != INQUIRY.kind:
        return ""
    with Session(engine) as s:
        event = s.exec(
            select(CaseEventRow)
            .where(CaseEventRow.case_no == row.case_no, CaseEventRow.kind == "answered")
            .order_by(col(CaseEventRow.seq).desc())
        ).first()
    return str(json.loads(event.data or "{}").get("text", "")) if event else ""


def _due_label(row: CaseRow, spec: KindSpec | None) -> str:
    """Which deadline the shown date is: before an online application is confirmed it is the
    agency's confirmation period, after the reply the applicant's remedy window."""
    if not row.due_explanation or spec is None:
        return "答复期限"
    clock = Explanation.model_validate_json(row.due_explanation).clock
    return spec.clocks.get(clock, "答复期限")


@router.get("/case", response_class=HTMLResponse)
def case_page(request: Request) -> Response:
    me = _following(request)
    if me is None:
        return RedirectResponse("/public/track", status_code=303)
    engine: Engine = request.app.state.engine
    row = me.row
    spec = KINDS.get(row.kind)
    timeline = _timeline(engine, row.case_no, row.kind)
    return _page(
        request,
        "case.html",
        {
            "row": row,
            "kind_zh": spec.noun_zh if spec else "",
            "status_zh": PUBLIC_STATUS.get(row.status)
            or (spec.status_zh(row.status) if spec else row.status),
            "due": row.due_at.astimezone(SHANGHAI).date() if row.due_at else None,
            "due_label": _due_label(row, spec),
            "explained": _explained(row),
            "outcome": _outcome_told(row),
            "answer": _answer(engine, row),
            "timeline": timeline,
            "documents": _documents(engine, row),
            "attached": files.listed(engine, row.case_no),
            "csrf": me.csrf,
            "can": _steps(row, timeline),
            "problems": [],
            "done": request.query_params.get("done", "")[:40],
        },
    )


def _steps(row: CaseRow, timeline: list[tuple[datetime, str]]) -> set[str]:
    """What the applicant may do now (the registry's statuses for their own steps; a reply is
    rated once)."""
    spec = KINDS.get(row.kind)
    if spec is None:
        return set()
    rated = TOLD["rated"] in (text for _, text in timeline)
    return {
        a.name
        for a in spec.actions
        if Role.APPLICANT in a.roles
        and row.status in a.statuses
        and not (a.name == "rate" and rated)
    }


STEPS: dict[str, tuple[str, type[d.ActionBase]]] = {
    "submit-correction": ("correction", d.SubmitCorrection),
    "provide-explanation": ("explanation", d.ProvideExplanation),
    "withdraw": ("", d.Withdraw),
    "rate": ("", d.Rate),
}
DONE_ZH = {
    "submit-correction": "补正已提交，答复期限自今日起重新计算。",
    "provide-explanation": "理由已提交，待本机关审核。",
    "withdraw": "申请已撤回。",
    "rate": "感谢您的评价。",
}


async def _step(
    request: Request, action: str, fields: dict[str, Any], uploads: list[UploadFile]
) -> Response:
    me = _following(request)
    if me is None:
        return RedirectResponse("/public/track", status_code=303)
    csrf = str(fields.pop("csrf", ""))
    if not (hmac.compare_digest(csrf, me.csrf) and _same_origin(request)):
        return _page(request, "message.html", {"title": "页面已过期", "message": EXPIRED}, 403)
    if (busy := _limited(request, _guard(request).posts, "提交")) is not None:
        return busy
    settings: Settings = request.app.state.settings
    spec = KINDS[me.row.kind]
    step = spec.action(action)
    purpose, model = STEPS[action]

    def refused(message: str, status: int = 409) -> Response:
        return _page(
            request, "message.html", {"title": "未能提交", "message": message, "back": True}, status
        )

    if step is None or Role.APPLICANT not in step.roles or me.row.status not in step.statuses:
        return refused("当前办理阶段不能进行这一操作。")
    actor = applicant_actor(me.row.agency)
    try:
        uploaded = await _uploads(request, uploads, settings) if purpose else []
        _precheck(request, uploaded)
        probe = model.model_validate({**fields, "actor": actor.model_dump()})
    except files.AttachmentRefused as exc:
        return refused(str(exc), 422)
    except ValidationError as exc:
        return refused("；".join(_problems(exc)), 422)
    if uploaded:
        refs = _save(request, me.case_no, uploaded, purpose)
        probe = probe.model_copy(update={"attachments": refs})
    from fastapi import HTTPException

    try:
        await perform(
            me.row,
            spec,
            step,
            probe.model_copy(update={"actor": actor}),
            actor,
            request.app.state.engine,
            request.app.state.temporal,
            settings,
            None,
        )
    except HTTPException as exc:
        return refused(str(exc.detail), exc.status_code)
    return RedirectResponse(f"/public/case?done={action}", status_code=303)


@router.post("/case/correction", response_class=HTMLResponse)
async def correction(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    text: Annotated[str, Form(max_length=4000)] = "",
    attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006
) -> Response:
    return await _step(request, "submit-correction", {"csrf": csrf, "text": text}, attachments)


@router.post("/case/explanation", response_class=HTMLResponse)
async def explanation(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    text: Annotated[str, Form(max_length=4000)] = "",
    attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006
) -> Response:
    return await _step(request, "provide-explanation", {"csrf": csrf, "text": text}, attachments)


@router.post("/case/withdraw", response_class=HTMLResponse)
async def withdraw(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return await _step(request, "withdraw", {"csrf": csrf, "reason": reason}, [])


@router.post("/case/rating", response_class=HTMLResponse)
async def rating(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    score: Annotated[str, Form(max_length=40)] = "",
    comment: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return await _step(request, "rate", {"csrf": csrf, "score": score, "comment": comment}, [])


@router.get("/case/documents/{name}", response_class=HTMLResponse)
def case_document(request: Request, name: str, seq: int | None = None) -> Response:
    me = _following(request)
    if me is None:
        return RedirectResponse("/public/track", status_code=303)
    for doc in reversed(_documents(request.app.state.engine, me.row)):
        if doc.name == name and (seq is None or doc.seq == seq):
            return HTMLResponse(_with_way_back(doc.html, "/public/case", "返回办理进度"))
    return _page(
        request, "message.html", {"title": "没有这份文书", "message": "没有这份文书。"}, 404
    )


@router.get("/case/attachments/{digest}")
def case_attachment(request: Request, digest: str) -> Response:
    me = _following(request)
    if me is None:
        return RedirectResponse("/public/track", status_code=303)
    settings: Settings = request.app.state.settings
    found = files.load(
        request.app.state.engine,
        files.files_dir(settings.var_dir),
        request.app.state.codec,
        me.case_no,
        digest[:64],
    )
    if found is None or not files.for_applicant(found[0]):
        return _page(
            request, "message.html", {"title": "没有这个附件", "message": "没有这个附件。"}, 404
        )
    row, data = found
    return download(data, row.media_type, row.name)


@router.post("/case/leave")
def leave(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    me = _following(request)
    if me is not None and hmac.compare_digest(csrf, me.csrf):
        end_public_session(request.app.state.engine, request.cookies.get(CASE_COOKIE, ""))
    res = RedirectResponse("/public/", status_code=303)
    res.delete_cookie(CASE_COOKIE, path="/public")
    return res


# -- 网络问政: leave a message, read the answered ones ------------------------------------------

CATEGORIES = {"consultation": "咨询", "suggestion": "建议", "error_report": "纠错"}


@router.get("/inquiries/new", response_class=HTMLResponse)
def message_form(request: Request, engine: Engine = Depends(deps.engine)) -> Response:
    return _page(
        request,
        "message_form.html",
        {
            "agencies": public_agencies(engine),
            "categories": CATEGORIES,
            "problems": [],
            "f": {},
        },
    )


@router.post("/inquiries/new", response_class=HTMLResponse)
async def leave_message(
    request: Request,
    engine: Engine = Depends(deps.engine),
    settings: Settings = Depends(deps.settings),
    form_token: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    agency: Annotated[str, Form(max_length=32)] = "",
    category: Annotated[str, Form(max_length=32)] = "consultation",
    subject: Annotated[str, Form(max_length=400)] = "",
    message: Annotated[str, Form(max_length=4000)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=100)] = "",
    publish: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    fields = {
        "agency": agency,
        "category": category,
        "subject": subject,
        "message": message,
        "name": name,
        "phone": phone,
        "email": email,
        "publish": publish,
    }

    def again(problems: list[str], status: int = 422) -> Response:
        context = {"agencies": public_agencies(engine), "categories": CATEGORIES}
        return _page(
            request,
            "message_form.html",
            {**context, "problems": problems, "f": fields},
            status=status,
        )

    if not _form_ok(request, form_token, website):
        return again([EXPIRED], 403)
    if (busy := _limited(request, _guard(request).new_cases, "留言")) is not None:
        return busy
    # A disabled agency, or the demonstration one beside real ones, is refused by open_case.
    office = get_agency(engine, agency) if code_problem(agency) is None else None
    if office is None:
        return again([CHOOSE])
    if category not in CATEGORIES:
        return again(["留言类别：请从列表中选择。"])
    try:
        body = q.InquiryCreate(
            agency=agency,
            category=q.InquiryCategory(category),
            person=q.PersonIn(name=name, phone=phone, email=email),
            subject=subject,
            message=message,
            unit=office.name[:100],
            publish_consent=publish == "yes",
        )
    except ValidationError as exc:
        return again(_problems(exc))
    if not (phone or email):
        return again(["联系方式：请填写联系电话或电子邮箱，以便答复。"])
    if request.app.state.temporal is None:
        return again(["系统暂时无法受理，请稍后再试。"], 503)
    from fastapi import HTTPException

    try:
        created = await open_case(_opening(request, agency), INQUIRY, body)
    except HTTPException as exc:
        return again([str(exc.detail)], exc.status_code)
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        s.merge(
            PublicMessage(
                case_no=created.case_no,
                agency=agency,
                category=category,
                subject=body.subject,
                message=body.message,
                publish=publish == "yes",
                received_at=now,
            )
        )
    code = issue_code(engine, created.case_no, now)
    sent = await _send_code(request, created.case_no, email, phone, code)
    return _page(
        request,
        "receipt.html",
        {
            "case_no": created.case_no,
            "code": code,
            "masked": mask_name(name),
            "agency": office,
            "kind_zh": f"网上留言（{CATEGORIES[category]}）",
            "sent": sent,
            "message": True,
        },
        status=201,
    )


@router.get("/inquiries", response_class=HTMLResponse)
def message_board(request: Request, engine: Engine = Depends(deps.engine)) -> Response:
    """Answered messages whose authors allowed publication, as an officer approved their public
    text (personal data masked: the original is staff-only), and each unit's lights: the public
    sees who answers on time (the author's name is never shown)."""
    with Session(engine) as s:
        answered = s.exec(
            select(PublicMessage, CaseRow, CaseEventRow)
            .join(CaseRow, col(CaseRow.case_no) == col(PublicMessage.case_no))
            .join(CaseEventRow, col(CaseEventRow.case_no) == col(PublicMessage.case_no))
            .where(
                col(PublicMessage.publish).is_(True),
                CaseEventRow.kind == "publication_approved",
            )
            .order_by(col(CaseEventRow.at).desc())
            .limit(200)
        ).all()
        lights = s.exec(
            select(CaseRow.unit, CaseRow.light, func.count())
            .where(
                CaseRow.kind == INQUIRY.kind,
                col(CaseRow.status).not_in(sorted(INQUIRY.closed)),
            )
            .group_by(col(CaseRow.unit), col(CaseRow.light))
        ).all()
    units: dict[str, dict[str, int]] = {}
    for unit, light, n in lights:
        units.setdefault(unit or "—", {"green": 0, "yellow": 0, "red": 0})[light] = int(n)
    items, seen = [], set()
    for m, row, e in answered:  # newest approval first: a case's latest public text
        if m.case_no in seen:
            continue
        seen.add(m.case_no)
        text = json.loads(e.data or "{}")
        items.append(
            {
                "case_no": m.case_no,
                "category": CATEGORIES.get(m.category, m.category),
                "subject": text.get("subject", ""),
                "message": text.get("message", ""),
                "answer": text.get("answer", ""),
                "unit": row.unit,
                "asked": m.received_at,
                "answered": e.at,
            }
        )
    return _page(request, "board.html", {"items": items, "units": sorted(units.items())})


# -- 重大行政决策: drafts open for comment, decisions published ------------------------------

PUBLIC_DOCUMENTS = {
    CONSULTATION.kind: {"comment_notice", "decision_notice", "adoption_report"},
    EMERGENCY.kind: {"release"},
}


def _public_documents(engine: Engine, row: CaseRow) -> list[DocumentRow]:
    allowed = PUBLIC_DOCUMENTS.get(row.kind, set())
    with Session(engine) as s:
        docs = s.exec(
            select(DocumentRow)
            .where(DocumentRow.case_no == row.case_no)
            .order_by(col(DocumentRow.seq))
        ).all()
    return [doc for doc in docs if doc.name in allowed]


def _published(engine: Engine, kind: str, statuses: set[str]) -> list[CaseRow]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(CaseRow)
                .where(CaseRow.kind == kind, col(CaseRow.status).in_(sorted(statuses)))
                .order_by(col(CaseRow.updated_at).desc())
                .limit(200)
            )
        )


# A draft is public from its publication (comment_open) on; a decision once published.
DRAFT_PUBLIC = {"comment_open", "processing", "legality_review", "reviewed", "decided", "reported"}
DECIDED_PUBLIC = {"published", "archived"}


@router.get("/consultations", response_class=HTMLResponse)
def consultations(request: Request, engine: Engine = Depends(deps.engine)) -> Response:
    return _page(
        request,
        "consultations.html",
        {
            "open": _published(engine, CONSULTATION.kind, {"comment_open"}),
            "decided": _published(engine, CONSULTATION.kind, DECIDED_PUBLIC),
        },
    )


def _public_case(engine: Engine, case_no: str, kind: str, statuses: set[str]) -> CaseRow | None:
    row = get_case(engine, case_no.strip().upper()[:64])
    if row is None or row.kind != kind or row.status not in statuses:
        return None
    return row


NOTHING_PUBLIC = "该编号下没有公开的内容。"


@router.get("/consultations/{case_no}", response_class=HTMLResponse)
def consultation(request: Request, case_no: str, engine: Engine = Depends(deps.engine)) -> Response:
    row = _public_case(engine, case_no, CONSULTATION.kind, DRAFT_PUBLIC | DECIDED_PUBLIC)
    if row is None:
        return _page(request, "message.html", {"title": "没有找到", "message": NOTHING_PUBLIC}, 404)
    return _page(
        request,
        "consultation.html",
        {
            "row": row,
            "open": row.status == "comment_open",
            "due": row.due_at.astimezone(SHANGHAI).date() if row.due_at else None,
            "explained": _explained(row),
            "documents": _public_documents(engine, row),
            "problems": [],
            "done": request.query_params.get("done") == "1",
        },
    )


@router.post("/consultations/{case_no}/comments", response_class=HTMLResponse)
def comment_form(
    request: Request,
    case_no: str,
    engine: Engine = Depends(deps.engine),
    form_token: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=6000)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    contact: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    from fastapi import HTTPException

    row = _public_case(engine, case_no, CONSULTATION.kind, DRAFT_PUBLIC | DECIDED_PUBLIC)
    if row is None:
        return _page(request, "message.html", {"title": "没有找到", "message": NOTHING_PUBLIC}, 404)

    def again(problem: str, status: int) -> Response:
        return _page(
            request,
            "consultation.html",
            {
                "row": row,
                "open": row.status == "comment_open",
                "due": row.due_at.astimezone(SHANGHAI).date() if row.due_at else None,
                "explained": _explained(row),
                "documents": _public_documents(engine, row),
                "problems": [problem],
                "done": False,
                "f": {"text": text, "name": name, "contact": contact},
            },
            status=status,
        )

    if not _form_ok(request, form_token, website):
        return again(EXPIRED, 403)
    try:
        body = CommentIn(text=text, name=name, contact=contact)
    except ValidationError as exc:
        return again("；".join(_problems(exc)), 422)
    try:
        take_comment(request, engine, row.case_no, body)
    except HTTPException as exc:
        return again(str(exc.detail), exc.status_code)
    return RedirectResponse(f"/public/consultations/{row.case_no}?done=1", status_code=303)


# -- 突发事件: authoritative releases --------------------------------------------------------

RELEASED = {"released", "closed"}


@router.get("/releases", response_class=HTMLResponse)
def releases(request: Request, engine: Engine = Depends(deps.engine)) -> Response:
    return _page(request, "releases.html", {"events": _published(engine, EMERGENCY.kind, RELEASED)})


@router.get("/releases/{case_no}", response_class=HTMLResponse)
def release(request: Request, case_no: str, engine: Engine = Depends(deps.engine)) -> Response:
    row = _public_case(engine, case_no, EMERGENCY.kind, RELEASED)
    if row is None:
        return _page(request, "message.html", {"title": "没有找到", "message": NOTHING_PUBLIC}, 404)
    return _page(request, "release.html", {"row": row, "documents": _public_documents(engine, row)})


@router.get("/documents/{case_no}/{name}", response_class=HTMLResponse)
def public_document(request: Request, case_no: str, name: str, seq: int | None = None) -> Response:
    """A document the agency published (a draft's notice, a decision, a release)."""
    engine: Engine = request.app.state.engine
    row = get_case(engine, case_no.strip().upper()[:64])
    public = row is not None and (
        (row.kind == CONSULTATION.kind and row.status in DRAFT_PUBLIC | DECIDED_PUBLIC)
        or (row.kind == EMERGENCY.kind and row.status in RELEASED)
    )
    if row is not None and public:
        for doc in reversed(_public_documents(engine, row)):
            if doc.name == name and (seq is None or doc.seq == seq):
                back = "/public/releases" if row.kind == EMERGENCY.kind else "/public/consultations"
                return HTMLResponse(_with_way_back(doc.html, back, "返回"))
    return _page(request, "message.html", {"title": "没有找到", "message": NOTHING_PUBLIC}, 404)


def _with_way_back(html: str, href: str, label: str) -> str:
    """A letter as the portal shows it: with a way back to where the reader came from (the
    letter itself, as issued, carries none)."""
    bar = (
        '<nav aria-label="返回" style="border-bottom:1px solid #ccc;padding:.5em 0;'
        f'font-family:sans-serif"><a href="{href}">← {label}</a></nav>'
    )
    return html.replace("<body>", f"<body>{bar}", 1)


# -- the catalogue and the guide (GIDR Art. 12) --------------------------------------------


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(
    request: Request,
    agency: Annotated[str, Query(max_length=32)] = "",
    category: Annotated[str, Query(max_length=32)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """政府信息公开目录: every item published proactively and in force, by category, searchable."""
    engine: Engine = request.app.state.engine
    listing = catalogue.current(engine, agency or None, category or None, q)
    return _page(
        request,
        "catalogue.html",
        {
            "items": listing.items,
            "counts": listing.counts,
            "categories": CATEGORY_ZH,
            "agencies": {a.code: a.name for a in public_agencies(engine)},
            "f": {"agency": agency, "category": category, "q": q},
        },
    )


@router.get("/catalogue/{case_no}", response_class=HTMLResponse)
def catalogue_item(request: Request, case_no: str) -> Response:
    engine: Engine = request.app.state.engine
    versions = catalogue.history(engine, case_no.strip().upper()[:64])
    if not versions:
        return _page(request, "message.html", {"title": "没有找到", "message": NOTHING_PUBLIC}, 404)
    agencies = agency_names(engine)
    return _page(
        request,
        "catalogue_item.html",
        {
            "item": versions[0],
            "versions": versions,
            "agency": agencies.get(versions[0].agency, versions[0].agency),
            "categories": CATEGORY_ZH,
            "channels": json.loads(versions[0].channels),
        },
    )


@router.get("/guide/{agency}", response_class=HTMLResponse)
def guide(request: Request, agency: str) -> Response:
    """政府信息公开指南 (GIDR Art. 12): the categories and their arrangement, how to obtain the
    information, and the GI office's name, address and contacts."""
    engine: Engine = request.app.state.engine
    found = next((a for a in public_agencies(engine) if a.code == agency[:32]), None)
    if found is None:
        return _page(
            request, "message.html", {"title": "没有找到", "message": "没有这个机关。"}, 404
        )
    listing = catalogue.current(engine, found.code, limit=1)
    return _page(
        request,
        "guide.html",
        {
            "agency": found,
            "office": office_name(found),
            "counts": listing.counts,
            "categories": CATEGORY_ZH,
        },
    )


# -- annual reports, as signed (GIDR Art. 49) ---------------------------------------------------


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    agencies = agency_names(engine)
    return _page(
        request, "reports.html", {"reports": annual.published(engine), "agencies": agencies}
    )


@router.get("/reports/{agency}/{year}", response_class=HTMLResponse)
def report_page(request: Request, agency: str, year: int) -> Response:
    """The report exactly as signed and published."""
    engine: Engine = request.app.state.engine
    found = next((r for r in annual.published(engine, agency[:32]) if r.year == year), None)
    if found is None:
        missing = {"title": "没有找到", "message": "该机关该年度的年度报告尚未公布。"}
        return _page(request, "message.html", missing, 404)
    return HTMLResponse(found.published_html)
