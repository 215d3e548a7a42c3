"""Administration over the API: users and the working-day calendar (admins only)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from activities.notify import deliver_all
from api import deps
from api.routes.deadlines import EARLIEST, LATEST
from gongkai.logs import get_logger
from gongkai.settings import Settings
from rules.calendar import DayKind, WorkCalendar, local_date
from schemas.case import Actor, Role
from schemas.deadlines import CalendarChange, DeadlineMove, Recalculation
from schemas.registry import KINDS
from store.calendar import calendar_change, set_day
from store.cases import get_agency
from store.digest import digests
from store.recompute import Recomputed, apply, preview_day, refusal
from store.users import add_user
from workflows.broadcast import open_cases_query, signal_open_cases

router = APIRouter(prefix="/v1", tags=["administration"])
log = get_logger(__name__)


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=100)
    agency: str
    role: Literal["officer", "supervisor", "admin", "superadmin"]


class UserCreated(BaseModel):
    username: str
    role: str
    agency: str
    token: str = Field(description="shown once; only its hash is stored")


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=201,
    summary="Create a user",
    operation_id="create_user",
)
def create_user(
    body: UserCreate, who: Actor = Depends(deps.admin), engine: Engine = Depends(deps.engine)
) -> UserCreated:
    if get_agency(engine, body.agency) is None:
        raise HTTPException(422, f"没有机关代码“{body.agency}”。")
    if who.role is not Role.SUPERADMIN and (body.agency != who.agency or body.role == "superadmin"):
        raise HTTPException(
            403,
            "机关管理员只能为本机关创建经办人、负责人和管理员；跨机关的管理须由系统管理员"
            "（superadmin）进行。",
        )
    try:
        user, token = add_user(
            engine, body.username, body.name, body.agency, body.role, datetime.now(UTC), who.id
        )
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from exc
    log.info("user created", username=user.username, role=user.role, by=who.id)
    return UserCreated(username=user.username, role=user.role, agency=user.agency, token=token)


class DayOut(BaseModel):
    day: date
    kind: str
    name: str
    working: bool


class YearOut(BaseModel):
    year: int
    status: str
    source: str
    revision: str
    days: list[DayOut]


@router.get(
    "/calendar/{year}",
    response_model=YearOut,
    summary="A year of the calendar",
    operation_id="calendar_year",
)
def calendar_year(
    year: Annotated[int, Path(ge=EARLIEST.year, le=LATEST.year)],
    _: Actor = Depends(deps.actor),
    cal: WorkCalendar = Depends(deps.calendar),
) -> YearOut:
    return YearOut(
        year=year,
        status=cal.year_status(year).value,
        source=cal.official_years.get(year, ""),
        revision=cal.revision,
        days=[
            DayOut(day=d.day, kind=d.kind, name=d.name, working=d.working)
            for d in cal.year_days(year)
            if d.kind != "weekend"
        ],
    )


LISTED = 1000  # cases listed in an answer (the CLI's --dry-run lists every one)


class DayChange(BaseModel):
    day: date
    kind: Literal["holiday", "workday"]
    source: str = Field(
        min_length=2, max_length=500, description="the notice or decision behind the change"
    )
    reason: str = Field(min_length=2, max_length=1000)
    name: str = Field(default="", max_length=100)
    dry_run: bool = Field(
        default=False, description="list every deadline that would move; store nothing"
    )
    override_reason: str = Field(
        default="",
        max_length=500,
        description="why deadlines already told to applicants may be shortened (required then)",
    )


class DayChanged(BaseModel):
    day: date
    kind: Literal["holiday", "workday"]
    stored: bool = Field(description="false for a dry run")
    scanned: int = Field(description="open cases looked at")
    unplanned: int = Field(
        description="open cases whose rows hold no clocks yet (opened before): not previewed; "
        "their workflows plan on the new calendar when told"
    )
    recalculated: int = Field(description="running cases told to catch up (in the background)")
    shortening: int = Field(description="moves earlier than the date told to the applicant")
    moves: int = Field(description="due dates that move, in all")
    moved: list[Recalculation] = Field(
        description=f"the cases whose deadlines move, and how (the first {LISTED:,}; those "
        "shortening a told date first)"
    )


def _recalculations(recomputed: Recomputed) -> list[Recalculation]:
    by_case: dict[str, list[DeadlineMove]] = {}
    for m in sorted(recomputed.moves, key=lambda m: not m.shortens_notice):
        if len(by_case) >= LISTED and m.case_no not in by_case:
            continue
        by_case.setdefault(m.case_no, []).append(
            DeadlineMove(
                clock=m.clock,
                clock_zh=KINDS[m.kind].clocks.get(m.clock, m.clock) if m.kind in KINDS else m.clock,
                old_due_at=m.old_due_at,
                new_due_at=m.new_due_at,
                old_text=str(local_date(m.old_due_at)) if m.old_due_at else "—",
                new_text=str(local_date(m.new_due_at)) if m.new_due_at else "—",
            )
        )
    return [Recalculation(case_no=k, moved=v) for k, v in by_case.items()]


@router.post(
    "/calendar/days",
    status_code=201,
    response_model=DayChanged,
    summary="Override one day (cross-agency administrators); dry_run previews every move",
    operation_id="change_calendar_day",
    responses={
        200: {"description": "dry run: what would move, nothing stored", "model": DayChanged},
        409: {"description": "would shorten deadlines told to applicants (said why)"},
    },
)
async def change_day(
    request: Request,
    response: Response,
    body: DayChange,
    who: Actor = Depends(deps.superadmin),
    engine: Engine = Depends(deps.engine),
    settings: Settings = Depends(deps.settings),
) -> DayChanged:
    kind = DayKind.HOLIDAY if body.kind == "holiday" else DayKind.MAKEUP_WORKDAY
    region, now = settings.calendar_region, datetime.now(UTC)
    preview = await run_in_threadpool(
        preview_day, engine, region, body.day, kind, now, name=body.name
    )
    if body.dry_run:
        response.status_code = 200  # nothing created
        return _changed(body, preview, stored=False, told=0)
    if preview.shortening and not body.override_reason.strip():
        raise HTTPException(409, refusal(preview))
    reason = body.reason
    if body.override_reason.strip():
        reason = f"{reason}（缩短已告知期限的理由：{body.override_reason.strip()}）"
    if len(reason) > 1000:
        raise HTTPException(422, "理由与缩短期限的理由合计不超过1000字。")
    set_day(
        engine,
        body.day,
        kind,
        source=body.source,
        reason=reason,
        edited_by=who.id,
        at=now,
        name=body.name,
        region=region,
    )
    # The stored calendar is the one previewed: its moves are the preview's (as in the CLI).
    await run_in_threadpool(apply, engine, preview)
    log.info("calendar day changed", day=str(body.day), kind=body.kind, moved=len(preview.moves))
    change = await run_in_threadpool(
        calendar_change,
        engine,
        region,
        f"{body.day.isoformat()}调整为{'休息日' if body.kind == 'holiday' else '工作日'}"
        f"（{body.source}：{reason}）",
        [body.day.year],
        who.id,
        now,
        # One digest per agency when the read model lists every move; a case it cannot list
        # (opened before rows kept clocks) means a notice per case, as before.
        digested=not preview.unplanned,
    )
    client = request.app.state.temporal
    told = 0
    if client is not None:
        told = (await client.count_workflows(open_cases_query(change.years))).count
    # In the background: the officers' digests (a mail server may be slow) and the running
    # cases' catch-up (the rows already show the new dates, and a case re-plans before any
    # rung fires: workflows/casework.py).
    task = asyncio.create_task(_tell(engine, settings, client, change, preview, now))
    _CATCHING_UP.add(task)
    task.add_done_callback(_CATCHING_UP.discard)
    return _changed(body, preview, stored=True, told=told)


async def _tell(
    engine: Engine,
    settings: Settings,
    client: Any,
    change: CalendarChange,
    preview: Recomputed,
    now: datetime,
) -> None:
    """After a stored change: one digest per agency to the officers (if the cases are told
    ``digested``), then every running case whose clocks it may touch."""
    if change.digested:
        try:
            notes = await run_in_threadpool(
                digests, engine, preview, change.reason, settings.calendar_region, now
            )
            await deliver_all(engine, settings, notes)
        except Exception:  # the cases are told all the same
            log.exception("calendar digests not written")
    if client is not None:
        await signal_open_cases(client, change)


def _changed(body: DayChange, recomputed: Recomputed, *, stored: bool, told: int) -> DayChanged:
    """What a change of the day moves (previewed, or stored) and how many cases were told."""
    return DayChanged(
        day=body.day,
        kind=body.kind,
        stored=stored,
        scanned=recomputed.scanned,
        unplanned=recomputed.unplanned,
        recalculated=told,
        shortening=len(recomputed.shortening),
        moves=len(recomputed.moves),
        moved=_recalculations(recomputed),
    )


_CATCHING_UP: set[asyncio.Task[None]] = set()
