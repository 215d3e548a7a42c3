"""What every case kind does through the API: opening a case and taking an action on it, the
same way for every kind of the registry (schemas/registry.py).

Opening: the actor's own agency, a case number per agency and year (the same Idempotency-Key
always gets the same one), a visible read-model row, then the workflow with the case number as
its ID. Acting: who may and in which status is checked against the registry before the body is
examined (409), the body against its typed model (422), then the workflow's Update decides; a
burst on one case gets quick, definite answers (429/503 with Retry-After), never a 500.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, get_type_hints

from fastapi import HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.projection import Projection
from api import deps
from api.idempotency import REUSED, Replay, request_hash, scoped_key
from api.responses import BeijingJSONResponse
from gongkai.logs import get_logger
from gongkai.settings import Settings
from rules.calendar import SHANGHAI
from rules.clock_plan import CalendarSnapshot, fetched_years, snapshot_of
from rules.packs import RulePackError, select_pack
from schemas import case as s
from schemas.activities import ProjectCase, answered_type
from schemas.registry import KINDS, ActionSpec, KindSpec
from schemas.search import GK_AGENCY, GK_KIND, GK_LIGHT, GK_OFFICER, GK_STATUS
from store.agencies import new_case_refusal
from store.calendar import load_calendar
from store.cases import allocate_case_no, ensure_case_row, get_agency, get_case
from store.models import CaseRow
from store.users import case_handlers

log = get_logger(__name__)


class CaseCreated(BaseModel):
    case_no: str
    status: str
    created: bool


def aware(moment: datetime) -> datetime:
    """An instant without offset is Beijing time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _moment(
    kind: KindSpec, jurisdiction: str, name: str, value: datetime, now: datetime
) -> tuple[datetime, str]:
    """A moment the request says has happened: it must have, and under a law Gongkai knows
    (LAW.md §1.5), or the case's clocks would start from nonsense. With the ref of the rule
    pack in force then."""
    moment = aware(value)
    local = moment.astimezone(SHANGHAI)
    if moment > now:
        raise HTTPException(
            422,
            f"'{name}'（北京时间{local:%Y-%m-%d %H:%M}）在未来：请填写实际发生的时间"
            f"（'{name}' {local:%Y-%m-%d %H:%M} Beijing time is in the future）。",
        )
    try:
        pack = select_pack(kind.section, jurisdiction, local.date())  # type: ignore[arg-type]
    except RulePackError as exc:
        raise HTTPException(422, f"'{name}': {exc}") from exc
    return moment, pack.ref


# The officer of a case the public opened on the portal, until the agency assigns it.
UNASSIGNED = "未分配（网上申请）"


async def open_case(
    op: deps.Opening,
    kind: KindSpec,
    body: s.CreateBase,
    prepare: Callable[[str, Any], Any] | None = None,
) -> CaseCreated:
    """Open a case of ``kind`` from its create body (schemas/*.py ``to_input``). The public
    portal opens cases as the applicant; ``prepare(case_no, input)`` may complete the input
    once the case has its number (the portal stores the attachments under it)."""
    actor, engine = op.actor, op.engine
    public = actor.role is s.Role.APPLICANT
    officer = _opener(actor, body, public)
    if problem := body.problem():
        raise HTTPException(422, problem)
    agency = await run_in_threadpool(get_agency, engine, body.agency)
    if agency is None:
        raise HTTPException(422, f"没有机关代码“{body.agency}”：请管理员先添加该机关。")
    if refusal := await run_in_threadpool(new_case_refusal, engine, agency, public):
        raise HTTPException(409, refusal)
    key, body_hash = _opening_key(op, kind, body)
    now = datetime.now(UTC)
    opened, pack_ref = _moment(
        kind, agency.jurisdiction, body.OPENED_FIELD, body.opened_at() or now, now
    )
    for name, value in body.other_moments().items():
        _moment(kind, agency.jurisdiction, name, value, now)
    year = opened.astimezone(SHANGHAI).year
    allocated = await run_in_threadpool(allocate_case_no, engine, agency, year, now, key, body_hash)
    if allocated.existing and body_hash is not None and allocated.request_hash != body_hash:
        raise HTTPException(422, REUSED)
    # The agency as registered goes into the case's input: every field AgencyInfo has; so do
    # the rule pack and the calendar, decided here once (the workflow plans on them).
    info = s.AgencyInfo(**agency.model_dump(include=set(s.AgencyInfo.model_fields)))
    inp = body.to_input(allocated.case_no, info, officer, opened)
    calendar = await run_in_threadpool(
        _calendar_for, engine, agency.region, year, now.astimezone(SHANGHAI).year
    )
    local_day = opened.astimezone(SHANGHAI).date()
    inp = inp.model_copy(update={"pack_ref": pack_ref, "pack_on": local_day, "calendar": calendar})
    if prepare is not None and not allocated.existing:
        inp = prepare(allocated.case_no, inp)
    row = CaseRow(
        case_no=allocated.case_no,
        kind=kind.kind,
        agency=agency.code,
        officer=officer.id,
        status=body.INITIAL_STATUS,
        light="green",
        summary=body.summary()[:200],
        created_at=now,
        updated_at=now,
    )
    await run_in_threadpool(ensure_case_row, engine, row)
    await _start(op, kind, inp, row, existing=allocated.existing)
    return CaseCreated(
        case_no=allocated.case_no, status=body.INITIAL_STATUS, created=not allocated.existing
    )


