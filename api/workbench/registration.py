"""登记 in the workbench: an officer registers a case of any kind, whatever channel it came by."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import deps
from api.csrf import check_form
from api.forms import fields_of, read_form
from api.idempotency import request_hash
from api.routes.casework import open_case
from api.templating import templates
from api.workbench.forms import registration_fields, said
from api.workbench.rows import KIND_ZH
from api.workbench.session import page_actor
from gongkai.settings import Settings
from schemas.case import Actor
from schemas.registry import KINDS

router = APIRouter(include_in_schema=False)


def _new_case_page(
    request: Request,
    actor: Actor,
    kind: str,
    values: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    spec = KINDS.get(kind)
    fields = [f for f in fields_of(spec.create) if f.name != "agency"] if spec else []
    fields = registration_fields(fields)
    return templates.TemplateResponse(
        request,
        "new_case.html",
        {
            "actor": actor,
            "kinds": KIND_ZH,
            "kind": spec.kind if spec else "",
            "noun": spec.noun_zh if spec else "",
            "fields": fields,
            "values": values or {},
            "problem": problem,
            "csrf": getattr(request.state, "csrf", ""),
            "key": (values or {}).get("key") or secrets.token_urlsafe(16),
        },
        status_code=status_code,
    )


@router.get("/cases/new", response_class=HTMLResponse)
def new_case(
    request: Request,
    actor: Actor = Depends(page_actor),
    kind: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """登记: open a case of any kind from a form made from its create body (a paper
    application, a message taken by phone, an emergency, a draft decision, a year's plan)."""
    return _new_case_page(request, actor, kind)


@router.post("/cases/new/{kind}", response_class=HTMLResponse)
async def new_case_submit(
    request: Request,
    kind: str,
    engine: Annotated[Engine, Depends(deps.engine)],
    settings: Annotated[Settings, Depends(deps.settings)],
    client: Annotated[Client | None, Depends(deps.temporal_if_connected)],
    actor: Actor = Depends(page_actor),
) -> Response:
    form = {k: str(v)[:10_000] for k, v in (await request.form()).items() if isinstance(v, str)}
    check_form(request, form.get("csrf"))
    spec = KINDS.get(kind)
    if spec is None:
        raise HTTPException(404, f"没有“{kind[:32]}”这类案件。")
    if client is None:
        raise HTTPException(
            503, "工作流引擎暂时无法连接，请稍后重试。", headers={"Retry-After": "2"}
        )
    body = {**read_form(fields_of(spec.create), form), "agency": actor.agency}
    try:
        typed = spec.create.model_validate(body)
    except ValidationError as exc:
        return _new_case_page(request, actor, kind, form, said(exc, spec.create), 422)
    key = form.get("key", "")[:100] or None
    opening = deps.Opening(
        actor, engine, client, settings, key, request_hash(typed.model_dump(mode="json"))
    )
    try:
        created = await open_case(opening, spec, typed)  # type: ignore[arg-type]
    except HTTPException as exc:
        if exc.status_code in (403, 409, 422):
            return _new_case_page(request, actor, kind, form, str(exc.detail), exc.status_code)
        raise
    return RedirectResponse(f"/cases/{created.case_no}?done=opened", status_code=303)
