"""Following a case: the 查询号 and 查询码 open a short session (a wrong code and an unknown number
are answered alike, and five wrong codes lock the number: store/portal.py); the case page shows
the case as its kind's public face tells it (api/public/told.py) with the steps the applicant
may take now (api/public/steps.py), the letters issued to them and the files they may read."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

import api.public.told as told
from api import deps
from api.public.pages import (
    CASE_COOKIE,
    EXPIRED,
    WRONG_CODE,
    Files,
    Followed,
    Page,
    applicant_files,
    letter,
)
from api.public.steps import done_zh, offered
from api.responses import download
from store import attachments as files
from store.cases import case_events
from store.portal import check_code, end_public_session, open_public_session
from store.public import case_documents, latest_event

router = APIRouter(prefix="/public", include_in_schema=False)
TRACK = "/public/track"


@router.get("/track", response_class=HTMLResponse)
def track_form(page: Page) -> Response:
    return page("track.html", {"problems": [], "number": ""})


@router.post("/track", response_class=HTMLResponse)
def track(
    page: Page,
    engine: Engine = Depends(deps.engine),
    form_token: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    number: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not page.form_ok(form_token, website):
        return page("track.html", {"problems": [EXPIRED], "number": number}, 403)
    if (busy := page.limited(page.guard.tracking, "查询")) is not None:
        return busy
    now = datetime.now(UTC)
    case_no = check_code(engine, number, code, now)
    if case_no is None:
        return page("track.html", {"problems": [WRONG_CODE], "number": number}, 401)
    token, _ = open_public_session(engine, case_no, now)
    res = RedirectResponse("/public/case", status_code=303)
    page.cookie(res, CASE_COOKIE, token, max_age=30 * 60)
    return res


@router.get("/case", response_class=HTMLResponse)
def case_page(
    request: Request, page: Page, me: Followed, engine: Engine = Depends(deps.engine)
) -> Response:
    if me is None:
        return RedirectResponse(TRACK, status_code=303)
    row = me.row
    spec, face = told.face_of(row)
    events = case_events(engine, row.case_no)
    answered = latest_event(engine, row.case_no, face.answer_event) if face.answer_event else None
    done = request.query_params.get("done", "")[:40]
    return page(
        "case.html",
        {
            "row": row,
            "public": face,
            "kind_zh": spec.noun_zh if spec else "",
            "status_zh": told.status_told(row, spec),
            "opened_zh": told.opened_told(spec),
            "due": told.due_day(row),
            "due_label": told.due_label(row, spec),
            "explained": told.explained(row),
            "outcome": told.outcome_told(row, face),
            "answer": told.answer(answered),
            "timeline": told.timeline(events, face),
            "documents": told.issued(case_documents(engine, row.case_no), row, face),
            "attached": files.listed(engine, row.case_no),
            "csrf": me.csrf,
            "steps": offered(row, spec, events),
            "problems": [],
            "done": done_zh(spec, done) if done else "",
        },
    )


@router.get("/case/documents/{name}", response_class=HTMLResponse)
def case_document(
    page: Page,
    me: Followed,
    name: str,
    seq: int | None = None,
    engine: Engine = Depends(deps.engine),
) -> Response:
    if me is None:
        return RedirectResponse(TRACK, status_code=303)
    _, face = told.face_of(me.row)
    issued = told.issued(case_documents(engine, me.case_no), me.row, face)
    found = letter(issued, name, seq, "/public/case", "返回办理进度")
    return found or page.message("没有这份文书", "没有这份文书。", 404)


@router.get("/case/attachments/{digest}")
def case_attachment(
    page: Page, me: Followed, digest: str, stored: Files = Depends(applicant_files)
) -> Response:
    if me is None:
        return RedirectResponse(TRACK, status_code=303)
    found = stored.load(me.case_no, digest[:64])
    if found is None or not files.for_applicant(found[0]):
        return page.message("没有这个附件", "没有这个附件。", 404)
    row, data = found
    return download(data, row.media_type, row.name)


@router.post("/case/leave")
def leave(
    request: Request,
    me: Followed,
    engine: Engine = Depends(deps.engine),
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if me is not None and hmac.compare_digest(csrf, me.csrf):
        end_public_session(engine, request.cookies.get(CASE_COOKIE, ""))
    res = RedirectResponse("/public/", status_code=303)
    res.delete_cookie(CASE_COOKIE, path="/public")
    return res
