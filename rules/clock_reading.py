"""Evaluating a clock (rules/clock.py): a clock, a calendar and "now" make a :class:`Reading` —
the due date, the due instant and how it was reached — and a case's clocks make its
:class:`CaseDue`."""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rules.calendar import SHANGHAI, DayInfo, WorkCalendar, due_instant, local_date
from rules.clock_explanation import explain
from rules.clock_model import CaseDue, Clock, ClockState, Reading, Unit, aware


def evaluate(clock: Clock, calendar: WorkCalendar, now: datetime) -> Reading:
    aware(now)
    if clock.stopped_at is not None and clock.stopped_at < now:
        # A stopped clock is read as it stood when it stopped: the days after the stop are not
        # the period's (consumed, remaining, an open pause all end with the stop).
        now = clock.stopped_at
    if clock.unit is Unit.HOURS:
        return _evaluate_hours(clock, calendar, now)
    return _evaluate_days(clock, calendar, now)


def _evaluate_days(clock: Clock, cal: WorkCalendar, now: datetime) -> Reading:
    today = local_date(now)
    excluded = excluded_days(clock, today, resume_day_counts=clock.policy.resume_day_counts)
    conservative = excluded_days(clock, today, resume_day_counts=True)
    # The due date as things stand; while paused, as if the pause ended today (an open pause
    # excludes the days up to today, and no further).
    count = _count(clock, cal, today, excluded, conservative)
    due, internal, prov_years = count.due, count.internal, count.prov_years
    if clock.override is not None:  # a date fixed under Art. 35 is no estimate
        due = internal = clock.override.due_date
        prov_years = ()
    if prov_years:
        internal = cal.working_days_before(internal, clock.policy.provisional_margin)

    frozen: date | None = None
    used_up = False
    open_pause = clock.open_pause
    if open_pause is not None and clock.override is None:
        frozen = due
        used_up = due <= local_date(open_pause.since)
        due_or_none: date | None = None
        internal_or_none: date | None = internal if used_up else None
    else:
        due_or_none, internal_or_none = due, internal

    state = _state(clock, now, due_instant(due_or_none) if due_or_none else None)
    remaining = max(0, clock.total_limit - count.consumed)
    if clock.unit is Unit.WORKING_DAYS and due_or_none is not None and clock.override is None:
        remaining = max(0, cal.working_days_between(today, due_or_none, excluded))
    explanation = explain(
        clock,
        cal,
        due_or_none,
        count.skipped,
        count.makeup,
        count.rolled,
        excluded,
        prov_years,
        frozen,
        used_up,
    )
    return Reading(
        clock=clock.name,
        state=state,
        unit=clock.unit,
        due_date=due_or_none,
        due_at=due_instant(due_or_none) if due_or_none else None,
        internal_due_at=due_instant(internal_or_none) if internal_or_none else None,
        consumed=count.consumed,
        remaining=remaining,
        provisional=bool(prov_years),
        explanation=explanation,
        frozen_due_date=frozen,
        frozen_due_at=due_instant(frozen) if frozen else None,
        used_up=used_up,
        stopped_at=clock.stopped_at,
        stop_reason=clock.stop_reason,
    )


@dataclass(frozen=True)
class _Count:
    """A period counted on the calendar: the days consumed, its last day (and the internal one,
    counting the resume day), and the days skipped, counted or rolled over on the way."""

    consumed: int
    due: date
    internal: date
    skipped: tuple[DayInfo, ...] = ()
    makeup: tuple[DayInfo, ...] = ()
    rolled: tuple[DayInfo, ...] = ()
    prov_years: tuple[int, ...] = ()


def _count(
    clock: Clock,
    cal: WorkCalendar,
    today: date,
    excluded: frozenset[date],
    conservative: frozenset[date],
) -> _Count:
    """Working days are counted on the calendar; calendar days and months through rest days,
    the last one rolled over to a working day (unless the date is fixed)."""
    anchor, total = clock.anchor_date, clock.total_limit
    if clock.unit is Unit.WORKING_DAYS:
        res = cal.nth_working_day(anchor, total, excluded)
        return _Count(
            consumed=cal.working_days_between(anchor, today, excluded) if today > anchor else 0,
            due=res.end,
            internal=cal.nth_working_day(anchor, total, conservative).end,
            skipped=res.skipped,
            makeup=res.makeup_counted,
            prov_years=res.provisional_years,
        )
    consumed = max(0, sum(1 for d in _days(anchor, today) if d not in excluded))
    if clock.unit is Unit.CALENDAR_DAYS:
        raw = nth_counted_day(anchor, total, excluded)
        raw_internal = nth_counted_day(anchor, total, conservative)
    else:  # months; pauses extend by the excluded days
        base = add_months(anchor, total)
        raw = base + timedelta(days=sum(1 for d in excluded if anchor < d))
        raw_internal = base + timedelta(days=sum(1 for d in conservative if anchor < d))
    skipped = tuple(
        DayInfo(d, False, "paused", "", cal.is_provisional(d))
        for d in sorted(excluded)
        if anchor < d <= raw
    )
    if clock.fixed:  # a fixed date is that date: no roll-over, no calendar estimate
        return _Count(consumed, raw, raw_internal, skipped)
    due, rolled = cal.next_working_day_on_or_after(raw)
    internal, _ = cal.next_working_day_on_or_after(raw_internal)
    prov_years = cal.provisional_years_in(anchor + timedelta(days=1), due)
    return _Count(consumed, due, internal, skipped, rolled=rolled, prov_years=prov_years)


