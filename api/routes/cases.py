"""Cases of every kind: read them (the read model's lists, the live view with every clock
explained, the timeline, documents, the history), and act on one by its number alone. Opening
a case and the typed actions of each kind are in api/routes/kinds.py, generated from the
registry; what they share is in api/routes/casework.py.
"""

from __future__ import annotations

import functools
import json
import operator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api import deps
from api.routes.casework import perform, permitted, visible
from api.routes.kinds import ACTION_RESPONSES, request_model
from gongkai.settings import Settings
from rules.limits import Instant
from schemas import disclosure as s
from schemas.cases import CaseSummary
from schemas.registry import KINDS
from store.cases import CaseFilter, archived, case_document, case_events, list_cases
from store.search import QueryProblem, search_cases

router = APIRouter(prefix="/v1", tags=["cases"])


class CasePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CaseSummary]


class HistoryOut(BaseModel):
    source: Literal["workflow", "archive"]
    archived_at: datetime | None = None
    history: dict[str, Any] = Field(description="Temporal's history JSON (payloads encrypted)")


class _Sourced(BaseModel):
    source: Literal["workflow", "archive"] = Field(
        description="the running workflow's answer, or the copy kept when it was archived"
    )


def _detail(kind: str, view: type[s.CaseViewBase]) -> type[BaseModel]:
    name = "".join(part.capitalize() for part in kind.split("_")) + "Case"  # PressPlanCase
    return type(name, (view, _Sourced), {"__module__": __name__, "__doc__": view.__doc__})


# The view of each kind (registry), as GET /v1/cases/{case_no} answers it.
CaseDetail: Any = functools.reduce(operator.or_, (_detail(k.kind, k.view) for k in KINDS.values()))


