"""The case page: everything its reader must see to decide (the case as its workflow holds it, or
as archived; its clocks and their explanations, documents and attachments, similar requests), and
the forms of the steps they may take now (forms.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api import deps
from api.forms import CHOICES
from api.templating import templates
from api.workbench.forms import OUTCOME_CHOICES, staff_steps, step_forms
from api.workbench.previews import draft_letter
from api.workbench.session import page_actor
from gongkai.settings import Settings
from rules.outcomes import SPECS, Outcome
from schemas.case import Actor, CaseViewBase
from schemas.registry import KINDS, RUNG_ZH, STATUS_NAMES, done_zh, labels
from store import attachments as attachment_store
from store.applicants import distinct_applicants
from store.cases import archived, get_case
from store.similar import SAME, Similar, similar_requests
from store.users import user_names

router = APIRouter(include_in_schema=False)

PURPOSE_ZH = {
    "application": "申请附件",
    "correction": "补正材料",
    "explanation": "说明理由材料",
    "agency": "本机关上传",
}


@dataclass(frozen=True)
class Backends:
    """What the case page reads: the read model, the settings, and the case's workflow (no
    client while the API is still connecting to Temporal: the page then reads the archive)."""

    engine: Engine
    settings: Settings
    client: Client | None


def backends(
    engine: Annotated[Engine, Depends(deps.engine)],
    settings: Annotated[Settings, Depends(deps.settings)],
    client: Annotated[Client | None, Depends(deps.temporal_if_connected)],
) -> Backends:
    return Backends(engine, settings, client)


async def case_view(at: Backends, case_no: str, actor: Actor) -> tuple[CaseViewBase, str]:
    """The case as its workflow holds it ("workflow"), or as archived once it has ended
    ("archive"); only the actor's own agency's."""
    row = get_case(at.engine, case_no)
    if row is None:
        raise HTTPException(404, f"没有案件{case_no[:64]}。")
    if not deps.sees_every_agency(actor) and row.agency != actor.agency:
        raise HTTPException(403, "该案件属于其他机关。")
    if at.client is not None:
        try:
            raw = await at.client.get_workflow_handle(case_no).query("view")
            return _typed_view(raw), "workflow"
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
    stored = archived(at.engine, case_no)
    if stored is None:
        raise HTTPException(503, "暂时无法读取该案件，请稍后重试。")
    return _typed_view(json.loads(stored.view_json)), "archive"


def _typed_view(raw: dict[str, Any]) -> CaseViewBase:
    """The view as its kind defines it (the applicant, the draft, the message…); a view written
    by an earlier version that its kind's model no longer reads, as the fields all kinds share."""
    spec = KINDS.get(str(raw.get("kind", "")))
    if spec is not None:
        try:
            return spec.view.model_validate(raw)
        except ValidationError:
            pass
    return CaseViewBase.model_validate(raw)


async def case_page_response(
    request: Request,
    at: Backends,
    case_no: str,
    actor: Actor,
    *,
    failed: dict[str, Any] | None = None,
    status_code: int = 200,
    revealed: str = "",
) -> Response:
    """The case page; after a refused step (``failed``: the step, what was typed, why), the
    same page with the form open, what was typed kept and the reason beside it."""
    view, source = await case_view(at, case_no, actor)
    spec = KINDS.get(view.kind)
    outcome = (
        str((failed or {}).get("values", {}).get("reply.outcome", ""))
        or (request.query_params.get("outcome", "")[:40])
    )
    steps = staff_steps(view, actor, source)
    fitted = await run_in_threadpool(step_forms, at.engine, view, actor, steps, outcome)
    similar = similar_requests(at.engine, view.agency, view.case_no, view.kind)
    settings = at.settings
    temporal_url = (
        f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}/workflows/{case_no}"
    )
    return templates.TemplateResponse(
        request,
        "case.html",
        {
            "actor": actor,
            "v": view,
            "source": source,
            "temporal_url": temporal_url,
            "clock_zh": labels(view.kind),
            "rung_zh": RUNG_ZH,
            "status_zh": spec.status_zh if spec else lambda st: STATUS_NAMES.get(st, st),
            "opened_zh": spec.opened_zh if spec else "开始之日",
            "outcome_zh": _outcome_zh(view.outcome),
            "attachments": attachment_store.listed(at.engine, view.case_no),
            "purpose_zh": PURPOSE_ZH,
            "steps": fitted,
            "can": {st.name for st in steps},
            "outcome_choices": OUTCOME_CHOICES,
            "letter": await draft_letter(at.engine, settings, at.client, view, actor),
            "revealed": revealed,
            "channel_zh": CHOICES,
            "failed": failed or {},
            "done": done_zh(spec, request.query_params.get("done", "")),
            "csrf": getattr(request.state, "csrf", ""),
            "names": user_names(at.engine, view.agency),
            "similar": similar,
            "art44": _art44(at.engine, view.case_no, similar),
            "outcome_names": {o.value: SPECS[o].category for o in Outcome},
            "same": SAME,
        },
        status_code=status_code,
    )


def _outcome_zh(outcome: str | None) -> str | None:
    """A disclosure reply's outcome as the annual report names it (PARTIAL → （二）部分公开)."""
    if outcome is None:
        return None
    try:
        return SPECS[Outcome(outcome)].category
    except ValueError:
        return outcome


def _art44(engine: Engine, case_no: str, similar: list[Similar]) -> list[str]:
    """GIDR Art. 44 (多个申请人就相同政府信息…): the requests for the same information (as good as
    the same text) that were disclosed, one per applicant other than this case's."""
    same = [
        sm.row.case_no
        for sm in similar
        if sm.score >= SAME and sm.row.outcome in (Outcome.GRANTED.value, Outcome.PARTIAL.value)
    ]
    return distinct_applicants(engine, case_no, same)


@router.get("/cases/{case_no}", response_class=HTMLResponse)
async def case_page(
    request: Request,
    case_no: str,
    at: Annotated[Backends, Depends(backends)],
    actor: Actor = Depends(page_actor),
) -> Response:
    return await case_page_response(request, at, case_no, actor)
