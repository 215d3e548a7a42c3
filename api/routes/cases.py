"""Cases: start an on-request disclosure case, act on it, read it.

Thin routes: validate, check the actor's agency, then call Temporal (start / update / query) or
the read model. A rejected action comes back with the validator's words (409 when the action is
not allowed now, 422 when it lacks what the law requires) and nothing is written.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field, StringConstraints, ValidationError
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

from activities.cases import archived
from api import deps
from api.idempotency import REUSED, Replay, request_hash, scoped_key
from gongkai.settings import Settings
from rules.calendar import SHANGHAI
from rules.limits import Instant, LongReq, Short
from rules.packs import RulePackError, select_pack
from schemas import consultation as c
from schemas import disclosure as s
from schemas import emergency as e
from schemas import inquiry as q
from schemas.search import GK_AGENCY, GK_KIND, GK_LIGHT, GK_OFFICER, GK_STATUS
from store.cases import (
    CaseFilter,
    allocate_case_no,
    case_document,
    case_events,
    ensure_case_row,
    get_agency,
    get_case,
    list_cases,
)
from store.models import CaseRow
from workflows.consultation import ConsultationWorkflow
from workflows.disclosure import DisclosureRequestWorkflow
from workflows.emergency import EmergencyReleaseWorkflow
from workflows.inquiry import InquiryWorkflow
from workflows.press_plan import PressConferencePlanWorkflow

router = APIRouter(prefix="/v1", tags=["cases"])


AgencyCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
]


class DisclosureRequestCreate(BaseModel):
    """A new application for government information (GIDR Art. 29)."""

    agency: AgencyCode = Field(description="agency code")
    channel: s.Channel
    received_at: Instant | None = Field(default=None, description="default: now")
    signed_for_at: Instant | None = Field(
        default=None, description="registered mail: when the agency signed for it (Art. 31(2))"
    )
    applicant: s.Applicant
    description: LongReq
    form: Short = "纸质"
    delivery: Short = "邮寄"


class CaseCreated(BaseModel):
    case_no: str
    status: str
    created: bool


class CaseSummary(BaseModel):
    case_no: str
    kind: str
    agency: str
    officer: str
    status: str
    light: str
    t0: date | None
    due_at: datetime | None
    provisional: bool
    outcome: str | None
    summary: str


class CasePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CaseSummary]


class EventOut(BaseModel):
    seq: int
    at: datetime
    occurred_at: datetime | None = None
    kind: str
    actor_id: str
    actor_name: str
    status: str
    summary: str
    data: dict[str, Any]


# kind → action name → (update, body model without the actor)
ACTIONS: dict[str, tuple[Any, type[s.ActionBase]]] = {
    "confirm-receipt": (DisclosureRequestWorkflow.confirm_receipt, s.ConfirmReceipt),
    "request-correction": (DisclosureRequestWorkflow.request_correction, s.RequestCorrection),
    "submit-correction": (DisclosureRequestWorkflow.submit_correction, s.SubmitCorrection),
    "accept": (DisclosureRequestWorkflow.accept, s.Accept),
    "assign": (DisclosureRequestWorkflow.assign, s.Assign),
    "start-consultation": (DisclosureRequestWorkflow.start_consultation, s.StartConsultation),
    "record-consultation-delivery": (
        DisclosureRequestWorkflow.record_consultation_delivery,
        s.RecordConsultationDelivery,
    ),
    "record-consultation-answer": (
        DisclosureRequestWorkflow.record_consultation_answer,
        s.RecordConsultationAnswer,
    ),
    "request-fee": (DisclosureRequestWorkflow.request_fee, s.RequestFee),
    "record-payment": (DisclosureRequestWorkflow.record_payment, s.RecordPayment),
    "request-explanation": (DisclosureRequestWorkflow.request_explanation, s.RequestExplanation),
    "record-explanation": (DisclosureRequestWorkflow.record_explanation, s.RecordExplanation),
    "extend": (DisclosureRequestWorkflow.extend, s.Extend),
    "submit-for-review": (DisclosureRequestWorkflow.submit_for_review, s.SubmitForReview),
    "review": (DisclosureRequestWorkflow.review, s.Review),
    "sign-off": (DisclosureRequestWorkflow.sign_off, s.SignOff),
    "serve": (DisclosureRequestWorkflow.serve, s.Serve),
    "archive": (DisclosureRequestWorkflow.archive, s.Archive),
    "withdraw": (DisclosureRequestWorkflow.withdraw, s.Withdraw),
    "note": (DisclosureRequestWorkflow.add_note, s.AddNote),
}

ACTIONS_BY_KIND: dict[str, dict[str, tuple[Any, type[s.ActionBase]]]] = {
    "disclosure": ACTIONS,
    "inquiry": {
        "transfer": (InquiryWorkflow.transfer, q.Transfer),
        "inform-delay": (InquiryWorkflow.inform_delay, q.InformDelay),
        "answer": (InquiryWorkflow.answer, q.Answer),
        "convert-to-disclosure": (InquiryWorkflow.convert_to_disclosure, q.ConvertToDisclosure),
        "convert-to-petition": (InquiryWorkflow.convert_to_petition, q.ConvertToPetition),
        "notify-petitioner": (InquiryWorkflow.notify_petitioner, q.NotifyPetitioner),
        "close": (InquiryWorkflow.close, q.Close),
    },
    "emergency": {
        "submit-draft": (EmergencyReleaseWorkflow.submit_draft, e.SubmitDraft),
        "approve-release": (EmergencyReleaseWorkflow.approve_release, e.ApproveRelease),
        "hold-press-conference": (
            EmergencyReleaseWorkflow.hold_press_conference,
            e.HoldPressConference,
        ),
        "close": (EmergencyReleaseWorkflow.close, e.CloseEmergency),
        # the yearly press-conference plan (国办发〔2013〕100号) is of the same family
        "record-press-conference": (
            PressConferencePlanWorkflow.record_press_conference,
            e.RecordPressConference,
        ),
    },
    "consultation": {
        "publish-draft": (ConsultationWorkflow.publish_draft, c.PublishDraft),
        "schedule-hearing": (ConsultationWorkflow.schedule_hearing, c.ScheduleHearing),
        "record-step": (ConsultationWorkflow.record_step, c.RecordStep),
        "record-adoption": (ConsultationWorkflow.record_adoption, c.RecordAdoption),
        "submit-legality-review": (
            ConsultationWorkflow.submit_legality_review,
            c.SubmitLegalityReview,
        ),
        "record-legality-opinion": (
            ConsultationWorkflow.record_legality_opinion,
            c.RecordLegalityOpinion,
        ),
        "record-decision": (ConsultationWorkflow.record_decision, c.RecordDecision),
        "report-to-committee": (ConsultationWorkflow.report_to_committee, c.ReportToCommittee),
        "publish-decision": (ConsultationWorkflow.publish_decision, c.PublishDecision),
        "archive": (ConsultationWorkflow.archive, c.ArchiveConsultation),
    },
}


@router.post(
    "/disclosure-requests",
    response_model=CaseCreated,
    status_code=201,
    summary="Register an application for government information (依申请公开)",
)
async def create_disclosure_request(
    body: DisclosureRequestCreate,
    op: deps.Opening = Depends(deps.opening),
) -> CaseCreated:
    if body.channel is s.Channel.REGISTERED_MAIL and body.signed_for_at is None:
        raise HTTPException(
            422,
            "Registered mail needs 'signed_for_at': T0 is the day the agency "
            "signed for it, not the postmark (GIDR Art. 31(2)).",
        )

    def build(case_no: str, agency: s.AgencyInfo, received: datetime) -> s.DisclosureRequestInput:
        return s.DisclosureRequestInput(
            case_no=case_no,
            agency=agency,
            channel=body.channel,
            received_at=received,
            signed_for_at=aware(body.signed_for_at) if body.signed_for_at else None,
            applicant=body.applicant,
            description=body.description,
            form=body.form,
            delivery=body.delivery,
            officer=op.actor,
        )

    return await start_case(
        op,
        NewCase(
            kind="disclosure",
            agency=body.agency,
            received_at=body.received_at,
            summary=body.description,
            status=s.Status.RECEIVED.value,
            # T0 of registered mail (Art. 31(2)): checked like the receipt itself
            also=(("signed_for_at", body.signed_for_at),) if body.signed_for_at else (),
        ),
        build,
        DisclosureRequestWorkflow.run,
    )


@dataclass
class NewCase:
    kind: str
    agency: str
    received_at: datetime | None
    summary: str
    status: str
    field: str = "received_at"  # what the request calls ``received_at``, for messages
    also: tuple[tuple[str, datetime], ...] = ()  # other moments that may start a clock


def aware(moment: datetime) -> datetime:
    """An instant without offset is Beijing time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _moment(new: NewCase, jurisdiction: str, name: str, value: datetime, now: datetime) -> datetime:
    """A moment the request says has happened: it must have, and under a law Gongkai knows
    (LAW.md §1.5), or the case's clocks would start from nonsense."""
    moment = aware(value)
    try:
        local = moment.astimezone(SHANGHAI)
        future = moment > now
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00: before the first instant there is
        raise HTTPException(
            422, f"'{name}': {moment.isoformat()} is not a date Gongkai can count from."
        ) from None
    if future:
        raise HTTPException(
            422,
            f"'{name}' ({local:%Y-%m-%d %H:%M} Beijing time) is in the future; "
            "give when it actually happened.",
        )
    try:
        select_pack(new.kind, jurisdiction, local.date())  # type: ignore[arg-type]
    except RulePackError as exc:
        raise HTTPException(422, f"'{name}': {exc}") from exc
    return moment


