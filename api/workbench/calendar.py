"""The working-day calendar as the workbench shows it: a year's holidays and make-up working days,
their source, the local changes; and, before an administrator changes a day, every open deadline
the change would move (nothing stored)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from api import deps
from api.routes.deadlines import EARLIEST, LATEST
from api.templating import templates
from api.workbench.session import page_actor
from gongkai.settings import Settings
from rules.calendar import SHANGHAI, DayKind
from schemas.case import Actor
from schemas.registry import KINDS
from store.calendar import load_calendar, overrides
from store.recompute import preview_day as preview_day_change

router = APIRouter(include_in_schema=False)

# Every clock's Chinese name by kind, for pages that list clocks of any kind (the calendar
# preview): "reply" is 答复期限 in a disclosure case and 留言答复期限 in an inquiry.
CLOCK_ZH = {
    f"{kind}:{name}": zh for kind, spec in KINDS.items() for name, zh in spec.clocks.items()
}


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    engine: Annotated[Engine, Depends(deps.engine)],
    settings: Annotated[Settings, Depends(deps.settings)],
    actor: Actor = Depends(page_actor),
    year: Annotated[int | None, Query(ge=EARLIEST.year, le=LATEST.year)] = None,
    preview_day: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
    preview_kind: Annotated[Literal["holiday", "workday"], Query()] = "holiday",
) -> Response:
    cal = load_calendar(engine, settings.calendar_region)
    preview = None
    if preview_day is not None:  # every deadline the change would move, nothing stored
        preview = preview_day_change(
            engine,
            settings.calendar_region,
            preview_day,
            DayKind.HOLIDAY if preview_kind == "holiday" else DayKind.MAKEUP_WORKDAY,
            datetime.now(UTC),
            agency=None if deps.sees_every_agency(actor) else actor.agency,
        )
    this_year = datetime.now(UTC).astimezone(SHANGHAI).year
    year = year or this_year
    shown = sorted({*cal.official_years, this_year, this_year + 1, year})[-6:]
    return templates.TemplateResponse(
        request,
        "calendar.html",
        {
            "actor": actor,
            "revision": cal.revision,
            "year": year,
            "official": year in cal.official_years,
            "source": cal.official_years.get(year, ""),
            "years": [{"year": y, "official": y in cal.official_years} for y in shown],
            "days": [d for d in cal.year_days(year) if d.kind != "weekend"],
            "overrides": overrides(engine, settings.calendar_region, year),
            "preview": preview,
            "clock_zh": CLOCK_ZH,
            "preview_day": preview_day,
            "preview_kind": preview_kind,
        },
    )
