"""The workload forecast: the open cases falling due on each of the coming working days, per
officer and per unit, so a pile-up after a long holiday shows before it happens."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from api import deps
from api.templating import templates
from api.workbench.session import page_actor
from gongkai.settings import Settings
from rules.calendar import SHANGHAI
from schemas.case import Actor
from store.calendar import load_calendar
from store.forecast import due_counts
from store.users import user_names

router = APIRouter(include_in_schema=False)

FORECAST_DAYS = 30


def forecast(
    engine: Engine, agency: str, region: str, today: date, days: int = FORECAST_DAYS
) -> dict[str, Any]:
    """For the next ``days`` working days: how many open cases fall due on each, per officer
    and per unit (by the date alerts count from), so a pile-up after a long holiday shows before
    it happens; and how many open cases each officer holds now. Cases already overdue are
    counted apart."""
    cal = load_calendar(engine, region)
    working: list[date] = []
    day = today
    while len(working) < days:
        if cal.is_working_day(day):
            working.append(day)
        day += timedelta(days=1)
    start = datetime.combine(today, datetime.min.time(), SHANGHAI)
    counted = due_counts(engine, agency, start, (working[-1] - today).days + 1)
    by_officer: dict[str, Counter[date]] = {}
    by_unit: dict[str, Counter[date]] = {}
    per_day: Counter[date] = Counter()
    for officer, unit, k, n in counted.by_day:
        local = today + timedelta(days=k)
        if not cal.is_working_day(local):  # a period's end on a rest day moves to the next one
            local = cal.next_working_day_on_or_after(local)[0]
        by_officer.setdefault(officer, Counter())[local] += n
        by_unit.setdefault(unit or "（未分派）", Counter())[local] += n
        per_day[local] += n
    peak = max(per_day.values(), default=0)
    return {
        "days": working,
        "per_day": per_day,
        "peak": peak,
        "by_officer": sorted(by_officer.items(), key=lambda kv: -sum(kv[1].values())),
        "by_unit": sorted(by_unit.items(), key=lambda kv: -sum(kv[1].values())),
        "held": counted.held,
        "overdue": counted.overdue,
    }


@router.get("/forecast", response_class=HTMLResponse)
def forecast_page(
    request: Request,
    engine: Annotated[Engine, Depends(deps.engine)],
    settings: Annotated[Settings, Depends(deps.settings)],
    actor: Actor = Depends(page_actor),
) -> Response:
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    data = forecast(engine, actor.agency, settings.calendar_region, today)
    return templates.TemplateResponse(
        request,
        "forecast.html",
        {"actor": actor, "names": user_names(engine, actor.agency), "today": today, **data},
    )