def _opener(actor: s.Actor, body: s.CreateBase, public: bool) -> s.Actor:
    """Who opens the case for its agency: its officer or supervisor (who becomes its
    经办人), or an applicant on the portal (the case waits for one)."""
    if actor.agency != body.agency or not (
        public or actor.role in (s.Role.OFFICER, s.Role.SUPERVISOR)
    ):
        raise HTTPException(403, "只能为本机关登记案件（管理员管理系统，不办理案件）。")
    if public:
        return s.Actor(id="", name=UNASSIGNED, role=s.Role.APPLICANT, agency=body.agency)
    return actor


def _opening_key(
    op: deps.Opening, kind: KindSpec, body: s.CreateBase
) -> tuple[str | None, str | None]:
    """The request's idempotency key as stored, and its body's hash. A natural key (one
    press-conference plan per agency and year) is the agency's and holds whatever key the
    client sends; a client's key is its own: scoped by route, agency and user, and tied to
    the request's body."""
    if natural := body.natural_key():
        return scoped_key(kind.kind, body.agency, None, natural), None
    if op.idempotency_key:
        key = scoped_key(kind.kind, body.agency, op.actor.id, op.idempotency_key)
        return key, op.body_hash
    return None, None


def _calendar_for(engine: Engine, region: str, opened: int, now: int) -> CalendarSnapshot:
    """The calendar for the years a new case's clocks will span (the workflow asks for more
    should a pause carry them further)."""
    return snapshot_of(load_calendar(engine, region), *fetched_years([opened, now]))


async def _start(op: deps.Opening, kind: KindSpec, inp: Any, row: CaseRow, existing: bool) -> None:
    """The case's workflow, with its number as its ID and its row's values indexed."""
    try:
        await op.client.start_workflow(
            kind.workflow_class.run,  # type: ignore[attr-defined]
            inp,
            id=row.case_no,
            task_queue=op.settings.temporal_task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            # A retried request with the same Idempotency-Key finds the case already running.
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING
            if existing
            else WorkflowIDConflictPolicy.FAIL,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(GK_KIND, kind.kind),
                    SearchAttributePair(GK_AGENCY, row.agency),
                    SearchAttributePair(GK_STATUS, row.status),
                    SearchAttributePair(GK_LIGHT, "green"),
                    SearchAttributePair(GK_OFFICER, row.officer),
                ]
            ),
        )
    except WorkflowAlreadyStartedError as exc:
        raise HTTPException(409, f"案件{row.case_no}已存在。") from exc


# How case numbers read (allocate_case_no): <prefix>-<year>-<serial>, e.g. GK-2026-000123.
CASE_NO = re.compile(r"[A-Z0-9]+-\d{4}-\d{6,}")


def visible(engine: Engine, case_no: str, actor: s.Actor) -> CaseRow:
    """The case's row, if this person may see it (case numbers in any letter case)."""
    number = case_no.strip().upper()
    row = get_case(engine, number)
    if row is None and not CASE_NO.fullmatch(number):
        shown = case_no if len(case_no) <= 40 else f"{case_no[:40]}…"
        raise HTTPException(404, f"“{shown}”不是案件编号：案件编号形如 GK-2026-000123。")
    if row is None:
        raise HTTPException(404, f"没有案件{number}。")
    if not deps.sees_every_agency(actor) and row.agency != actor.agency:
        raise HTTPException(403, "该案件属于其他机关。")
    return row


