"""The documents as a step would issue them, before it is taken: the preview a step's form opens,
and the reply under review shown on the case page to the reviewer, the signer and the drafter.
The case's workflow builds each from the form's values; nothing is sent to the case."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError

from activities.cases import render as render_document
from gongkai.settings import Settings
from rules.clock import evaluate
from schemas.case import Actor, CaseViewBase, DocumentPreview
from schemas.registry import KINDS, ActionSpec
from store.calendar import load_calendar


async def render_preview(
    engine: Engine,
    settings: Settings,
    client: Client,
    case_no: str,
    step: ActionSpec,
    body: dict[str, Any],
) -> str:
    """The document a step would issue, built by the case's workflow from the body and dated on
    the working-day calendar (the whole HTML page); nothing is sent to the case."""
    assert step.preview is not None
    document, query = step.preview
    preview = await client.get_workflow_handle(case_no).query(
        query, body, result_type=DocumentPreview
    )
    calendar = load_calendar(engine, settings.calendar_region)
    now = datetime.now(UTC)
    context = dict(preview.context)
    readings = {key: evaluate(clock, calendar, now) for key, clock in preview.due.items()}
    for key, reading in readings.items():
        context[key] = str(reading.shown_due_date)
    for key, (source, what) in preview.derived.items():
        reading = readings[source]
        context[key] = {
            "paused": reading.due_date is None,
            "provisional": reading.provisional,
            "provisional_note": "；".join(reading.explanation.lines[-2:-1]),
        }[what]
    return render_document(document, context)


_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)


def letter_body(html: str) -> str:
    """The letter without its page (to show inside the case page)."""
    found = _BODY.search(html)
    return found.group(1) if found else html


async def draft_letter(
    engine: Engine, settings: Settings, client: Client | None, view: CaseViewBase, actor: Actor
) -> str:
    """The reply as it would be issued from the draft under review (for the reviewer and the
    signer to read, and the drafter to see): the letter's content, or "" without a draft."""
    draft = getattr(view, "draft", None)
    step = KINDS[view.kind].action("submit-for-review") if view.kind in KINDS else None
    if draft is None or client is None or step is None or view.status not in ("review", "sign_off"):
        return ""
    try:
        html = await render_preview(
            engine,
            settings,
            client,
            view.case_no,
            step,
            {"reply": draft.reply.model_dump(mode="json"), "previewer": actor.name},
        )
    except (WorkflowQueryFailedError, RPCError):
        return ""
    return letter_body(html)


async def preview_page(
    engine: Engine,
    settings: Settings,
    client: Client,
    case_no: str,
    step: ActionSpec,
    typed: BaseModel,
    actor: Actor,
) -> Response:
    """The document the step would issue, built by the case's workflow from the form's values
    and dated on the working-day calendar, marked as a preview; nothing is sent to the case."""
    try:
        html = await render_preview(
            engine,
            settings,
            client,
            case_no,
            step,
            {**typed.model_dump(mode="json"), "previewer": actor.name},
        )
    except WorkflowQueryFailedError as exc:
        raise HTTPException(409, f"无法预览：{exc}") from exc
    banner = (
        '<p class="preview" style="background:#fff3c4;border:1px solid #b58105;padding:.5em">'
        f"预览：{step.zh}后将出具的文书（尚未办理，未写入案卷）。"
        "关闭本页即回到表单，可修改或提交。</p>"
    )
    return HTMLResponse(html.replace("<body>", f"<body>{banner}", 1))
