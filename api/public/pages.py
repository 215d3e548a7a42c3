"""The portal's page plumbing, shared by its rooms: a page with its form token, the cookies, the
checks of an anonymous form (token, origin, honeypot), the per-address limits, the applicant
following a case, problems under the form's own labels, and the files a form carries."""

from __future__ import annotations

import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from starlette.datastructures import UploadFile as StarletteUpload

from api import deps
from api.csrf import same_origin as _same_origin
from api.errors import _constraint
from api.ratelimit import RateLimiter, client_key
from api.templating import templates
from gongkai.codec import EncryptionCodec
from gongkai.settings import Settings
from schemas.case import AttachmentRef
from store import attachments as files
from store.cases import get_case
from store.models import AttachmentRow, CaseRow, DocumentRow
from store.portal import public_session

FORM_COOKIE = "gk_form"  # anonymous forms: a double-submit token (SameSite=Strict cookie)
CASE_COOKIE = "gk_public"  # an applicant following their case
HONEYPOT = "website"  # a field people never see or fill; a form that fills it is a robot's

WRONG_CODE = (
    "查询号或查询码不正确，或因多次输错已暂时锁定（15分钟后可再试）。请核对回执上的查询号和查询码。"
)
EXPIRED = "页面已过期或来源不明，请重新打开页面后再提交。"
NOTHING_PUBLIC = "该编号下没有公开的内容。"
CHOOSE = "受理机关：请从列表中选择。"
UNAVAILABLE = "系统暂时无法受理，请稍后再试。"


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


@dataclass
class Pages:
    """The portal's pages for one request."""

    request: Request
    settings: Settings
    guard: PortalGuard

    def __call__(
        self,
        template: str,
        context: dict[str, Any],
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """A portal page; an anonymous form on it gets the form token (cookie and field)."""
        token = self.request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
        res = templates.TemplateResponse(
            self.request,
            f"portal/{template}",
            {"form_token": token, "honeypot": HONEYPOT, **context},
            status_code=status,
            headers=headers,
        )
        if self.request.cookies.get(FORM_COOKIE) != token:
            self.cookie(res, FORM_COOKIE, token, max_age=None)
        return res

    def message(self, title: str, message: str, status: int, **more: Any) -> Response:
        return self("message.html", {"title": title, "message": message, **more}, status)

    def cookie(self, res: Response, name: str, value: str, max_age: int | None) -> None:
        res.set_cookie(
            name,
            value,
            httponly=True,
            samesite="strict",
            secure=self.settings.api_url.startswith("https"),
            max_age=max_age,
            path="/public",
        )

    def form_ok(self, supplied: str, honeypot: str) -> bool:
        """An anonymous form: from our page (token and Origin), and not filled in by a robot."""
        expected = self.request.cookies.get(FORM_COOKIE, "")
        return (
            bool(expected)
            and hmac.compare_digest(expected, supplied)
            and _same_origin(self.request)
            and not honeypot
        )

    def same_origin(self) -> bool:
        return _same_origin(self.request)

    def limited(self, limiter: RateLimiter, what: str) -> Response | None:
        wait = limiter.hit(client_key(self.request))
        if wait is None:
            return None
        seconds = max(1, math.ceil(wait))
        return self(
            "message.html",
            {"title": "操作过于频繁", "message": f"{what}过于频繁，请{seconds}秒后再试。"},
            status=429,
            headers={"Retry-After": str(seconds)},
        )


def pages(request: Request, settings: Settings = Depends(deps.settings)) -> Pages:
    return Pages(request, settings, request.app.state.portal_guard)


Page = Annotated[Pages, Depends(pages)]


@dataclass
class Following:
    """The case an applicant follows (they gave its 查询码), and their session's CSRF token."""

    case_no: str
    csrf: str
    row: CaseRow


def following(request: Request, engine: Engine = Depends(deps.engine)) -> Following | None:
    found = public_session(engine, request.cookies.get(CASE_COOKIE, ""), datetime.now(UTC))
    if found is None:
        return None
    row = get_case(engine, found[0])
    return Following(found[0], found[1], row) if row is not None else None


Followed = Annotated[Following | None, Depends(following)]


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
_NAMED = re.compile(r"^(\w+): (.+)$", re.S)


def problems(exc: ValidationError) -> list[str]:
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


def with_way_back(html: str, href: str, label: str) -> str:
    """A letter as the portal shows it: with a way back to where the reader came from (the
    letter itself, as issued, carries none)."""
    bar = (
        '<nav aria-label="返回" style="border-bottom:1px solid #ccc;padding:.5em 0;'
        f'font-family:sans-serif"><a href="{href}">← {label}</a></nav>'
    )
    return html.replace("<body>", f"<body>{bar}", 1)


def letter(
    shown: list[DocumentRow], name: str, seq: int | None, back: str, label: str
) -> HTMLResponse | None:
    """One of the letters ``shown`` by its name — the issue ``seq`` asked for, else the latest
    — with its way back; None when there is no such letter."""
    for doc in reversed(shown):
        if doc.name == name and (seq is None or doc.seq == seq):
            return HTMLResponse(with_way_back(doc.html, back, label))
    return None


# -- the files a form carries ---------------------------------------------------------------


async def uploads(uploaded: list[Any], settings: Settings) -> list[tuple[str, bytes]]:
    """The files a form carried (empty file inputs are skipped), each read up to its limit and
    checked by content and size, and together within a case's limit."""
    out = []
    limit = settings.attachment_max_mb * 2**20
    for f in uploaded:
        if not isinstance(f, StarletteUpload) or not f.filename:
            continue
        data = await f.read(limit + 1)
        out.append((f.filename[:200], data))
    if len(out) > 10:
        raise files.AttachmentRefused("一次最多上传10个附件。")
    total = 0
    for name, data in out:
        files.check(data, name, max_bytes=limit)
        total += len(data)
    if total > settings.attachment_case_max_mb * 2**20:
        raise files.AttachmentRefused(
            f"附件合计{total / 2**20:.1f} MB，超过每案{settings.attachment_case_max_mb} MB的上限。"
        )
    return out


@dataclass
class Files:
    """Where the applicant's files go: sealed, under the case's number."""

    engine: Engine
    settings: Settings
    codec: EncryptionCodec

    def save(
        self, case_no: str, uploaded: list[tuple[str, bytes]], purpose: str
    ) -> list[AttachmentRef]:
        return files.save(
            self.engine,
            files.files_dir(self.settings.var_dir),
            self.codec,
            case_no,
            uploaded,
            purpose=purpose,
            uploaded_by="applicant",
            at=datetime.now(UTC),
            max_bytes=self.settings.attachment_max_mb * 2**20,
            case_max_bytes=self.settings.attachment_case_max_mb * 2**20,
        )

    def load(self, case_no: str, digest: str) -> tuple[AttachmentRow, bytes] | None:
        root = files.files_dir(self.settings.var_dir)
        return files.load(self.engine, root, self.codec, case_no, digest)


def applicant_files(
    engine: Engine = Depends(deps.engine),
    settings: Settings = Depends(deps.settings),
    codec: EncryptionCodec = Depends(deps.codec),
) -> Files:
    return Files(engine, settings, codec)
