"""The working-day calendar as stored: imported notices and overrides on top of the seed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from rules.calendar import (
    CalendarEntry,
    DayKind,
    Origin,
    WorkCalendar,
    YearStatus,
    build_calendar,
)
from rules.notice import HolidayNotice
from store.db import session_scope
from store.models import CalendarDay, CalendarYear

if TYPE_CHECKING:
    from schemas.deadlines import CalendarChange

_cache: dict[tuple[str, str], tuple[tuple[int, int], WorkCalendar]] = {}


def _fingerprint(session: Session, region: str) -> tuple[int, int]:
    """Changes to the stored calendar (rows added, removed or rewritten get new ids), in one
    round trip: this runs on every plan of every case."""
    regions = _regions(region)
    days, years = CalendarDay.__table__, CalendarYear.__table__  # type: ignore[attr-defined]
    in_days, in_years = days.c.region.in_(regions), years.c.region.in_(regions)
    row = session.execute(
        sa_select(
            sa_select(func.count()).select_from(days).where(in_days).scalar_subquery(),
            sa_select(func.coalesce(func.max(days.c.id), 0)).where(in_days).scalar_subquery(),
            sa_select(func.count()).select_from(years).where(in_years).scalar_subquery(),
            sa_select(func.coalesce(func.max(years.c.id), 0)).where(in_years).scalar_subquery(),
        )
    ).one()
    return (
        int(row[0] or 0) * 1_000_003 + int(row[1] or 0),
        int(row[2] or 0) * 1_000_003 + int(row[3] or 0),
    )


def _regions(region: str) -> list[str]:
    """A province's calendar is the national one plus its own days (e.g. CN-65 for Xinjiang)."""
    parts = region.split("-")
    return ["-".join(parts[: i + 1]) for i in range(len(parts))]


def load_calendar(engine: Engine, region: str = "CN") -> WorkCalendar:
    """The current calendar of ``region``; rebuilt only when the stored rows changed."""
    with Session(engine) as session:
        fp = _fingerprint(session, region)
        key = (str(engine.url), region)
        cached = _cache.get(key)
        if cached and cached[0] == fp:
            return cached[1]
        rows, years = _stored(session, region)
    calendar = _assemble(rows, years, region)
    _cache[key] = (fp, calendar)
    return calendar


def proposed_calendar(
    engine: Engine,
    region: str,
    extra: Sequence[CalendarEntry],
    official: dict[int, str] | None = None,
) -> WorkCalendar:
    """The calendar as it would be with ``extra`` days on top (and ``official`` years imported,
    their earlier imports replaced): for previewing a change before it is stored."""
    with Session(engine) as session:
        rows, years = _stored(session, region)
    if official:
        rows = [r for r in rows if not (r.origin == Origin.IMPORT and r.day.year in official)]
    return _assemble(rows, years, region, extra, official or {})


def _stored(session: Session, region: str) -> tuple[Sequence[CalendarDay], Sequence[CalendarYear]]:
    rows = session.exec(
        select(CalendarDay).where(col(CalendarDay.region).in_(_regions(region)))
    ).all()
    years = session.exec(
        select(CalendarYear).where(col(CalendarYear.region).in_(_regions(region)))
    ).all()
    return rows, years


def _assemble(
    rows: Sequence[CalendarDay],
    years: Sequence[CalendarYear],
    region: str,
    extra: Sequence[CalendarEntry] = (),
    official: dict[int, str] | None = None,
) -> WorkCalendar:
    imported = {y.year: y.source for y in years if y.status == YearStatus.OFFICIAL}
    imported.update(official or {})
    entries = [
        CalendarEntry(
            r.day,
            DayKind(r.kind),
            r.name,
            Origin(r.origin),
            r.source,
            r.reason,
            r.edited_by,
            r.edited_at,
        )
        for r in rows
        # Import rows of a year re-imported later are superseded by the newer import.
        if not (r.origin == Origin.IMPORT and _stale_import(r, years))
    ]
    return build_calendar([*entries, *extra], imported, region)


def _stale_import(row: CalendarDay, years: Sequence[CalendarYear]) -> bool:
    for y in years:
        if y.year == row.day.year and y.region == row.region:
            return row.edited_at < y.edited_at
    return False


def set_day(
    engine: Engine,
    day: date,
    kind: DayKind,
    *,
    source: str,
    reason: str,
    edited_by: str,
    at: datetime,
    name: str = "",
    region: str = "CN",
) -> CalendarDay:
    if not source.strip() or not reason.strip():
        raise ValueError("调整日历须写明依据（通知、决定）和理由。")
    row = CalendarDay(
        region=region,
        day=day,
        kind=kind.value,
        name=name or ("放假" if kind is DayKind.HOLIDAY else "调休上班"),
        origin=Origin.OVERRIDE.value,
        source=source,
        reason=reason,
        edited_by=edited_by,
        edited_at=at,
    )
    with session_scope(engine) as session:
        session.add(row)
    return row


def import_notice(engine: Engine, notice: HolidayNotice, edited_by: str, at: datetime) -> int:
    """Store a year's notice and mark the year official. Returns the number of days stored."""
    entries = notice.entries(edited_by, at)
    with session_scope(engine) as session:
        year = session.exec(
            select(CalendarYear).where(
                CalendarYear.region == notice.region, CalendarYear.year == notice.year
            )
        ).first()
        if year is None:
            year = CalendarYear(
                region=notice.region,
                year=notice.year,
                status="",
                source="",
                edited_by=edited_by,
                edited_at=at,
            )
        year.status = YearStatus.OFFICIAL.value
        year.source = notice.source
        year.edited_by = edited_by
        year.edited_at = at
        session.add(year)
        for e in entries:
            session.add(
                CalendarDay(
                    region=notice.region,
                    day=e.day,
                    kind=e.kind.value,
                    name=e.name,
                    origin=Origin.IMPORT.value,
                    source=e.source,
                    reason="国务院办公厅通知导入",
                    edited_by=edited_by,
                    edited_at=at,
                )
            )
    return len(entries)


def overrides(engine: Engine, region: str = "CN", year: int | None = None) -> list[CalendarDay]:
    with Session(engine) as session:
        q = select(CalendarDay).where(
            col(CalendarDay.region).in_(_regions(region)), CalendarDay.origin == Origin.OVERRIDE
        )
        rows = list(session.exec(q.order_by(col(CalendarDay.edited_at))).all())
    return [r for r in rows if year is None or r.day.year == year]


def calendar_change(
    engine: Engine,
    region: str,
    reason: str,
    years: list[int],
    by: str,
    now: datetime,
    *,
    digested: bool = False,
) -> CalendarChange:
    """A change of ``region``'s calendar as told to the running cases: with the calendar as it
    now stands for the years a case's clocks may span around the changed ones; ``digested``:
    the officers were told by one digest per agency (store/digest.py), not a notice per case."""
    from rules.calendar import SHANGHAI
    from rules.clock_plan import fetched_years, snapshot_of
    from schemas.deadlines import CalendarChange

    calendar = load_calendar(engine, region)
    this_year = now.astimezone(SHANGHAI).year
    return CalendarChange(
        reason=reason[:500],
        years=years,
        revision=calendar.revision,
        by=by,
        calendar=snapshot_of(calendar, *fetched_years([*years, this_year])),
        issued_at=now,
        digested=digested,
    )
