"""The applicant's own steps, generated from the registry as the API's routes are
(api/routes/kinds.py): every action whose roles include the applicant's is offered on the case
page while the case is in one of its statuses, and taken with ``POST /public/case/<path>`` and
the session's CSRF token, as the workflow's Update by the same path as an officer's step
(api/routes/casework.py ``perform``). The kind's public face (schemas/public.py) says the
address, the form's fields, its files, its place on the page and what the applicant reads
after; a step it does not describe is offered by the defaults, with a form built from its body.
The registry is read at each request: a kind registered later is served as well."""

from __future__ import annotations

import hmac
import typing
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from sqlalchemy.engine import Engine
from starlette.datastructures import FormData
from starlette.routing import Match
from starlette.types import Scope
from temporalio.client import Client

from api import deps
from api.public.pages import (
    EXPIRED,
    UNAVAILABLE,
    Files,
    Followed,
    Following,
    Page,
    Pages,
    applicant_files,
    problems,
    uploads,
)
from api.routes.casework import perform
from schemas.case import FILLED_BY_API, Role, applicant_actor
from schemas.public import ApplicantStep
from schemas.registry import KINDS, ActionSpec, KindSpec
from store import attachments as files
from store.models import CaseEventRow, CaseRow

NOT_ASKED = {"actor", "note", "attachments", "occurred_at"} | FILLED_BY_API
CSRF_MAX = 100


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    required: bool
    max_length: int | None
    choices: tuple[str, ...]  # a choice of values (empty: free text)


@dataclass(frozen=True)
class Offered:
    """A step the applicant may take now, as the case page shows its form."""

    name: str
    zh: str
    path: str
    files: str
    place: str
    form: str  # the template of its form (api/templates/portal/steps/)
    fields: tuple[FormField, ...]


def applicant_steps(spec: KindSpec) -> list[tuple[ActionSpec, ApplicantStep]]:
    return [(a, spec.public.step(a.name)) for a in spec.actions if Role.APPLICANT in a.roles]


def path_of(action: ActionSpec, step: ApplicantStep) -> str:
    return step.path or action.name


def asked(action: ActionSpec, step: ApplicantStep) -> tuple[str, ...]:
    """The fields the step's form carries: as its public face says, else the body's own."""
    if step.fields is not None:
        return step.fields
    return tuple(name for name in action.body.model_fields if name not in NOT_ASKED)


def _limit(info: FieldInfo) -> int | None:
    found: int | None = next(
        (m.max_length for m in info.metadata if getattr(m, "max_length", None)), None
    )
    return found


def _cap(info: FieldInfo) -> int:
    """How long a field may be as sent: twice the body's limit (a longer text is the body's to
    refuse in the applicant's words, one far longer is refused before it is read)."""
    limit = _limit(info)
    return 2 * limit if limit else 40


def _field(name: str, info: FieldInfo) -> FormField:
    literal = typing.get_origin(info.annotation) is typing.Literal
    choices = tuple(typing.get_args(info.annotation)) if literal else ()
    label = info.title or info.description or name
    return FormField(name, label, info.is_required(), _limit(info), choices)


def offered(row: CaseRow, spec: KindSpec | None, events: list[CaseEventRow]) -> list[Offered]:
    """What the applicant may do now (the registry's statuses for their own steps; a step that
    is taken once, once taken, no more)."""
    if spec is None:
        return []
    happened = {e.kind for e in events}
    return [
        Offered(
            name=action.name,
            zh=action.zh,
            path=path_of(action, step),
            files=step.files,
            place=step.place,
            form=step.form or "step.html",
            fields=tuple(_field(n, action.body.model_fields[n]) for n in asked(action, step)),
        )
        for action, step in applicant_steps(spec)
        if row.status in action.statuses and not (step.once and step.once in happened)
    ]


def done_zh(spec: KindSpec | None, action: str) -> str:
    """What the applicant reads once a step is sent (``?done=<action>``)."""
    if spec is None or spec.action(action) is None:
        return "已提交。"
    return spec.public.step(action).done_zh


