"""Taking a step from the case page's form: checked, sent and answered as through the API
(api/routes/casework.py), or previewed as the document it would issue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.csrf import check_form
from api.forms import fields_of, read_form
from api.routes.casework import perform, permitted
from api.routes.kinds import request_model
from api.workbench.case import Backends, backends, case_page_response
from api.workbench.forms import said
from api.workbench.previews import preview_page
from api.workbench.session import page_actor
from schemas.case import Actor

router = APIRouter(include_in_schema=False)


@router.post("/cases/{case_no}/act/{action}", response_class=HTMLResponse)
async def act_in_browser(
    request: Request,
    case_no: str,
    action: str,
    at: Annotated[Backends, Depends(backends)],
    actor: Actor = Depends(page_actor),
) -> Response:
    """A step taken from the case page's form: checked, sent and answered as through the API;
    a refusal (409) or what the law still requires (422) is shown beside the form, with what
    was typed kept and nothing written."""
    form = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    check_form(request, form.get("csrf"))
    posted = {"action": action[:64], "values": {k: v[:5000] for k, v in form.items()}}

    async def refused(code: int, message: str) -> Response:
        return await case_page_response(
            request, at, case_no, actor, failed={**posted, "message": message}, status_code=code
        )

    try:
        row, spec, step = await run_in_threadpool(permitted, at.engine, case_no, actor, "*", action)
    except HTTPException as exc:
        if exc.status_code == 409:
            return await refused(409, str(exc.detail))
        raise
    if step.name == "submit-for-review" and form.get("save"):
        step = spec.action("save-draft") or step
    declined = form.get("approve") == "false"  # a return is not the irreversible step
    if step.irreversible and form.get("confirmed") != "yes" and not declined:
        return await refused(422, f"“{step.zh}”办理后不能撤回：请勾选确认后再提交。")
    if step.name in ("review", "sign-off") and form.get("approve") == "true":
        if not form.get("draft_digest"):
            return await refused(422, "请先阅读拟答复书（本页上方），再审核或签发。")
    body = read_form(fields_of(step.body), form)
    model = request_model(spec.kind, step.name)
    try:
        typed = model.model_validate(body)
    except ValidationError as exc:
        return await refused(422, said(exc, model))
    if at.client is None:
        raise HTTPException(
            503, "工作流引擎暂时无法连接，请稍后重试。", headers={"Retry-After": "2"}
        )
    if form.get("preview") and step.preview is not None:
        try:
            return await preview_page(
                at.engine, at.settings, at.client, row.case_no, step, typed, actor
            )
        except HTTPException as exc:
            return await refused(exc.status_code, str(exc.detail))
    try:
        result = await perform(
            row, spec, step, typed, actor, at.engine, at.client, at.settings, None
        )
    except HTTPException as exc:
        if exc.status_code in (409, 422):
            return await refused(exc.status_code, str(exc.detail))
        raise
    if step.name == "reveal-identity":  # shown once, on this answer only; the access recorded
        return await case_page_response(
            request, at, row.case_no, actor, revealed=str(getattr(result, "id_number", ""))
        )
    again = ""
    if step.name == "save-draft":
        again = "&outcome=" + str(form.get("reply.outcome", ""))[:40] + "#action-submit-for-review"
    return RedirectResponse(f"/cases/{row.case_no}?done={step.name}{again}", status_code=303)