async def start_case(
    op: deps.Opening,
    new: NewCase,
    build: Callable[[str, s.AgencyInfo, datetime], BaseModel],
    run: Any,
    idempotency_key: str | None = None,
) -> CaseCreated:
    """Every kind starts the same way: the actor's own agency, a case number per agency and
    year (the same Idempotency-Key always gets the same one), a visible read-model row, then
    the workflow with the case number as its ID (duplicates rejected)."""
    actor, engine, client, settings = op.actor, op.engine, op.client, op.settings
    if actor.role not in (s.Role.OFFICER, s.Role.SUPERVISOR) or actor.agency != new.agency:
        raise HTTPException(403, "只能为本机关登记案件（管理员管理系统，不办理案件）。")
    # A client's key is its own: scoped by route, agency and user, and tied to the request's
    # body. A route's natural key (one press-conference plan per agency and year) is the
    # agency's.
    key, body_hash = None, None
    if op.idempotency_key:
        key = scoped_key(new.kind, new.agency, actor.id, op.idempotency_key)
        body_hash = op.body_hash
    elif idempotency_key:
        key = scoped_key(new.kind, new.agency, None, idempotency_key)
    agency = get_agency(engine, new.agency)
    if agency is None:
        raise HTTPException(422, f"Unknown agency {new.agency!r}: ask an administrator to add it.")
    now = datetime.now(UTC)
    received = _moment(new, agency.jurisdiction, new.field, new.received_at or now, now)
    for name, value in new.also:
        _moment(new, agency.jurisdiction, name, value, now)
    local = received.astimezone(SHANGHAI)
    allocated = allocate_case_no(engine, agency, local.year, now, key, body_hash)
    if allocated.existing and body_hash is not None and allocated.request_hash != body_hash:
        raise HTTPException(422, REUSED)
    inp = build(
        allocated.case_no, s.AgencyInfo(**agency.model_dump(exclude={"case_prefix"})), received
    )
    ensure_case_row(
        engine,
        CaseRow(
            case_no=allocated.case_no,
            kind=new.kind,
            agency=agency.code,
            officer=actor.id,
            status=new.status,
            light="green",
            summary=new.summary[:200],
            created_at=now,
            updated_at=now,
        ),
    )
    try:
        await client.start_workflow(
            run,
            inp,
            id=allocated.case_no,
            task_queue=settings.temporal_task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            # A retried request with the same Idempotency-Key finds the case already running.
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING
            if allocated.existing
            else WorkflowIDConflictPolicy.FAIL,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(GK_KIND, new.kind),
                    SearchAttributePair(GK_AGENCY, agency.code),
                    SearchAttributePair(GK_STATUS, new.status),
                    SearchAttributePair(GK_LIGHT, "green"),
                    SearchAttributePair(GK_OFFICER, actor.id),
                ]
            ),
        )
    except WorkflowAlreadyStartedError as exc:
        raise HTTPException(409, f"Case {allocated.case_no} already exists.") from exc
    return CaseCreated(case_no=allocated.case_no, status=new.status, created=not allocated.existing)


