"""How the generated operations reach the API: httpx, a bearer token, typed answers, and a
refusal raised as :class:`ApiError` with the server's Chinese explanation.

A lost answer (a network error) is retried the same way, after a second. Busy answers are
retried as the API asks: a 429 or 503 with ``Retry-After`` (or a 409 with
``Retry-After``: the same key's first request is still running) is sent again after that many
seconds (at most ``retries`` times), but only when sending again cannot do a step twice — a
read, or an action carrying an ``Idempotency-Key``. Every action gets a fresh key
unless the caller gives one, so a 503 ("submitted but not confirmed in time") is answered by
the retry with the step's real result, never a second step.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter


class ApiError(Exception):
    """The API said no (RFC 9457 problem): ``status`` 409 for a step not allowed now, 422 for
    missing or invalid content, 429/503 with ``retry_after`` seconds when busy."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        self.title: str = str(problem.get("title", response.reason_phrase))
        self.detail: str = str(problem.get("detail", response.text[:500]))
        self.errors: list[str] = list(problem.get("errors") or [])
        after = response.headers.get("retry-after")
        self.retry_after: float | None = float(after) if after and after.isdigit() else None
        super().__init__(f"{self.status} {self.title}: {self.detail}")


def _seg(value: object) -> str:
    """One path segment, escaped."""
    return quote(str(value), safe="")


@cache
def _adapter(answer: Any) -> TypeAdapter[Any]:
    return TypeAdapter(answer)


BUSY = (429, 503)
MAX_WAIT = 10.0  # seconds, whatever Retry-After says


def _request(
    token: str | None,
    query: dict[str, Any] | None,
    headers: dict[str, Any] | None,
    body: BaseModel | dict[str, Any] | None,
) -> dict[str, Any]:
    headers = dict(headers or {})
    if "idempotency-key" in headers and headers["idempotency-key"] is None:
        headers["idempotency-key"] = f"gkc-{uuid.uuid4()}"  # the same key on every retry
    sent: dict[str, str] = {k: str(v) for k, v in headers.items() if v is not None}
    if token:
        sent["authorization"] = f"Bearer {token}"
    out: dict[str, Any] = {"headers": sent}
    if query:
        out["params"] = {
            k: v.isoformat() if hasattr(v, "isoformat") else v
            for k, v in query.items()
            if v is not None
        }
    if body is not None:
        out["json"] = (
            body.model_dump(mode="json", by_alias=True, exclude_unset=True)
            if isinstance(body, BaseModel)
            else body
        )
    return out


def _resendable(method: str, request: dict[str, Any]) -> bool:
    """Sending it again cannot do a step twice: a read, or an action under its key."""
    return method == "GET" or "idempotency-key" in request["headers"]


def _again(method: str, request: dict[str, Any], response: httpx.Response) -> float | None:
    """Seconds to wait before sending the same request again, or None not to."""
    keyed = "idempotency-key" in request["headers"]
    # A 409 with Retry-After: the same key's first request is still running.
    still_running = response.status_code == 409 and keyed and "retry-after" in response.headers
    if response.status_code not in BUSY and not still_running:
        return None
    if not _resendable(method, request):
        return None
    after = response.headers.get("retry-after", "1")
    return min(float(after) if after.isdigit() else 1.0, MAX_WAIT)


def _answer(response: httpx.Response, answer: Any, expect: int) -> Any:
    if response.status_code != expect:
        raise ApiError(response)
    if answer is None:
        return None
    if answer is str:
        return response.text
    return _adapter(answer).validate_python(response.json())


class Transport:
    """Synchronous: ``Gongkai("http://127.0.0.1:8000", token="gk_…")``."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        http: httpx.Client | None = None,
    ) -> None:
        self.token = token
        self.retries = retries
        self.retried = 0  # busy answers sent again, in all
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        body: BaseModel | dict[str, Any] | None = None,
        answer: Any = None,
        expect: int = 200,
    ) -> Any:
        request = _request(self.token, query, headers, body)
        for attempt in range(self.retries + 1):
            try:
                response = self.http.request(method, path, **request)
            except httpx.TransportError:  # the answer was lost on the way
                if attempt == self.retries or not _resendable(method, request):
                    raise
                wait = 1.0
            else:
                again = _again(method, request, response)
                if again is None or attempt == self.retries:
                    break
                wait = again
            time.sleep(wait)
            self.retried += 1
        return _answer(response, answer, expect)

    def as_user(self, token: str) -> Any:
        """The same connection, acting as someone else."""
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__, token=token)
        return other

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncTransport:
    """Asynchronous: ``async with AsyncGongkai(url, token=...) as api: await api.…``."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.token = token
        self.retries = retries
        self.retried = 0
        self.http = http or httpx.AsyncClient(base_url=base_url, timeout=timeout)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        body: BaseModel | dict[str, Any] | None = None,
        answer: Any = None,
        expect: int = 200,
    ) -> Any:
        request = _request(self.token, query, headers, body)
        for attempt in range(self.retries + 1):
            try:
                response = await self.http.request(method, path, **request)
            except httpx.TransportError:  # the answer was lost on the way
                if attempt == self.retries or not _resendable(method, request):
                    raise
                wait = 1.0
            else:
                again = _again(method, request, response)
                if again is None or attempt == self.retries:
                    break
                wait = again
            await asyncio.sleep(wait)
            self.retried += 1
        return _answer(response, answer, expect)

    def as_user(self, token: str) -> Any:
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__, token=token)
        return other

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