Checked = tuple[CaseRow, KindSpec, ActionSpec]

# Actions in flight per case in this process (finding 7: a burst on one case must get quick,
# definite answers, not pile up against Temporal's limit of in-flight Updates per workflow).
_IN_FLIGHT: dict[str, int] = {}
BUSY = "本案正有其他操作在处理，请稍后重试。"


def action_key(step: str, agency: str, actor: s.Actor, case_no: str, key: str) -> str:
    """An action's Idempotency-Key as stored: this person's, for this step of this case."""
    return scoped_key(f"action:{step}", agency, actor.id, f"{case_no}:{key}")


def permitted(
    engine: Engine, case_no: str, actor: s.Actor, kind: str, action: str, busy_at: int = 1_000
) -> Checked:
    """Before the body is read: the case is not already taking ``busy_at`` actions in this
    process (429), it exists and is this person's to see, and the action is one of its kind's.
    Whether this person may take it in the case's status is the workflow's to say, in the
    Update's validator (409): the one place an action is refused."""
    if _IN_FLIGHT.get(case_no.strip().upper(), 0) >= busy_at:  # before any query: a burst
        raise HTTPException(429, BUSY, headers={"Retry-After": "1"})
    row = visible(engine, case_no, actor)
    spec = KINDS.get(row.kind)
    if spec is None or (kind != "*" and spec.kind != kind):
        raise HTTPException(404, f"案件{row.case_no}不是{KINDS[kind].zh}案件。")
    step = spec.action(action)
    if step is None:
        known = "、".join(a.name for a in spec.actions)
        raise HTTPException(404, f"{spec.zh}案件没有“{action}”这一操作；可以进行的操作：{known}。")
    return row, spec, step


def _handler(engine: Engine, agency: str, username: str) -> dict[str, str]:
    """The person named as a case's 经办人, from the agency's users (never from the request)."""
    person = next((u for u in case_handlers(engine, agency) if u.username == username), None)
    if person is None:
        raise HTTPException(
            422,
            f"本机关没有可以办理案件的人员“{username[:40]}”：请从本机关的经办人、负责人中选择。",
        )
    return {"officer_name": person.name, "officer_unit": person.unit}


def _previous_answer(engine: Engine, row: CaseRow, values: dict[str, Any]) -> Any:
    """GIDR Art. 36(6): a repeat-request reply cites a case of this agency, answered, of the
    same applicant — checked here in the read model (the workflow cannot read it) and sent
    with the draft; otherwise 422 and nothing reaches the case."""
    from rules.outcomes import Outcome
    from store.applicants import NotARepeat, check_repeat

    given = values.get("reply")
    reply = given.model_dump() if isinstance(given, BaseModel) else (given or {})
    if reply.get("outcome") != Outcome.NOT_PROCESSED_REPEAT.value:
        return None
    try:
        found = check_repeat(engine, row.case_no, row.agency, str(reply.get("previous_case", "")))
    except NotARepeat as exc:
        raise HTTPException(422, str(exc)) from exc
    values["reply"] = {**reply, "previous_case": found.case_no}  # as the case number reads
    return found.model_dump()


CLOSED_CASE = "案件{}已办结，不能再变更。"


async def _argument(
    row: CaseRow, step: ActionSpec, body: BaseModel, actor: s.Actor, engine: Engine
) -> BaseModel:
    """The Update's argument: the body as validated (its nested models as they are, not
    validated again), with the actor and what only the API may fill in."""
    values: dict[str, Any] = {**dict(body), "actor": actor}
    if step.update == "assign_officer":
        values.update(await run_in_threadpool(_handler, engine, row.agency, values["officer"]))
    if "previous_answer" in step.body.model_fields:  # the API's to fill in, never the caller's
        values["previous_answer"] = await run_in_threadpool(_previous_answer, engine, row, values)
    return step.body.model_validate(values)


