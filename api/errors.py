"""Errors as ``application/problem+json`` (RFC 9457) with a message a case officer understands."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


# Where a validation error sits ("body", "query", ...) goes without saying in the message.
_PARTS = ("query", "body", "path", "header", "cookie")
SEND_JSON = "send a JSON object, encoded as UTF-8, with 'Content-Type: application/json'"
# Starlette's and FastAPI's own words, replaced by ones that say what to do.
_PLAIN = {
    (400, "There was an error parsing the body"): (
        f"The request body could not be read as text (is it UTF-8?): {SEND_JSON}."
    ),
    (404, "Not Found"): "There is no such address in this API; see /docs for the ones there are.",
    (405, "Method Not Allowed"): "This address does not accept that method; see /docs.",
}


def _describe(err: dict[str, Any]) -> str:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    if kind == "json_invalid":
        reason = err.get("ctx", {}).get("error", "")
        at = f" at character {loc[-1]}" if len(loc) > 1 else ""
        return f"The request body is not valid JSON ({reason}{at}): {SEND_JSON}."
    if loc == ("body",):  # the body as a whole: missing, or not an object
        if kind == "missing":
            return f"The request body is missing: {SEND_JSON}."
        return f"The request body must be a JSON object: {SEND_JSON}."
    where = ".".join(str(p) for p in loc if p not in _PARTS) or "request"
    given = err.get("input")
    shown = ""
    if given is not None and not isinstance(given, dict | bytes):
        text = repr(given)
        shown = f" (got {text[:80]}…)" if len(text) > 80 else f" (got {text})"
    return f"'{where}': {err.get('msg', 'invalid value')}{shown}"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_describe(e) for e in exc.errors()]
        return problem(
            422,
            "Invalid request",
            "; ".join(errors),
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = _PLAIN.get((exc.status_code, str(exc.detail)), str(exc.detail))
        response = problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), detail)
        response.headers.update(exc.headers or {})  # Retry-After, WWW-Authenticate
        return response


_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
    503: "Service unavailable",
}