def _paths() -> dict[str, dict[str, int]]:
    """Every applicant step's address, with the longest each of its fields may be as sent."""
    out: dict[str, dict[str, int]] = {}
    for spec in KINDS.values():
        for action, step in applicant_steps(spec):
            caps = out.setdefault(path_of(action, step), {})
            for name in asked(action, step):
                cap = _cap(action.body.model_fields[name])
                caps[name] = max(caps.get(name, 0), cap)
    return out


class StepRoute(APIRoute):
    """Matches the addresses of applicant steps only: any other address under /public/case/ is
    not found (404), and a step's address read with GET is 405, as for a route of its own."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and child["path_params"].get("step") not in _paths():
            return Match.NONE, {}
        return match, child


router = APIRouter(prefix="/public", include_in_schema=False, route_class=StepRoute)


def _text(form: FormData, name: str, cap: int) -> str:
    """A field as FastAPI reads a ``Form(max_length=cap)`` (the same refusal if it is not)."""
    value = form.get(name, "")
    problem: dict[str, Any] | None = None
    if not isinstance(value, str):
        problem = {"type": "string_type", "msg": "Input should be a valid string"}
    elif len(value) > cap:
        problem = {
            "type": "string_too_long",
            "msg": f"String should have at most {cap} characters",
            "ctx": {"max_length": cap},
        }
    if problem is not None:
        raise RequestValidationError([{**problem, "loc": ("body", name), "input": value}])
    return str(value)


@router.post("/case/{step}", response_class=HTMLResponse)
async def take_step(
    step: str,
    request: Request,
    page: Page,
    me: Followed,
    engine: Engine = Depends(deps.engine),
    client: Client | None = Depends(deps.temporal_if_connected),
    stored: Files = Depends(applicant_files),
) -> Response:
    async with request.form() as form:  # its files are closed once the step is sent
        csrf = _text(form, "csrf", CSRF_MAX)
        fields = {name: _text(form, name, cap) for name, cap in _paths()[step].items()}
        if me is None:
            return RedirectResponse("/public/track", status_code=303)
        if not (hmac.compare_digest(csrf, me.csrf) and page.same_origin()):
            return page.message("页面已过期", EXPIRED, 403)
        if (busy := page.limited(page.guard.posts, "提交")) is not None:
            return busy
        taking = Taking(page, me, engine, client, stored)
        return await taking.take(step, fields, form.getlist("attachments"))


@dataclass
class Taking:
    """One step the applicant sends, from the checked form to the workflow's answer."""

    page: Pages
    me: Following
    engine: Engine
    client: Client | None
    stored: Files

    def refused(self, message: str, status: int = 409) -> Response:
        return self.page.message("未能提交", message, status, back=True)

    async def take(self, path: str, form: dict[str, str], sent: list[Any]) -> Response:
        row = self.me.row
        spec = KINDS[row.kind]
        found = [(a, s) for a, s in applicant_steps(spec) if path_of(a, s) == path]
        if not found or row.status not in found[0][0].statuses:
            return self.refused("当前办理阶段不能进行这一操作。")
        action, step = found[0]
        actor = applicant_actor(row.agency)
        values = {name: form[name] for name in asked(action, step)}
        try:
            uploaded = await uploads(sent, self.page.settings) if step.files else []
            body = action.body.model_validate({**values, "actor": actor.model_dump()})
        except files.AttachmentRefused as exc:
            return self.refused(str(exc), 422)
        except ValidationError as exc:
            return self.refused("；".join(problems(exc)), 422)
        if self.client is None:
            return self.refused(UNAVAILABLE, 503)
        if uploaded:
            refs = self.stored.save(self.me.case_no, uploaded, step.files)
            body = body.model_copy(update={"attachments": refs})
        settings = self.page.settings
        try:
            body = body.model_copy(update={"actor": actor})
            await perform(row, spec, action, body, actor, self.engine, self.client, settings, None)
        except HTTPException as exc:
            return self.refused(str(exc.detail), exc.status_code)
        return RedirectResponse(f"/public/case?done={action.name}", status_code=303)
