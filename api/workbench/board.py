"""The traffic-light board (the supervisors' front page) and the fragment it refreshes."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from api import deps
from api.templating import templates
from api.workbench.rows import KIND_ZH, item
from api.workbench.session import page_actor
from rules.calendar import SHANGHAI
from schemas.case import Actor
from store.board import BoardFilter, board_figures
from store.users import user_names

router = APIRouter(include_in_schema=False)

# Rows shown per list, the most urgent first; the cards and "另有N件" count them all. A board
# is read at a glance (and on a phone): four lists of 100 rows made a 124 KiB fragment that
# took longer to fetch and render at 100,000 open cases than the counts.
LIST_LIMIT = 30
_LISTS = ("red", "due_week", "overdue", "oldest")


def board_data(
    engine: Engine,
    actor: Actor,
    agency: str | None,
    officer: str | None,
    kind: str | None,
    now: datetime | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    """Counts by SQL over every open case (an agency may have tens of thousands); lists of at
    most LIST_LIMIT rows each, most urgent first (as of ``now``, default: the clock)."""
    if not deps.sees_every_agency(actor):
        agency = actor.agency
    now = now or datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    monday = today - timedelta(days=today.weekday())
    figures = board_figures(engine, BoardFilter(agency, officer, kind, unit), now, LIST_LIMIT)
    return {
        "counts": figures.counts,
        "by_kind": figures.by_kind,
        "by_unit": figures.by_unit,
        **{name: [item(r) for r in getattr(figures, name)] for name in _LISTS},
        "due_today_count": figures.due_today_count,
        "due_week_count": figures.due_week_count,
        "overdue_count": figures.overdue_count,
        "chart": _chart(figures.by_day, monday - timedelta(weeks=7)),
        "now": now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        "kinds": KIND_ZH,
        "names": user_names(engine, agency),
        "list_limit": LIST_LIMIT,
    }


def _chart(by_day: list[tuple[date, str, int]], first_week: date) -> str:
    """Open cases by week of receipt (last 8 weeks) and light, as a small stacked SVG chart."""
    weeks = [first_week + timedelta(weeks=w) for w in range(8)]
    counts: dict[date, Counter[str]] = {w: Counter() for w in weeks}
    for t0, light, n in by_day:
        week = t0 - timedelta(days=t0.weekday())
        if week < weeks[0]:
            week = weeks[0]  # older cases pile up in the first column
        if week in counts:
            counts[week][light] += n
    peak = max([sum(c.values()) for c in counts.values()] + [1])
    colors = {"green": "#1a7f37", "yellow": "#d4a72c", "red": "#c62828"}
    zh = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
    bar_w, height, parts = 60, 120, []
    for n, week in enumerate(weeks):
        y = float(height)
        for light in ("green", "yellow", "red"):
            h = counts[week][light] * (height - 10) / peak
            if h:
                y -= h
                parts.append(
                    f'<rect x="{n * (bar_w + 10) + 10}" y="{y:.1f}" width="{bar_w}" '
                    f'height="{h:.1f}" fill="{colors[light]}"><title>{week} {zh[light]} '
                    f"{counts[week][light]}件</title></rect>"
                )
        label = f"{'≤' if n == 0 else ''}{week:%m-%d}"
        parts.append(
            f'<text x="{n * (bar_w + 10) + 10}" y="{height + 14}" font-size="10">{label}</text>'
        )
    width = len(weeks) * (bar_w + 10) + 10
    return (
        f'<figure class="chart"><svg role="img" aria-label="按周统计的办理中案件" width="{width}" '
        f'height="{height + 20}" viewBox="0 0 {width} {height + 20}">{"".join(parts)}</svg>'
        '<figcaption class="muted">办理中案件：按收到申请所在周和灯色</figcaption></figure>'
    )


def asked(
    agency: str | None = None,
    officer: str | None = None,
    kind: str | None = None,
    unit: Annotated[str | None, Query(max_length=100)] = None,
) -> BoardFilter:
    """The board's filters as its query gives them (an empty one: no filter), for the page and
    the fragment that refreshes it alike."""
    return BoardFilter(agency, officer or None, kind or None, unit or None)


Asked = Annotated[BoardFilter, Depends(asked)]


def _data(engine: Engine, actor: Actor, f: BoardFilter) -> dict[str, Any]:
    return board_data(engine, actor, f.agency, f.officer, f.kind, unit=f.unit)


@router.get("/", response_class=HTMLResponse)
def board(
    request: Request,
    engine: Annotated[Engine, Depends(deps.engine)],
    filters: Asked,
    actor: Actor = Depends(page_actor),
) -> Response:
    f = asdict(filters)
    query = urlencode({k: v for k, v in f.items() if v})
    context = {"actor": actor, "f": f, "query": query, **_data(engine, actor, filters)}
    return templates.TemplateResponse(request, "board.html", context)


@router.get("/board/fragment", response_class=HTMLResponse)
def board_fragment(
    request: Request,
    engine: Annotated[Engine, Depends(deps.engine)],
    filters: Asked,
    actor: Actor = Depends(page_actor),
) -> Response:
    context = {"actor": actor, **_data(engine, actor, filters)}
    return templates.TemplateResponse(request, "board_fragment.html", context)
