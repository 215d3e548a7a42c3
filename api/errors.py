"""Errors as ``application/problem+json`` (RFC 9457) with a message a case officer understands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from gongkai.logs import get_logger

log = get_logger(__name__)

PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """Every refusal (RFC 9457): ``detail`` says in Chinese what was wrong and what to do."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[str] | None = None


def responses(**described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for refusals: ``responses(r409="...")`` → {409: {model, description}}."""
    return {
        int(code.removeprefix("r")): {
            "model": Problem,
            "description": text,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code, text in described.items()
    }


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


# Where a validation error sits ("body", "query", ...) goes without saying in the message.
_PARTS = ("query", "body", "path", "header", "cookie")
SEND_JSON = "请发送 UTF-8 编码的 JSON 对象，并带请求头 'Content-Type: application/json'"
# Starlette's and FastAPI's own words, replaced by ones that say what to do.
_PLAIN = {
    (
        400,
        "There was an error parsing the body",
    ): f"请求体无法读取（是否为 UTF-8 编码？）：{SEND_JSON}。",
    (404, "Not Found"): "本接口没有这个地址；可用的地址见 /docs。",
    (405, "Method Not Allowed"): "这个地址不接受该请求方法；见 /docs。",
}


def _constraint(err: dict[str, Any]) -> str:
    """Pydantic's reason, in Chinese (the field's own validators already speak Chinese)."""
    kind, ctx = err.get("type", ""), err.get("ctx", {}) or {}
    words = {
        "missing": "缺少必填项",
        "extra_forbidden": "没有这个字段（请核对字段名）",
        "string_too_short": f"至少{ctx.get('min_length', 1)}个字符",
        "string_too_long": f"最多{ctx.get('max_length')}个字符",
        "too_short": f"至少{ctx.get('min_length', 1)}项",
        "too_long": f"最多{ctx.get('max_length')}项",
        "less_than_equal": f"不能大于{ctx.get('le')}",
        "greater_than_equal": f"不能小于{ctx.get('ge')}",
        "less_than": f"应小于{ctx.get('lt')}",
        "greater_than": f"应大于{ctx.get('gt')}",
        "enum": f"只能是以下之一：{ctx.get('expected')}",
        "literal_error": f"只能是以下之一：{ctx.get('expected')}",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "int_from_float": "应为整数",
        "float_parsing": "应为数字",
        "bool_parsing": "应为 true 或 false",
        "bool_type": "应为 true 或 false",
        "string_type": "应为文字",
        "list_type": "应为列表",
        "dict_type": "应为对象",
        "model_type": "应为对象",
        "model_attributes_type": "应为对象",
        "datetime_parsing": "不是有效的时间（如 2026-12-01T10:00:00+08:00）",
        "datetime_from_date_parsing": "不是有效的时间（如 2026-12-01T10:00:00+08:00）",
        "datetime_type": "不是有效的时间（如 2026-12-01T10:00:00+08:00）",
        "date_parsing": "不是有效的日期（如 2026-12-01）",
        "date_from_datetime_parsing": "不是有效的日期（如 2026-12-01）",
        "date_type": "不是有效的日期（如 2026-12-01）",
        "string_pattern_mismatch": "格式不对",
        "timezone_aware": "须带时区",
        "uuid_parsing": "格式不对",
    }
    if kind in words:
        why = ctx.get("error")
        return f"{words[kind]}：{why}" if why and kind.endswith("_parsing") else words[kind]
    message = str(err.get("msg", "值不合法"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _describe(err: dict[str, Any]) -> str:
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    if kind == "json_invalid":
        reason = err.get("ctx", {}).get("error", "")
        at = f"，第{loc[-1]}个字符处" if len(loc) > 1 else ""
        return f"请求体不是合法的 JSON（{reason}{at}）：{SEND_JSON}。"
    if loc == ("body",):  # the body as a whole: missing, not an object, or against its rule
        if kind == "missing":
            return f"缺少请求体：{SEND_JSON}。"
        if kind == "value_error":  # a rule over several fields (a model validator's own words)
            return _constraint(err)
        return f"请求体必须是一个 JSON 对象：{SEND_JSON}。"
    where = ".".join(str(p) for p in loc if p not in _PARTS) or "request"
    given = err.get("input")
    shown = ""
    if given is not None and not isinstance(given, dict | bytes) and kind != "missing":
        text = repr(given)
        shown = f"（收到 {text[:80]}…）" if len(text) > 80 else f"（收到 {text}）"
    return f"'{where}'：{_constraint(err)}{shown}"


def install(app: FastAPI, page: Callable[[Request, int], Response | None] | None = None) -> None:
    """The problem answers; ``page(request, status)`` may answer a 404/405 with a page of its
    own instead (the portal's, api/routes/display.py)."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_describe(e) for e in exc.errors()]
        return problem(
            422,
            _TITLES[422],
            "; ".join(errors),
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405) and page is not None:
            # A citizen who mistypes an address gets a page in Chinese with a way home.
            shown = page(request, exc.status_code)
            if shown is not None:
                return shown
        detail = _PLAIN.get((exc.status_code, str(exc.detail)), str(exc.detail))
        res = problem(exc.status_code, _TITLES.get(exc.status_code, "错误"), detail)
        for name, value in (exc.headers or {}).items():  # Retry-After, WWW-Authenticate
            res.headers[name] = value
        return res

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
        # The read model is busy (SQLite's write lock held past its busy timeout, every pooled
        # connection in use) or briefly unreachable: a definite answer that says when to come
        # back, not a 500.
        cause = getattr(exc, "orig", None) or type(exc).__name__
        log.warning(
            "read model busy", method=request.method, path=request.url.path, error=str(cause)
        )
        res = problem(
            503, _TITLES[503], "数据库繁忙，请稍后重试（同一请求可用同一 Idempotency-Key 重试）。"
        )
        res.headers["Retry-After"] = "2"
        return res

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # A bug: logged as one plain traceback (never the request's locals: its headers carry
        # the caller's token), answered without details.
        log.error(
            "unhandled error",
            method=request.method,
            path=request.url.path,
            error=type(exc).__name__,
            exc_info=exc,
        )
        return problem(500, _TITLES[500], "服务器内部错误，已记录；请稍后重试或联系管理员。")


_TITLES = {
    400: "请求不合法",
    401: "未登录或令牌无效",
    403: "无权进行此操作",
    404: "未找到",
    405: "不接受该请求方法",
    409: "现在不能进行",
    413: "请求过大",
    422: "内容不合法或不完整",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "暂时无法处理",
}
