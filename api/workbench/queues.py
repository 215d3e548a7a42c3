"""The workbench's queues: 我的案件 (what the signed-in officer must do next) and 审批 (what waits
for a supervisor)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from api import deps
from api.templating import templates
from api.workbench.rows import KIND_ZH, item
from api.workbench.session import page_actor
from rules.calendar import SHANGHAI
from schemas.case import Actor
from schemas.registry import KINDS, ActionSpec, open_statuses_by_label
from store.queues import MineFilter, awaiting_approval, my_queue
from store.users import user_names

router = APIRouter(include_in_schema=False)


@router.get("/mine", response_class=HTMLResponse)
def my_cases(
    request: Request,
    engine: Annotated[Engine, Depends(deps.engine)],
    actor: Actor = Depends(page_actor),
    kind: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[str, Query(max_length=32)] = "",
    light: Annotated[str, Query(max_length=8)] = "",
    due_within: Annotated[int | None, Query(ge=1, le=366)] = None,
    unit: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """我的案件: the signed-in officer's open cases of every kind, most urgent first (red, then
    yellow, then green; within a light the earliest due), with counts and filters."""
    due_before = None
    if due_within is not None:
        today = datetime.now(UTC).astimezone(SHANGHAI).date()
        due_before = datetime.combine(
            today + timedelta(days=due_within), datetime.min.time(), SHANGHAI
        )
    named: list[tuple[str, str]] | None = None
    if status:  # a status's name (one choice per name), or a raw value of any kind
        named = open_statuses_by_label().get(status) or [(k, status) for k in KINDS]
    f = MineFilter(kind, named, light, unit.strip(), due_before)
    queue = my_queue(engine, actor.id, actor.agency, actor.unit, f)
    statuses = sorted((label, label) for label in open_statuses_by_label())
    return templates.TemplateResponse(
        request,
        "mine.html",
        {
            "actor": actor,
            "items": [item(r) for r in queue.rows],
            "unclaimed": [item(r) for r in queue.unclaimed],
            "unit_cases": [item(r) for r in queue.unit_cases],
            "total": queue.total,
            "counts": queue.counts,
            "provisional": queue.provisional,
            "kinds": KIND_ZH,
            "names": user_names(engine, actor.agency),
            "statuses": statuses,
            "f": {
                "kind": kind,
                "status": status,
                "light": light,
                "due_within": due_within,
                "unit": unit.strip(),
            },
        },
    )


# What waits for a supervisor (the registry's approval steps): by the case's status, or by
# what the case's projection says it awaits.
APPROVALS: dict[tuple[str, str], ActionSpec] = {
    (kind.kind, status): step
    for kind in KINDS.values()
    for step in kind.actions
    if step.approval and not step.awaiting
    for status in step.statuses
}
AWAITING: dict[tuple[str, str], ActionSpec] = {
    (kind.kind, step.awaiting): step
    for kind in KINDS.values()
    for step in kind.actions
    if step.awaiting
}


@router.get("/approvals", response_class=HTMLResponse)
def approvals(
    request: Request,
    engine: Annotated[Engine, Depends(deps.engine)],
    actor: Actor = Depends(page_actor),
) -> Response:
    """审批: everything waiting for a supervisor of this agency, oldest first."""
    deps.supervisor(actor)
    items = []
    for r in awaiting_approval(engine, actor.agency, APPROVALS):
        for step in (APPROVALS.get((r.kind, r.status)), AWAITING.get((r.kind, r.awaiting))):
            if step is not None:
                items.append({**item(r), "step": step.name, "what": f"{step.zh}（{step.basis}）"})
    return templates.TemplateResponse(
        request,
        "approvals.html",
        {
            "actor": actor,
            "items": items,
            "kinds": KIND_ZH,
            "names": user_names(engine, actor.agency),
        },
    )
