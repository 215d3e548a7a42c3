"""Shared dependencies of the routes: settings, database engine, Temporal client."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.engine import Engine
from temporalio.client import Client

from gongkai.codec import EncryptionCodec
from gongkai.settings import Settings
from rules.calendar import WorkCalendar
from schemas.case import Actor, Role
from store.calendar import load_calendar
from store.users import user_for_token


def settings(request: Request) -> Settings:
    config: Settings = request.app.state.settings
    return config


def engine(request: Request) -> Engine:
    db: Engine = request.app.state.engine
    return db


def calendar(request: Request) -> WorkCalendar:
    s: Settings = request.app.state.settings
    return load_calendar(request.app.state.engine, s.calendar_region)


def temporal(request: Request) -> Client:
    client: Client | None = request.app.state.temporal
    if client is None:
        raise HTTPException(
            503, "The workflow engine (Temporal) is not reachable yet; retry shortly."
        )
    return client


def temporal_if_up(request: Request) -> Client | None:
    """The Temporal client, or None while it is not reachable yet: a page says so in its own
    words (the API's routes take ``temporal``, which answers 503)."""
    client: Client | None = request.app.state.temporal
    return client


def codec(request: Request) -> EncryptionCodec:
    """The key ring that seals attachments at rest (and Temporal payloads)."""
    sealer: EncryptionCodec = request.app.state.codec
    return sealer


SESSION_COOKIE = "gk_session"
SAFE = ("GET", "HEAD", "OPTIONS")


def actor(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> Actor:
    """Who is acting: a bearer token (API), or the dashboard's session cookie (a server-side
    session, revocable and expiring; it never holds the API token)."""
    from datetime import UTC, datetime

    from store.sessions import session_user

    engine: Engine = request.app.state.engine
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(401, "请以 'Authorization: Bearer <令牌>' 的形式提供令牌。")
        user = user_for_token(engine, value.strip())
        if user is None:
            raise HTTPException(401, "令牌无效（不存在、已更换或已停用）。")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise HTTPException(401, "未登录：请以 'Authorization: Bearer <令牌>' 的形式提供令牌。")
        found = session_user(engine, cookie, datetime.now(UTC))
        if found is None:
            raise HTTPException(401, "登录已过期或已退出，请重新登录。")
        user, request.state.csrf = found
        if request.method not in SAFE and request.url.path.startswith("/v1/"):
            # A page on this origin (the Temporal UI served under /temporal among them) carries
            # the cookie: a write through the API with it needs the session's CSRF token too.
            supplied = request.headers.get("x-csrf-token", "")
            if not hmac.compare_digest(supplied, request.state.csrf):
                raise HTTPException(
                    403,
                    "以登录会话修改数据须带请求头 X-CSRF-Token（页面中的令牌）；"
                    "接口调用请用 Bearer 令牌。",
                )
    return Actor(
        id=user.username, name=user.name, role=Role(user.role), agency=user.agency, unit=user.unit
    )


def supervisor(who: Annotated[Actor, Depends(actor)]) -> Actor:
    if who.role not in (Role.SUPERVISOR, Role.ADMIN, Role.SUPERADMIN):
        raise HTTPException(403, "只有负责人（supervisor）可以进行此操作。")
    return who


def admin(who: Annotated[Actor, Depends(actor)]) -> Actor:
    """An administrator: of their own agency (admin), or across agencies (superadmin)."""
    if who.role not in (Role.ADMIN, Role.SUPERADMIN):
        raise HTTPException(403, "只有管理员可以进行此操作。")
    return who


def superadmin(who: Annotated[Actor, Depends(actor)]) -> Actor:
    if who.role is not Role.SUPERADMIN:
        raise HTTPException(403, "只有跨机关的系统管理员（superadmin）可以这样做：它影响所有机关。")
    return who


def sees_every_agency(who: Actor) -> bool:
    """Only a cross-agency administrator reads every agency's cases; everyone else their own."""
    return who.role is Role.SUPERADMIN


@dataclass
class Opening:
    """Everything a route needs to open a case."""

    actor: Actor
    engine: Engine
    client: Client
    settings: Settings
    idempotency_key: str | None
    body_hash: str = ""  # of the request as sent: a reused key must come with the same body


async def opening(
    request: Request,
    who: Annotated[Actor, Depends(actor)],
    db: Annotated[Engine, Depends(engine)],
    client: Annotated[Client, Depends(temporal)],
    config: Annotated[Settings, Depends(settings)],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Opening:
    from api.idempotency import request_hash

    return Opening(who, db, client, config, idempotency_key, request_hash(await request.body()))
