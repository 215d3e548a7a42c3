"""Forms posted with a browser's cookie come from our own pages: the workbench's session carries
a CSRF token, and every face checks where a form was posted from."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from api import deps

STALE_FORM = "表单已过期或来源不明（CSRF），请刷新页面后重试。"


def same_origin(request: Request) -> bool:
    """A form posted from our own pages: the browser's Origin (or, failing that, Referer) is
    this site. Requests without either (curl, old clients) carry no cookie to abuse."""
    settings = deps.settings(request)
    ours = {settings.api_url.rstrip("/"), str(request.base_url).rstrip("/")}
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return request.headers.get("sec-fetch-site", "same-origin") in (
                "same-origin",
                "none",
            )
        parts = referer.split("/")
        origin = "/".join(parts[:3])
    return origin.rstrip("/") in ours


def csrf_ok(request: Request, supplied: str) -> bool:
    """The form carries its session's CSRF token and comes from our own pages."""
    expected = getattr(request.state, "csrf", "")
    return bool(expected) and hmac.compare_digest(expected, supplied) and same_origin(request)


def form_allowed(request: Request, supplied: str) -> bool:
    """A form from a signed-in page carries its session's CSRF token; a caller with a bearer
    token (not sent by browsers on their own) needs none."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return True
    return csrf_ok(request, supplied)


def check_form(request: Request, supplied: object) -> None:
    if not form_allowed(request, str(supplied or "")):
        raise HTTPException(403, STALE_FORM)