def _evaluate_hours(clock: Clock, cal: WorkCalendar, now: datetime) -> Reading:
    """24×7 wall-clock hours (emergency releases): pauses add their exact duration."""
    closed = sum(((p.until - p.since) for p in clock.pauses if p.until), timedelta())
    open_pause = clock.open_pause
    open_for = (now - open_pause.since) if open_pause else timedelta()
    total = timedelta(hours=clock.total_limit)
    elapsed = max(timedelta(), now - clock.anchor_at - closed - open_for)
    before_pause = clock.anchor_at + total + closed  # the due instant, were nothing paused now
    due_at: datetime | None = before_pause + open_for
    frozen_at: datetime | None = None
    used_up = False
    if open_pause is not None:
        used_up = before_pause <= open_pause.since
        frozen_at = before_pause if used_up else due_at
        due_at = None
    if clock.override is not None:
        due_at = due_instant(clock.override.due_date)
    due_date = due_at.astimezone(SHANGHAI).date() if due_at else None
    consumed = int(elapsed.total_seconds() // 3600)
    remaining = max(0, clock.total_limit - consumed)
    frozen_date = frozen_at.astimezone(SHANGHAI).date() if frozen_at else None
    explanation = explain(
        clock, cal, due_date, (), (), (), frozen_date=frozen_date, used_up=used_up
    )
    if due_at is not None:
        explanation.lines.insert(
            1,
            f"到期时刻：{due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
            "（北京时间，24小时连续计算）",
        )
    return Reading(
        clock=clock.name,
        state=_state(clock, now, due_at),
        unit=clock.unit,
        due_date=due_date,
        due_at=due_at,
        internal_due_at=due_at if open_pause is None else (frozen_at if used_up else None),
        consumed=consumed,
        remaining=remaining,
        provisional=False,
        explanation=explanation,
        frozen_due_date=frozen_date,
        frozen_due_at=frozen_at,
        used_up=used_up,
        stopped_at=clock.stopped_at,
        stop_reason=clock.stop_reason,
    )


def _state(clock: Clock, now: datetime, due_at: datetime | None) -> ClockState:
    if clock.stopped_at is not None:
        return ClockState.STOPPED
    if clock.open_pause is not None:
        return ClockState.PAUSED
    if due_at is not None and now > due_at:
        return ClockState.ELAPSED if clock.minimum else ClockState.EXPIRED
    return ClockState.RUNNING


def excluded_days(clock: Clock, today: date, *, resume_day_counts: bool) -> frozenset[date]:
    """Dates on which the clock does not run: (pause day, answer day] (or open-ended)."""
    out: set[date] = set()
    for p in clock.pauses:
        first = local_date(p.since) + timedelta(days=1)
        if p.until is None:
            last = today  # still open: the clock has not run since the pause began
        else:
            last = local_date(p.until)
            if resume_day_counts:
                last -= timedelta(days=1)
        day = first
        while day <= last:
            out.add(day)
            day += timedelta(days=1)
    return frozenset(out)


def add_months(day: date, months: int) -> date:
    """民法典 Art. 202: the corresponding day of the last month, or its last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _stdcal.monthrange(year, month)[1]))


def _days(anchor: date, today: date) -> list[date]:
    return [anchor + timedelta(days=i) for i in range(1, (today - anchor).days + 1)]


def nth_counted_day(anchor: date, n: int, excluded: frozenset[date]) -> date:
    day, counted = anchor, 0
    while counted < n:
        day += timedelta(days=1)
        if day not in excluded:
            counted += 1
    return day


def case_due(
    due_clocks: Sequence[str],
    live: Collection[str],
    readings: dict[str, Reading],
    internal_clocks: Sequence[str] = (),
    chosen: Reading | None = None,
) -> CaseDue:
    """The case's due instant from its first running due clock (while paused, its frozen one),
    the instant internal alerts count from (none while paused before the period was used up;
    earlier when an ``internal_clocks`` clock, e.g. the reply period counted from an online
    submission, runs out first), whether any due clock rests on a provisional year, and why the
    first due clock's date is what it is. ``due_clocks`` in order of preference; ``live`` the
    clocks still running; ``chosen`` the due reading where a kind picks it otherwise (the
    nearest of a year's periods)."""
    reading = chosen or next((readings[n] for n in due_clocks if n in live and n in readings), None)
    internal = (
        reading.internal_due_at if reading is not None and reading.lapses_at is not None else None
    )
    for name in internal_clocks:
        extra = readings.get(name) if name in live else None
        if extra is not None and extra.lapses_at is not None and extra.internal_due_at:
            internal = min(filter(None, (internal, extra.internal_due_at)))
    return CaseDue(
        due_at=reading.shown_due_at if reading is not None else None,
        internal_due_at=internal,
        provisional=any(readings[n].provisional for n in due_clocks if n in readings),
        explanation=next((readings[n].explanation for n in due_clocks if n in readings), None),
    )
