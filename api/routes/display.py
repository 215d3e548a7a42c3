"""The reader's display, and the chrome both faces share.

适老化 (GB/T 37668-2019; 工信部《互联网网站适老化通用设计规范》): a reader chooses the standard
or the large display (larger text, stronger contrast) with a link in the header of every page — the
portal runs no script, so the link goes through a GET that sets a cookie and sends the reader
back to the page they were on. One cookie for the whole site: the choice follows a person from
the portal to the workbench. Also the favicon (a 公 mark), and the portal's own page for an
address it does not have (a citizen gets a page with a way home, never JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from jinja2 import pass_context

from api.templating import templates
from gongkai.settings import Settings

router = APIRouter(include_in_schema=False)

DISPLAY_COOKIE = "gk_display"
LARGE = "large"
YEAR = 365 * 24 * 3600
FAVICON = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"
PORTAL = "/public/"


def safe_next(target: str, within: str) -> str | None:
    """``target`` if it is a path on this site under ``within`` (no scheme, no host, no
    ``//host`` or ``/\\host`` a browser would read as another site, no control characters)."""
    if not target.startswith(within) or target.startswith(("//", "/\\")):
        return None
    if any(ch < " " or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _switch(request: Request, mode: str, target: str, within: str, home: str) -> Response:
    res = RedirectResponse(safe_next(target, within) or home, status_code=303)
    settings: Settings = request.app.state.settings
    if mode == LARGE:
        res.set_cookie(
            DISPLAY_COOKIE,
            LARGE,
            max_age=YEAR,
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings.api_url.startswith("https"),
        )
    else:
        res.delete_cookie(DISPLAY_COOKIE, path="/")
    return res


@router.get("/public/display")
def portal_display(
    request: Request,
    mode: Annotated[str, Query(max_length=16)] = "",
    next: Annotated[str, Query(max_length=2000)] = PORTAL,
) -> Response:
    """大字版 / 标准版 on the portal: back to ``next``, a portal page, or to its home."""
    return _switch(request, mode, next, PORTAL, PORTAL)


@router.get("/display")
def staff_display(
    request: Request,
    mode: Annotated[str, Query(max_length=16)] = "",
    next: Annotated[str, Query(max_length=2000)] = "/",
) -> Response:
    """大字版 / 标准版 on the workbench: back to ``next``, a page of this site, or to the board."""
    return _switch(request, mode, next, "/", "/")


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages that name no icon (letters, the API's docs)."""
    return FileResponse(
        FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


def is_portal(path: str) -> bool:
    return path == "/public" or path.startswith(PORTAL)


def not_found_page(request: Request, status: int) -> Response | None:
    """The portal's page for an address it does not have; None elsewhere (JSON answers)."""
    return portal_not_found(request, status) if is_portal(request.url.path) else None


def portal_not_found(request: Request, status: int) -> Response:
    """An address the portal does not have (404), or cannot open as a page (405)."""
    message = (
        "您要找的页面不存在或已经移动。请核对网址，或从首页进入。"
        if status == 404
        else "这个地址不能直接打开。请从首页进入，再按页面上的按钮办理。"
    )
    return templates.TemplateResponse(
        request,
        "portal/message.html",
        {"title": "没有找到这个页面", "message": message, "back": False},
        status_code=status,
    )


# -- what the base templates ask ---------------------------------------------------------------


def _request(ctx: Any) -> Request | None:
    request = ctx.get("request")
    return request if isinstance(request, Request) else None


@pass_context
def display_large(ctx: Any) -> bool:
    request = _request(ctx)
    return request is not None and request.cookies.get(DISPLAY_COOKIE) == LARGE


@pass_context
def display_href(ctx: Any, mode: str) -> str:
    """The switch's link: back to this very page (its query too) after the switch. None on a
    page answering a form (going back would lose it: the 查询码 is shown once)."""
    request = _request(ctx)
    if request is None or request.method != "GET":
        return ""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    base = "/public/display" if is_portal(request.url.path) else "/display"
    return f"{base}?{urlencode({'mode': mode, 'next': here})}"


templates.env.globals["display_large"] = display_large
templates.env.globals["display_href"] = display_href
