"""The officers' search box (store/search.py): a case number or words of what the case is about."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from api import deps
from api.templating import templates
from api.workbench.rows import KIND_ZH, item
from api.workbench.session import page_actor
from schemas.case import Actor
from store.search import LIMIT as SEARCH_LIMIT
from store.search import QueryProblem, search_cases
from store.users import user_names

router = APIRouter(include_in_schema=False)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    engine: Annotated[Engine, Depends(deps.engine)],
    actor: Actor = Depends(page_actor),
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """One box: a case number (or part), or two or more characters of the request or subject;
    only the officer's own agency."""
    items: list[dict[str, Any]] = []
    problem = ""
    if q.strip():
        try:
            items = [item(r) for r in search_cases(engine, actor.agency, q)]
        except QueryProblem as exc:
            problem = str(exc)
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "actor": actor,
            "q": " ".join(q.split()),
            "items": items,
            "problem": problem,
            "kinds": KIND_ZH,
            "names": user_names(engine, actor.agency),
            "limit": SEARCH_LIMIT,
        },
    )