# How case numbers read (allocate_case_no): <prefix>-<year>-<serial>, e.g. GK-2026-000123.
CASE_NO = re.compile(r"[A-Za-z0-9]+-\d{4}-\d{6,}")


def _visible(engine: Engine, case_no: str, actor: s.Actor) -> CaseRow:
    row = get_case(engine, case_no)
    if row is None and not CASE_NO.fullmatch(case_no):
        shown = case_no if len(case_no) <= 40 else f"{case_no[:40]}…"
        raise HTTPException(
            404, f"{shown!r} is not a case number; case numbers read like GK-2026-000123."
        )
    if row is None:
        raise HTTPException(404, f"No case {case_no}.")
    if not deps.sees_every_agency(actor) and row.agency != actor.agency:
        raise HTTPException(403, "This case belongs to another agency.")
    return row


# Actions in flight per case in this process (finding 7: a burst on one case must get quick,
# definite answers, not pile up against Temporal's limit of in-flight Updates per workflow).
_IN_FLIGHT: dict[str, int] = {}
BUSY = "本案正有其他操作在处理，请稍后重试。"


@router.post(
    "/cases/{case_no}/actions/{action}",
    response_model=s.ActionResult,
    summary="Act on a case (an officer's or supervisor's step)",
    responses={
        409: {"description": "not allowed now (state, role, deadline)"},
        422: {"description": "incomplete: what the law requires is missing"},
        429: {"description": "the case is busy: retry after Retry-After seconds"},
        503: {"description": "no definite answer in time: retry with the same Idempotency-Key"},
    },
)
async def act(
    case_no: str,
    action: str,
    body: dict[str, Any],
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    row = _visible(engine, case_no, actor)
    table = ACTIONS_BY_KIND.get(row.kind, {})
    if action not in table:
        raise HTTPException(
            404, f"Unknown action {action!r} for a {row.kind} case; known: {', '.join(table)}."
        )
    update, model = table[action]
    try:
        arg = model.model_validate({**body, "actor": actor.model_dump()})
    except ValidationError as exc:
        errors = "; ".join(
            f"'{'.'.join(str(p) for p in e['loc'])}': {e['msg']}" for e in exc.errors()
        )
        raise HTTPException(422, errors) from exc
    replay, update_id = None, None
    if idempotency_key:
        key = scoped_key(f"action:{action}", row.agency, actor.id, f"{case_no}:{idempotency_key}")
        replay = Replay(engine, key, request_hash(body))
        stored = replay.claim()
        if stored is not None:
            return JSONResponse(stored[1], status_code=stored[0])
        update_id = f"idem-{key[:40]}"  # Temporal applies an Update ID once per run
    if _IN_FLIGHT.get(case_no, 0) >= settings.case_actions_in_flight:
        if replay:
            replay.release()
        raise HTTPException(429, BUSY, headers={"Retry-After": "1"})
    _IN_FLIGHT[case_no] = _IN_FLIGHT.get(case_no, 0) + 1
    try:
        handle = client.get_workflow_handle(case_no)
        result: s.ActionResult = await asyncio.wait_for(
            handle.execute_update(update, arg, id=update_id),
            timeout=settings.action_timeout_seconds,
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        code = 409
        message = str(cause)
        if isinstance(cause, ApplicationError):
            code = 422 if cause.type == "IncompleteAction" else 409
            message = cause.message
        if replay:
            replay.done(code, {"status": code, "detail": message})
        raise HTTPException(code, message) from exc
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
        if replay:
            replay.release()
        raise HTTPException(
            503,
            "操作已提交但未能及时确认；请用同一 Idempotency-Key 重试以获取结果（不会重复办理）。",
            headers={"Retry-After": "2"},
        ) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            if replay:
                replay.done(409, {"status": 409, "detail": f"案件{case_no}已办结，不能再变更。"})
            raise HTTPException(409, f"案件{case_no}已办结，不能再变更。") from exc
        if replay:
            replay.release()
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
    if replay:
        replay.done(200, result.model_dump(mode="json"))
    return result


@router.get("/cases", response_model=CasePage, summary="List cases (read model)")
def cases(
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    status: str | None = None,
    light: str | None = None,
    agency: str | None = None,
    officer: str | None = None,
    kind: str | None = None,
    due_before: Instant | None = None,
    due_after: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CasePage:
    if not deps.sees_every_agency(actor):
        if agency is not None and agency != actor.agency:
            raise HTTPException(403, "You can list only your own agency's cases.")
        agency = actor.agency
    total, rows = list_cases(
        engine,
        CaseFilter(
            kind=kind,
            status=status,
            light=light,
            agency=agency,
            officer=officer,
            due_before=due_before,
            due_after=due_after,
            limit=limit,
            offset=offset,
        ),
    )
    return CasePage(
        total=total,
        limit=limit,
        offset=offset,
        items=[CaseSummary.model_validate(r, from_attributes=True) for r in rows],
    )


@router.get("/cases/{case_no}", summary="The live state of a case, with every clock explained")
async def case(
    case_no: str,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    client: Client = Depends(deps.temporal),
) -> dict[str, Any]:
    _visible(engine, case_no, actor)
    try:
        # Every kind answers the same "view" query; the JSON is returned as it comes.
        view: dict[str, Any] = await client.get_workflow_handle(case_no).query("view")
        return {"source": "workflow", **view}
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
    row = archived(engine, case_no)
    if row is None:
        raise HTTPException(404, f"Case {case_no} is no longer in Temporal and was not archived.")
    return {"source": "archive", **json.loads(row.view_json)}


@router.get(
    "/cases/{case_no}/events",
    response_model=list[EventOut],
    summary="The business events of a case (timeline)",
)
def events(
    case_no: str,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
) -> list[EventOut]:
    _visible(engine, case_no, actor)
    return [
        EventOut.model_validate({**e.model_dump(), "data": json.loads(e.data)})
        for e in case_events(engine, case_no)
    ]


@router.get(
    "/cases/{case_no}/documents/{name}",
    response_class=HTMLResponse,
    summary="A document of the case (HTML), the latest of that name unless seq is given",
)
def document(
    case_no: str,
    name: str,
    seq: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
) -> HTMLResponse:
    _visible(engine, case_no, actor)
    doc = case_document(engine, case_no, name, seq)
    if doc is None:
        raise HTTPException(404, f"Case {case_no} has no document {name!r}.")
    return HTMLResponse(doc.html)


@router.get("/cases/{case_no}/history", summary="The full Temporal history (archived copy first)")
async def history(
    case_no: str,
    actor: s.Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
    client: Client = Depends(deps.temporal),
) -> dict[str, Any]:
    _visible(engine, case_no, actor)
    row = archived(engine, case_no)
    if row is not None:
        return {
            "source": "archive",
            "archived_at": row.archived_at.isoformat(),
            "history": json.loads(row.history_json),
        }
    try:
        hist = await client.get_workflow_handle(case_no).fetch_history()
    except RPCError as exc:
        raise HTTPException(404, f"No history for {case_no}.") from exc
    return {"source": "workflow", "history": json.loads(hist.to_json())}
