"""Signing in to the workbench and out again, and who is acting on a page: a server-side session
(revocable and expiring) whose cookie never holds the API token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from api import deps
from api.csrf import STALE_FORM, csrf_ok, same_origin
from api.ratelimit import RateLimiter, client_key
from api.templating import templates
from gongkai.settings import Settings
from schemas.case import Actor
from store.sessions import open_session, revoke
from store.users import user_for_token

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    pass


def page_actor(request: Request) -> Actor:
    """Who is signed in; a page without a session sends its reader to the sign-in page."""
    try:
        return deps.actor(request, request.headers.get("authorization"))
    except HTTPException as exc:
        raise LoginRequired from exc


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(_: Request, __: LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)


_LOGINS = RateLimiter(10, 60)  # sign-in attempts per address and minute


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {"actor": None, "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    token: Annotated[str, Form(max_length=200)],
    engine: Annotated[Engine, Depends(deps.engine)],
    settings: Annotated[Settings, Depends(deps.settings)],
) -> Response:
    def refuse(status: int, error: str) -> Response:
        return templates.TemplateResponse(
            request, "login.html", {"actor": None, "error": error}, status_code=status
        )

    if not same_origin(request):
        return refuse(403, "登录请求不是来自本系统的页面，已拒绝。")
    if _LOGINS.hit(client_key(request)) is not None:
        return refuse(429, "登录尝试过于频繁，请一分钟后再试。")
    user = user_for_token(engine, token.strip())
    if user is None:
        return refuse(401, "令牌无效或已停用。")
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
    engine: Annotated[Engine, Depends(deps.engine)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    actor: Actor = Depends(page_actor),
) -> Response:
    if not csrf_ok(request, csrf):
        raise HTTPException(403, STALE_FORM)
    revoke(engine, request.cookies.get(deps.SESSION_COOKIE, ""), datetime.now(UTC))
    res = RedirectResponse("/login", status_code=303)
    res.delete_cookie(deps.SESSION_COOKIE)
    return res
