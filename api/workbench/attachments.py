"""A case's files in the workbench: the agency's staff upload files (the portal's store: checked by
content, size-limited, encrypted at rest), release them to the applicant or withdraw them, and
download what the applicant attached."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from starlette.datastructures import UploadFile as StarletteUpload

from api import deps
from api.csrf import check_form
from api.responses import download
from api.routes.casework import visible
from api.workbench.case import Backends, backends, case_page_response
from api.workbench.session import page_actor
from gongkai.codec import EncryptionCodec
from gongkai.settings import Settings
from schemas.case import Actor, Role
from store import attachments as attachment_store
from store.cases import get_case

router = APIRouter(include_in_schema=False)

MOST_FILES = 10  # per upload


@router.post("/cases/{case_no}/attachments", response_class=HTMLResponse)
async def upload_attachments(
    request: Request,
    case_no: str,
    at: Annotated[Backends, Depends(backends)],
    codec: Annotated[EncryptionCodec, Depends(deps.codec)],
    actor: Actor = Depends(page_actor),
) -> Response:
    """An officer adds files to the case (the portal's store: checked by content, size-limited,
    encrypted at rest), and may release them to the applicant at once."""
    form = await request.form()
    check_form(request, form.get("csrf"))
    engine, settings = at.engine, at.settings
    row = await run_in_threadpool(visible, engine, case_no, actor)
    if actor.role not in (Role.OFFICER, Role.SUPERVISOR):
        raise HTTPException(403, "只有本机关经办人或负责人可以上传附件。")
    limit = settings.attachment_max_mb * 2**20
    uploaded = []
    for f in form.getlist("files"):
        if isinstance(f, StarletteUpload) and f.filename:
            uploaded.append((f.filename[:200], await f.read(limit + 1)))
    now = datetime.now(UTC)
    try:
        if not uploaded:
            raise attachment_store.AttachmentRefused("请选择要上传的文件。")
        if len(uploaded) > MOST_FILES:
            raise attachment_store.AttachmentRefused(f"一次最多上传{MOST_FILES}个文件。")
        refs = attachment_store.save(
            engine,
            attachment_store.files_dir(settings.var_dir),
            codec,
            row.case_no,
            uploaded,
            purpose="agency",
            uploaded_by=actor.id,
            at=now,
            max_bytes=limit,
            case_max_bytes=settings.attachment_case_max_mb * 2**20,
        )
    except attachment_store.AttachmentRefused as exc:
        failed = {"action": "upload", "values": {}, "message": str(exc)}
        return await case_page_response(
            request, at, row.case_no, actor, failed=failed, status_code=422
        )
    if form.get("release") == "yes":
        for ref in refs:
            attachment_store.release(engine, row.case_no, ref.digest, actor.id, now)
    return RedirectResponse(f"/cases/{row.case_no}?done=uploaded#attachments", status_code=303)


@router.post("/cases/{case_no}/attachments/{digest}/release", response_class=HTMLResponse)
async def release_attachment(
    request: Request,
    case_no: str,
    digest: str,
    engine: Annotated[Engine, Depends(deps.engine)],
    actor: Actor = Depends(page_actor),
) -> Response:
    """Make one of the agency's files available to the applicant on the portal, or withdraw it."""
    form = await request.form()
    check_form(request, form.get("csrf"))
    row = await run_in_threadpool(visible, engine, case_no, actor)
    if actor.role not in (Role.OFFICER, Role.SUPERVISOR):
        raise HTTPException(403, "只有本机关经办人或负责人可以向申请人提供文件。")
    by = actor.id if form.get("release") == "yes" else None
    if attachment_store.release(engine, row.case_no, digest, by, datetime.now(UTC)) is None:
        raise HTTPException(404, "没有这个可提供给申请人的文件（申请人提交的文件无需提供）。")
    done = "released" if by else "withdrawn"
    return RedirectResponse(f"/cases/{row.case_no}?done={done}#attachments", status_code=303)


@router.get("/cases/{case_no}/attachments/{digest}")
def case_attachment(
    case_no: str,
    digest: str,
    engine: Annotated[Engine, Depends(deps.engine)],
    settings: Annotated[Settings, Depends(deps.settings)],
    codec: Annotated[EncryptionCodec, Depends(deps.codec)],
    actor: Actor = Depends(page_actor),
) -> Response:
    """A file the applicant attached, for the agency's staff (their own agency's cases)."""
    row = get_case(engine, case_no)
    if row is None or (not deps.sees_every_agency(actor) and row.agency != actor.agency):
        raise HTTPException(404, "没有这个附件。")
    root = attachment_store.files_dir(settings.var_dir)
    found = attachment_store.load(engine, root, codec, row.case_no, digest[:64])
    if found is None:
        raise HTTPException(404, "没有这个附件。")
    meta, data = found
    return download(data, meta.media_type, meta.name)