async def perform(
    row: CaseRow,
    kind: KindSpec,
    step: ActionSpec,
    body: BaseModel,
    actor: s.Actor,
    engine: Engine,
    client: Client,
    settings: Settings,
    idempotency_key: str | None,
) -> Any:
    """Send the step to the case's workflow as its Update and answer definitely."""
    arg = await _argument(row, step, body, actor, engine)
    replay, update_id = None, None
    case_no = row.case_no
    if idempotency_key:
        key = action_key(step.name, row.agency, actor, case_no, idempotency_key)
        replay = Replay(engine, key, request_hash(body.model_dump(mode="json")))
        stored = await run_in_threadpool(replay.claim)
        if stored is not None:
            return BeijingJSONResponse(stored[1], status_code=stored[0])
        update_id = f"idem-{key[:40]}"  # Temporal applies an Update ID once per run
    if _IN_FLIGHT.get(case_no, 0) >= settings.case_actions_in_flight:
        if replay:
            await run_in_threadpool(replay.release)
        raise HTTPException(429, BUSY, headers={"Retry-After": "1"})
    _IN_FLIGHT[case_no] = _IN_FLIGHT.get(case_no, 0) + 1
    try:
        returns, answered = _answered(getattr(kind.workflow_class, step.update))
        result = await asyncio.wait_for(
            client.get_workflow_handle(case_no).execute_update(
                step.update, arg, id=update_id, result_type=answered
            ),
            timeout=settings.action_timeout_seconds,
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        code, message = 409, str(cause)
        if isinstance(cause, ApplicationError):
            code = 422 if cause.type == "IncompleteAction" else 409
            message = cause.message
        if replay:
            await run_in_threadpool(replay.done, code, {"status": code, "detail": message})
        raise HTTPException(code, message) from exc
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
        # The key stays sent: a retry sends the same Update ID and gets its outcome.
        raise HTTPException(
            503,
            "操作已提交但未能及时确认；请用同一 Idempotency-Key 重试以获取结果（不会重复办理）。",
            headers={"Retry-After": "2"},
        ) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            if replay:
                replay.done(409, {"status": 409, "detail": CLOSED_CASE.format(case_no)})
            raise HTTPException(409, CLOSED_CASE.format(case_no)) from exc
        # It may have reached the workflow: the key stays sent, a retry resends the same ID.
        if exc.status == RPCStatusCode.RESOURCE_EXHAUSTED:
            raise HTTPException(429, BUSY, headers={"Retry-After": "1"}) from exc
        raise HTTPException(
            503, "工作流引擎暂时无法处理，请稍后重试。", headers={"Retry-After": "2"}
        ) from exc
    finally:
        left = _IN_FLIGHT.get(case_no, 1) - 1
        if left > 0:
            _IN_FLIGHT[case_no] = left
        else:
            _IN_FLIGHT.pop(case_no, None)
    # A retry of this key gets it again from Temporal (the same Update ID), and writes nothing
    # the read model already has.
    return await _written(result, returns, engine, settings)


async def _written(
    result: Any, returns: type[BaseModel], engine: Engine, settings: Settings
) -> Any:
    """Answer first: the case's new view, which the Update answered with, written into the read
    model before the caller is answered (what they read next is there); the result as the
    Update's own type, without the view."""
    view: ProjectCase | None = getattr(result, "view", None)
    if view is not None:
        try:
            await run_in_threadpool(_projection(engine, settings).project, view)
        except Exception as exc:  # busy, unreachable, or a view it refuses
            # The action is done (the case has it): the workflow writes the view itself in a
            # moment (PROJECT_AFTER), so the caller is answered, not told to try again.
            log.warning(
                "answered view not written; the case catches it up",
                case=view.row.case_no,
                error=type(exc).__name__,
            )
    return returns.model_validate(result.model_dump(exclude={"view"}))


_PROJECTIONS: dict[tuple[int, int], tuple[Engine, Settings, Projection]] = {}


def _projection(engine: Engine, settings: Settings) -> Projection:
    """The read model's writer for this app, made once: it derives the applicants' digest keys
    (reading the codec keys) on first use, not on every action."""
    made = _PROJECTIONS.get((id(engine), id(settings)))
    if made is None or made[0] is not engine or made[1] is not settings:
        made = _PROJECTIONS[(id(engine), id(settings))] = (
            engine,
            settings,
            Projection(engine, settings),
        )
    return made[2]


@functools.cache
def _answered(update: Any) -> tuple[type[BaseModel], type[BaseModel]]:
    """The Update's own result type, and the same with the view an answered action comes
    with."""
    returns = get_type_hints(update)["return"]
    return returns, answered_type(returns)
