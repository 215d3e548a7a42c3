"""What the agencies publish on the portal, by kind: 重大行政决策 drafts open for comment (with the
comment form) and the decisions published (Decree 713), 突发事件 authoritative releases, and the
letters each publishes. Which letters are public, and in which statuses, is each kind's public
face in the registry (``documents``, ``published_in``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from api import deps
from api.public.pages import EXPIRED, NOTHING_PUBLIC, Page, Pages, letter, problems
from api.public.told import due_day, explained
from api.routes.comments import CommentIn, take_comment
from schemas.consultation import Stage
from schemas.registry import CONSULTATION, EMERGENCY, KINDS, KindSpec
from store.cases import get_case
from store.models import CaseRow, DocumentRow
from store.public import case_documents, published_cases

router = APIRouter(prefix="/public", include_in_schema=False)

# Where a kind's published cases are listed: the way back from one of its letters.
LISTED = {CONSULTATION.kind: "/public/consultations", EMERGENCY.kind: "/public/releases"}


def _public_documents(engine: Engine, row: CaseRow) -> list[DocumentRow]:
    spec = KINDS.get(row.kind)
    allowed = spec.public.documents if spec else frozenset()
    return [doc for doc in case_documents(engine, row.case_no) if doc.name in allowed]


def _public_case(engine: Engine, case_no: str, spec: KindSpec) -> CaseRow | None:
    row = get_case(engine, case_no.strip().upper()[:64])
    if row is None or row.kind != spec.kind or row.status not in spec.public.published_in:
        return None
    return row


def _not_found(page: Pages) -> Response:
    return page.message("没有找到", NOTHING_PUBLIC, 404)


# -- 重大行政决策: drafts open for comment, decisions published ------------------------------


@router.get("/consultations", response_class=HTMLResponse)
def consultations(page: Page, engine: Engine = Depends(deps.engine)) -> Response:
    """Drafts open for comment now, and the decisions published (its closed statuses)."""
    return page(
        "consultations.html",
        {
            "open": published_cases(engine, CONSULTATION.kind, {Stage.COMMENT_OPEN.value}),
            "decided": published_cases(engine, CONSULTATION.kind, CONSULTATION.closed),
        },
    )


def _consultation(engine: Engine, row: CaseRow) -> dict[str, Any]:
    return {
        "row": row,
        "open": row.status == Stage.COMMENT_OPEN,
        "due": due_day(row),
        "explained": explained(row),
        "documents": _public_documents(engine, row),
    }


@router.get("/consultations/{case_no}", response_class=HTMLResponse)
def consultation(
    request: Request, page: Page, case_no: str, engine: Engine = Depends(deps.engine)
) -> Response:
    row = _public_case(engine, case_no, CONSULTATION)
    if row is None:
        return _not_found(page)
    done = request.query_params.get("done") == "1"
    return page("consultation.html", {**_consultation(engine, row), "problems": [], "done": done})


@router.post("/consultations/{case_no}/comments", response_class=HTMLResponse)
def comment_form(
    request: Request,
    page: Page,
    case_no: str,
    engine: Engine = Depends(deps.engine),
    form_token: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=6000)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    contact: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    row = _public_case(engine, case_no, CONSULTATION)
    if row is None:
        return _not_found(page)

    def again(problem: str, status: int) -> Response:
        f = {"text": text, "name": name, "contact": contact}
        shown = {**_consultation(engine, row), "problems": [problem], "done": False, "f": f}
        return page("consultation.html", shown, status=status)

    if not page.form_ok(form_token, website):
        return again(EXPIRED, 403)
    try:
        body = CommentIn(text=text, name=name, contact=contact)
    except ValidationError as exc:
        return again("；".join(problems(exc)), 422)
    try:
        take_comment(request, engine, row.case_no, body)
    except HTTPException as exc:
        return again(str(exc.detail), exc.status_code)
    return RedirectResponse(f"/public/consultations/{row.case_no}?done=1", status_code=303)


# -- 突发事件: authoritative releases --------------------------------------------------------


@router.get("/releases", response_class=HTMLResponse)
def releases(page: Page, engine: Engine = Depends(deps.engine)) -> Response:
    events = published_cases(engine, EMERGENCY.kind, EMERGENCY.public.published_in)
    return page("releases.html", {"events": events})


@router.get("/releases/{case_no}", response_class=HTMLResponse)
def release(page: Page, case_no: str, engine: Engine = Depends(deps.engine)) -> Response:
    row = _public_case(engine, case_no, EMERGENCY)
    if row is None:
        return _not_found(page)
    return page("release.html", {"row": row, "documents": _public_documents(engine, row)})


@router.get("/documents/{case_no}/{name}", response_class=HTMLResponse)
def public_document(
    page: Page,
    case_no: str,
    name: str,
    seq: int | None = None,
    engine: Engine = Depends(deps.engine),
) -> Response:
    """A letter an agency published (a draft's notice, a decision, a release)."""
    row = get_case(engine, case_no.strip().upper()[:64])
    spec = KINDS.get(row.kind) if row is not None else None
    if row is not None and spec is not None and row.status in spec.public.published_in:
        back = LISTED.get(row.kind, "/public/")
        if (found := letter(_public_documents(engine, row), name, seq, back, "返回")) is not None:
            return found
    return _not_found(page)
