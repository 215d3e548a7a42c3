"""The routes of every case kind, generated from the registry (schemas/registry.py): for each
kind, ``POST /v1/<kind>`` opens a case with the kind's typed body, and for each of its actions
``POST /v1/<kind>/{case_no}/actions/<action>`` takes it with the action's typed body — each in
OpenAPI with its request and response, unknown fields refused with 422 naming the field. A kind
registered after the app was built is given its routes with
``app.include_router(kind_routes(kind))``.

This module defines its routes' signatures at run time (one per kind and action), so it does not
use ``from __future__ import annotations``: FastAPI reads the annotations as objects.
"""

import inspect
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import deps, errors
from api.routes.casework import CaseCreated, open_case, perform, permitted
from gongkai.settings import Settings
from schemas import case as s
from schemas.registry import KINDS, ActionSpec, KindSpec

CaseNo = Annotated[str, Path(description="案件编号，如 GK-2026-000123（不分大小写）")]
Key = Annotated[str | None, Header(max_length=200, description="重试同一请求时使用同一键")]


@cache
def request_model(kind: str, action: str) -> type[BaseModel]:
    """The body an integrator sends for an action: the action's fields without the actor (the
    API fills it from the caller's token), unknown fields refused."""
    step = KINDS[kind].action(action)
    assert step is not None
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in step.body.model_fields.items()
        if name != "actor" and name not in s.FILLED_BY_API
    }
    name = "".join(p.capitalize() for p in f"{kind}-{action}".replace("_", "-").split("-"))
    return create_model(
        f"{name}Request",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"{step.zh}（{step.basis}）。{(step.body.__doc__ or '').strip()}",
        **fields,
    )


def kind_routes(kind: KindSpec) -> APIRouter:
    """One kind's routes: opening a case, and each step its staff take."""
    routes = APIRouter(prefix="/v1")
    _open_route(routes, kind)
    for step in staff_actions(kind):
        _action_route(routes, kind, step)
    return routes


def _open_route(routes: APIRouter, kind: KindSpec) -> None:
    async def route(body: BaseModel, op: deps.Opening = Depends(deps.opening)) -> CaseCreated:
        return await open_case(op, kind, body)  # type: ignore[arg-type]

    _annotate(route, body=kind.create)
    routes.add_api_route(
        f"/{kind.path}",
        route,
        methods=["POST"],
        response_model=CaseCreated,
        status_code=201,
        tags=[kind.zh],
        summary=f"登记{kind.zh}案件（open a {kind.kind} case）",
        operation_id=f"open_{kind.kind}",
        responses=errors.responses(
            r409="同一案件已以不同内容登记", r422="内容不合法或不完整（未登记）"
        ),
    )


def _action_route(routes: APIRouter, kind: KindSpec, step: ActionSpec) -> None:
    # The case and the step exist and are this person's to see before the body is read (a
    # dependency is solved before the body is validated); who may take it now is the
    # workflow's Update validator's to say.
    def gate(
        case_no: CaseNo,
        actor: s.Actor = Depends(deps.actor),
        engine: Engine = Depends(deps.engine),
        settings: Settings = Depends(deps.settings),
    ) -> tuple[Any, ...]:
        busy_at = settings.case_actions_in_flight
        return permitted(engine, case_no, actor, kind.kind, step.name, busy_at)

    async def route(
        body: BaseModel,
        checked: tuple[Any, ...] = Depends(gate),
        actor: s.Actor = Depends(deps.actor),
        engine: Engine = Depends(deps.engine),
        client: Client = Depends(deps.temporal),
        settings: Settings = Depends(deps.settings),
        idempotency_key: Key = None,
    ) -> Any:
        row, spec, action = checked
        return await perform(
            row, spec, action, body, actor, engine, client, settings, idempotency_key
        )

    _annotate(route, body=request_model(kind.kind, step.name))
    roles = "负责人" if step.roles == frozenset({s.Role.SUPERVISOR}) else "经办人或负责人"
    statuses = "、".join(kind.status_zh(st.value) for st in kind.status if st in step)
    routes.add_api_route(
        f"/{kind.path}/{{case_no}}/actions/{step.name}",
        route,
        methods=["POST"],
        response_model=s.ActionResult,
        tags=[kind.zh],
        summary=f"{step.zh}（{step.basis}）",
        description=f"由{roles}办理；案件状态为：{statuses}。",
        operation_id=f"{kind.kind}_{step.update}",
        responses=ACTION_RESPONSES,
    )


ACTION_RESPONSES = errors.responses(
    r409="现在不能进行（状态、角色、期限），未写入任何内容",
    r422="缺少法律要求的内容或字段不合法，未写入任何内容",
    r429="本案正忙：按 Retry-After 秒后重试",
    r503="未能及时确认：用同一 Idempotency-Key 重试",
)


def _annotate(route: Any, **types: Any) -> None:
    """Give a generated route its real types (FastAPI reads the signature)."""
    sig = inspect.signature(route)
    params = [
        p.replace(annotation=types.get(p.name, p.annotation)) for p in sig.parameters.values()
    ]
    route.__signature__ = sig.replace(parameters=params)


def staff_actions(kind: KindSpec) -> list[ActionSpec]:
    """The steps agency staff take through the API (the applicant's own are on the portal)."""
    return [a for a in kind.actions if a.roles & {s.Role.OFFICER, s.Role.SUPERVISOR}]


router = APIRouter()
for _kind in KINDS.values():
    router.include_router(kind_routes(_kind))
