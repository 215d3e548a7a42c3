"""Applicants' ratings of the replies (政务服务“好差评”, 国办发〔2019〕51号), per officer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from api import deps
from api.templating import templates
from api.workbench.session import page_actor
from schemas.case import Actor
from schemas.disclosure import SATISFACTION_ZH
from store.portal import ratings

router = APIRouter(include_in_schema=False)


@router.get("/ratings", response_class=HTMLResponse)
def ratings_page(
    request: Request,
    engine: Annotated[Engine, Depends(deps.engine)],
    actor: Actor = Depends(page_actor),
) -> Response:
    """Applicants' ratings of the replies, per officer: for supervisors (the agency's 考核)."""
    deps.supervisor(actor)
    agency = None if deps.sees_every_agency(actor) else actor.agency
    table: dict[str, dict[str, int]] = {}
    for officer, score, n in ratings(engine, agency):
        table.setdefault(officer, {})[score] = n
    return templates.TemplateResponse(
        request,
        "ratings.html",
        {"actor": actor, "table": sorted(table.items()), "scores": SATISFACTION_ZH},
    )
