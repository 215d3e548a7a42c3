"""Administration over the API: users and the working-day calendar (admins only)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from api import deps
from api.routes.deadlines import EARLIEST, LATEST
from gongkai.logs import get_logger
from gongkai.settings import Settings
from rules.calendar import DayKind, WorkCalendar
from schemas.deadlines import CalendarChange, Recalculation
from schemas.disclosure import Actor, Role
from store.calendar import set_day
from store.cases import get_agency
from store.users import add_user
from workflows.broadcast import recalculate_open_cases

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


class DayChange(BaseModel):
    day: date
    kind: Literal["holiday", "workday"]
    source: str = Field(
        min_length=2, max_length=500, description="the notice or decision behind the change"
    )
    reason: str = Field(min_length=2, max_length=1000)
    name: str = Field(default="", max_length=100)


class DayChanged(BaseModel):
    day: date
    kind: Literal["holiday", "workday"]
    recalculated: int = Field(description="open cases told of the change")
    moved: list[Recalculation] = Field(description="the cases whose deadlines moved, and how")


@router.post(
    "/calendar/days",
    status_code=201,
    response_model=DayChanged,
    summary="Override one day (cross-agency administrators)",
    operation_id="change_calendar_day",
)
async def change_day(
    request: Request,
    body: DayChange,
    who: Actor = Depends(deps.superadmin),
    engine: Engine = Depends(deps.engine),
    settings: Settings = Depends(deps.settings),
) -> DayChanged:
    kind = DayKind.HOLIDAY if body.kind == "holiday" else DayKind.MAKEUP_WORKDAY
    set_day(
        engine,
        body.day,
        kind,
        source=body.source,
        reason=body.reason,
        edited_by=who.id,
        at=datetime.now(UTC),
        name=body.name,
        region=settings.calendar_region,
    )
    client = request.app.state.temporal
    told, moved = 0, list[Recalculation]()
    if client is not None:
        change = CalendarChange(
            reason=f"{body.day.isoformat()}调整为{'休息日' if body.kind == 'holiday' else '工作日'}"
            f"（{body.source}：{body.reason}）"[:500],
            years=[body.day.year],
            by=who.id,
        )
        result = await recalculate_open_cases(client, change)
        told, moved = result.told, result.moved
    return DayChanged(day=body.day, kind=body.kind, recalculated=told, moved=moved)