@router.post(
    "/cases/{case_no}/actions/{action}",
    response_model=s.ActionResult,
    summary="Act on a case of any kind (the typed routes are under each kind: /v1/<kind>/…)",
    operation_id="act_on_case",
    responses=ACTION_RESPONSES,
)
async def act(
    case_no: str,
    action: Annotated[str, Path(max_length=64)],
    body: dict[str, Any],
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """The same steps as the kind's own routes, for a client that knows only the case number."""
    row, spec, step = await run_in_threadpool(
        permitted, engine, case_no, actor, "*", action, settings.case_actions_in_flight
    )
    try:
        typed = request_model(spec.kind, step.name).model_validate(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from exc
    return await perform(row, spec, step, typed, actor, engine, client, settings, idempotency_key)


class RevealRequest(BaseModel):
    purpose: Annotated[str, Field(min_length=1, max_length=500)] = Field(
        description="why the whole number is needed (recorded with who and when)"
    )


@router.post(
    "/cases/{case_no}/applicant/identity",
    response_model=s.Revealed,
    summary="The applicant's whole identity-document number (the access is recorded)",
    operation_id="reveal_applicant_identity",
    responses=ACTION_RESPONSES,
)
async def reveal_identity(
    case_no: str,
    body: RevealRequest,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
) -> Any:
    """The case view shows the identity number masked (1101**********1234); an officer who
    must verify the applicant asks for it whole, saying why — an event of the case records who,
    when and why (个人信息保护法 Arts. 6, 51)."""
    row, spec, step = await run_in_threadpool(
        permitted, engine, case_no, actor, "*", "reveal-identity"
    )
    typed = request_model(spec.kind, step.name).model_validate(body.model_dump())
    return await perform(row, spec, step, typed, actor, engine, client, settings, None)


@router.get(
    "/cases", response_model=CasePage, summary="List cases (read model)", operation_id="list_cases"
)
def cases(
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    status: str | None = None,
    light: str | None = None,
    agency: str | None = None,
    officer: str | None = None,
    kind: str | None = None,
    due_before: Instant | None = None,
    due_after: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CasePage:
    if not deps.sees_every_agency(actor):
        if agency is not None and agency != actor.agency:
            raise HTTPException(403, "只能查看本机关的案件。")
        agency = actor.agency
    total, rows = list_cases(
        engine,
        CaseFilter(
            kind=kind,
            status=status,
            light=light,
            agency=agency,
            officer=officer,
            due_before=due_before,
            due_after=due_after,
            limit=limit,
            offset=offset,
        ),
    )
    return CasePage(
        total=total,
        limit=limit,
        offset=offset,
        items=[CaseSummary.model_validate(r, from_attributes=True) for r in rows],
    )


class SearchPage(BaseModel):
    query: str
    items: list[CaseSummary]


@router.get(
    "/search",
    response_model=SearchPage,
    summary="Search the agency's cases: a case number (or part of one), or two or more "
    "characters of the request or subject",
    operation_id="search_cases",
    responses={422: {"description": "The query is too short or too long (said in Chinese)"}},
)
def search(
    q: Annotated[str, Query(max_length=200)],
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    agency: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchPage:
    if agency is None or not deps.sees_every_agency(actor):
        if agency is not None and agency != actor.agency:
            raise HTTPException(403, "只能查看本机关的案件。")
        agency = actor.agency
    try:
        rows = search_cases(engine, agency, q, limit)
    except QueryProblem as exc:
        raise HTTPException(422, str(exc)) from exc
    return SearchPage(
        query=" ".join(q.split()),
        items=[CaseSummary.model_validate(r, from_attributes=True) for r in rows],
    )


@router.get(
    "/cases/{case_no}",
    summary="The live state of a case, with every clock explained",
    operation_id="get_case",
    # Documented, not re-validated: an archived view written by an earlier version is returned
    # as it was stored (the generated client and the tests read every answer against it).
    response_model=None,
    responses={200: {"model": CaseDetail}},
)
async def case(
    case_no: str,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    client: Client = Depends(deps.temporal),
) -> dict[str, Any]:
    visible(engine, case_no, actor)
    try:
        # Every kind answers the same "view" query; the JSON is returned as it comes.
        view: dict[str, Any] = await client.get_workflow_handle(case_no).query("view")
        return {"source": "workflow", **view}
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
    row = archived(engine, case_no)
    if row is None:
        raise HTTPException(404, f"案件{case_no}已不在工作流引擎中，也没有归档记录。")
    return {"source": "archive", **json.loads(row.view_json)}


@router.get(
    "/cases/{case_no}/events",
    response_model=list[s.CaseEvent],
    summary="The business events of a case (timeline)",
    operation_id="case_events",
)
def events(
    case_no: str,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
) -> list[s.CaseEvent]:
    visible(engine, case_no, actor)
    return [
        s.CaseEvent.model_validate({**e.model_dump(), "data": json.loads(e.data)})
        for e in case_events(engine, case_no)
    ]


@router.get(
    "/cases/{case_no}/documents/{name}",
    response_class=HTMLResponse,
    summary="A document of the case (HTML), the latest of that name unless seq is given",
    operation_id="case_document",
)
def document(
    case_no: str,
    name: str,
    seq: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
) -> HTMLResponse:
    visible(engine, case_no, actor)
    doc = case_document(engine, case_no, name, seq)
    if doc is None:
        raise HTTPException(404, f"案件{case_no}没有文书“{name}”。")
    return HTMLResponse(doc.html)


@router.get(
    "/cases/{case_no}/history",
    summary="The full Temporal history (archived copy first)",
    operation_id="case_history",
    response_model=HistoryOut,
)
async def history(
    case_no: str,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    client: Client = Depends(deps.temporal),
) -> HistoryOut:
    visible(engine, case_no, actor)
    row = archived(engine, case_no)
    if row is not None:
        return HistoryOut(
            source="archive", archived_at=row.archived_at, history=json.loads(row.history_json)
        )
    try:
        hist = await client.get_workflow_handle(case_no).fetch_history()
    except RPCError as exc:
        raise HTTPException(404, f"案件{case_no}没有可读取的历史。") from exc
    return HistoryOut(source="workflow", history=json.loads(hist.to_json()))
