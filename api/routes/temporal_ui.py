"""The Temporal UI, served read-only under ``/temporal`` to signed-in staff.

Opened here, the UI runs on the API's own origin: its calls to the codec endpoint
(``{api}/codec/decode``) are same-origin, so the browser sends the dashboard session with them,
and a supervisor sees their own agency's payloads decoded with no setting to change. Everyone
else sees ciphertext: the codec decides per payload (api/routes/codec.py). Only GET and HEAD
pass: nothing done in the UI through Gongkai can signal, reset or terminate a case (those go
through the casework API, where the law's checks are). Without a session the answer is the
sign-in page (303 to /login).

The upstream is the dev server's UI started with ``--ui-public-path /temporal``
(``GONGKAI_TEMPORAL_UI_UPSTREAM``, which ``gongkai up`` sets). Production runs the UI as its
own service behind OIDC (compose.yaml) and leaves this off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from api import deps
from api.workbench.session import page_actor
from gongkai.logs import get_logger
from gongkai.settings import UI_PATH, Settings
from schemas.case import Actor

router = APIRouter(prefix=UI_PATH, include_in_schema=False)
log = get_logger(__name__)

# Request headers worth passing on (no Authorization, no Host, no Gongkai cookie).
_ASK = (
    "accept",
    "accept-encoding",
    "accept-language",
    "if-none-match",
    "if-modified-since",
    "user-agent",
)
# Response headers that describe one hop, or that our own middleware sets.
_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
}
READ_ONLY = (
    "经 Gongkai 打开的 Temporal UI 是只读的：对案件的操作（延期、答复、中止等）请在工作台或"
    "通过 API 进行，那里有法定的校验与留痕。"
)


def ui_client(request: Request) -> httpx.AsyncClient:
    """One connection pool per API process, made on first use, closed with the app."""
    client: httpx.AsyncClient | None = getattr(request.app.state, "ui_client", None)
    if client is None:
        client = httpx.AsyncClient(timeout=httpx.Timeout(30, connect=5))
        request.app.state.ui_client = client
    return client


def _upstream(request: Request) -> str:
    settings: Settings = request.app.state.settings
    if not settings.temporal_ui_upstream:
        raise HTTPException(404, "本系统未托管 Temporal UI（见 docs/operations.md）。")
    return settings.temporal_ui_upstream.rstrip("/")


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
async def temporal_ui(path: str, request: Request, who: Actor = Depends(page_actor)) -> Response:
    upstream = _upstream(request)
    if any(part in ("..", ".") for part in path.split("/")):  # stay under /temporal upstream
        raise HTTPException(404, "没有这个地址。")
    headers = {k: v for k in _ASK if (v := request.headers.get(k)) is not None}
    headers.setdefault("accept-encoding", "identity")  # what the browser can read, raw
    # The UI's own cookies (its CSRF token) go back to it; the dashboard session never does.
    cookies = "; ".join(
        f"{name}={value}" for name, value in request.cookies.items() if not name.startswith("gk_")
    )
    if cookies:
        headers["cookie"] = cookies
    url = f"{upstream}{UI_PATH}/{path}"
    client = ui_client(request)
    try:
        answer = await client.send(
            client.build_request(
                request.method, url, params=str(request.query_params), headers=headers
            ),
            stream=True,
        )
    except httpx.HTTPError as exc:
        log.warning("temporal ui unreachable", upstream=upstream, error=type(exc).__name__)
        raise HTTPException(503, "Temporal UI 暂时无法访问，请稍后重试。") from exc
    response = StreamingResponse(
        _relay(answer), status_code=answer.status_code, background=BackgroundTask(answer.aclose)
    )
    # Every header as the UI sent it (each Set-Cookie too), its redirects kept on our origin.
    response.raw_headers = [
        (k.lower().encode("latin-1"), _here(k, v, upstream).encode("latin-1"))
        for k, v in answer.headers.multi_items()
        if k.lower() not in _HOP
    ]
    return response


async def _relay(answer: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in answer.aiter_raw():
            yield chunk
    finally:  # also when the browser goes away mid-way
        await answer.aclose()


def _here(name: str, value: str, upstream: str) -> str:
    if name.lower() == "location" and value.startswith(upstream):
        return value.removeprefix(upstream)
    return value


@router.api_route("/{path:path}", methods=["POST", "PUT", "PATCH", "DELETE"])
async def temporal_ui_writes(path: str, who: Actor = Depends(deps.actor)) -> Response:
    raise HTTPException(405, READ_ONLY)
