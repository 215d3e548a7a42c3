"""The FastAPI application: thin routes over Temporal and the read model."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.client import Client

import gongkai
from api import errors, metrics, workbench
from api import public as portal  # the public portal's rooms (api/public/)
from api.responses import BeijingJSONResponse
from api.routes import (
    admin,
    cases,
    codec,
    comments,
    deadlines,
    display,
    health,
    kinds,
    report_pages,
    reports,
    temporal_ui,
)
from api.routes import metrics as metrics_route
from gongkai.logs import get_logger
from gongkai.settings import UI_PATH, Settings, get_settings
from gongkai.temporal import codec as temporal_codec
from store.db import make_engine, migrate

log = get_logger(__name__)
MAX_BODY = 1024 * 1024
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def create_app(settings: Settings | None = None, temporal: Client | None = None) -> FastAPI:
    settings = settings or get_settings()
    lifespan = partial(_lifespan, settings=settings, temporal=temporal)
    app = FastAPI(
        title="Gongkai 公开",
        version=gongkai.__version__,
        description="Government information-disclosure casework as durable Temporal workflows.",
        lifespan=lifespan,
        default_response_class=BeijingJSONResponse,
    )
    app.state.settings = settings
    app.state.temporal = temporal
    app.state.codec = temporal_codec(settings)
    app.state.comment_guard = comments.CommentGuard.from_settings(settings)
    app.state.portal_guard = portal.PortalGuard.from_settings(settings)
    # Only the Temporal UI may call the codec endpoint from a browser, and nothing else.
    app.add_middleware(
        PathCORS,  # type: ignore[arg-type]  # a plain ASGI middleware class
        prefix="/codec/",
        allow_origins=settings.ui_origins,
        allow_methods=["POST"],
        allow_headers=["content-type", "x-namespace", "authorization"],
        allow_credentials=True,
    )
    errors.install(app, display.not_found_page)
    app.middleware("http")(partial(_limit_body, settings))
    app.middleware("http")(_security_headers)
    metrics.install(app)  # last added: the outermost middleware, so it times everything
    app.include_router(health.router)
    app.include_router(metrics_route.router)
    app.include_router(deadlines.router)
    app.include_router(cases.router)
    app.include_router(kinds.router)
    app.include_router(comments.router)
    app.include_router(admin.router)
    app.include_router(reports.router)
    app.include_router(codec.router)
    for router in workbench.routers:
        app.include_router(router)
    app.include_router(report_pages.router)
    app.include_router(display.router)
    app.include_router(temporal_ui.router)
    app.include_router(portal.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    workbench.install(app)
    return app


@asynccontextmanager
async def _lifespan(
    app: FastAPI, *, settings: Settings, temporal: Client | None
) -> AsyncIterator[None]:
    """The read model opened (and migrated) at start-up, Temporal connected in the background
    unless given; both closed at shutdown."""
    app.state.engine = make_engine(settings.db_url)
    migrate(app.state.engine)
    app.state.temporal = temporal
    connecting: asyncio.Task[None] | None = None
    if temporal is None:
        connecting = asyncio.create_task(_connect(app, settings))
    try:
        yield
    finally:
        if connecting is not None:
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting
        app.state.engine.dispose()
        if (ui := getattr(app.state, "ui_client", None)) is not None:
            await ui.aclose()


def _carries_files(path: str) -> bool:
    """The portal's forms and the case page's upload carry attachments (a case's worth at
    most); everything else is small."""
    return path.startswith("/public/") or (
        path.startswith("/cases/") and path.endswith("/attachments")
    )


async def _limit_body(settings: Settings, request: Request, call_next: Any) -> Any:
    uploads = (settings.attachment_case_max_mb + 1) * 2**20
    limit = uploads if _carries_files(request.url.path) else MAX_BODY
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return errors.problem(
            413,
            "请求过大",
            f"请求体最大为 {limit // 1024} KiB；附件每个不超过{settings.attachment_max_mb} MB、"
            f"每案合计不超过{settings.attachment_case_max_mb} MB。",
        )
    if length is None and request.method in ("POST", "PUT", "PATCH"):
        if request.headers.get("transfer-encoding"):  # unbounded: say how long it is
            return errors.problem(411, "请注明长度", "请求须带 Content-Length 请求头。")
    return await call_next(request)


async def _security_headers(request: Request, call_next: Any) -> Any:
    response = await call_next(request)
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    # Our pages and documents run no inline script; /docs is FastAPI's own Swagger UI and
    # /temporal the Temporal UI (its headers are its own).
    if not request.url.path.startswith(("/docs", "/redoc", f"{UI_PATH}/")):
        headers.setdefault("Content-Security-Policy", CSP)
    return response


class PathCORS:
    """CORS for one path prefix only: other routes answer no cross-origin request."""

    def __init__(self, app: ASGIApp, prefix: str, **options: Any) -> None:
        self.app, self.prefix = app, prefix
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefix):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def _connect(app: FastAPI, settings: Settings) -> None:
    from gongkai.temporal import connect_with_retry

    app.state.temporal = await connect_with_retry(settings, attempts=10**6)
    log.info("connected to temporal", address=settings.temporal_address)
