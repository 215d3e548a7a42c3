"""When a clock's thresholds are crossed (rules/clock.py): the escalation rungs' instants, and
a quarter as a period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rules.calendar import SHANGHAI, WorkCalendar, due_instant, local_date
from rules.clock_model import Clock, ClockState, Reading, Unit
from rules.clock_reading import add_months, evaluate, excluded_days, nth_counted_day


def milestone_at(
    clock: Clock,
    calendar: WorkCalendar,
    now: datetime,
    *,
    at_consumed: int | None = None,
    at_fraction: float | None = None,
    after_due: int | None = None,
    on_working_day: bool = False,
    reading: Reading | None = None,
) -> datetime | None:
    """The instant a threshold is crossed: the start (00:00 Beijing time) of the k-th counted
    day, a fraction of the period (exact for hours), or once k units **have passed** after the
    due date (0 = the second after the due instant; k ≥ 1 = 00:00 of the working day after the
    k-th). None while the clock is paused before its period was used up.

    While a year is provisional, alerts use the internal date (LAW.md §6.4(3)): k-th days and
    due dates that fall in it are brought forward by the pack's safety margin.

    ``on_working_day``: a threshold in working days ("超过N个工作日") is crossed at 00:00 of the
    next working day, never on a rest day.

    ``reading``: the clock's reading on this calendar at ``now``, when the caller has it (a
    plan reads each clock once, not once per rung)."""
    if reading is None:
        reading = evaluate(clock, calendar, now)
    if reading.state is ClockState.PAUSED and clock.override is None and not reading.used_up:
        return None
    if reading.shown_due_date is None or reading.shown_due_at is None:
        return None
    if clock.unit is Unit.HOURS:
        return _in_hours(clock, reading, now, at_consumed, at_fraction, after_due)
    if at_fraction is not None:
        at_consumed = max(1, round(clock.total_limit * at_fraction))
    if after_due is not None:
        instant = _after_due(clock, calendar, reading, after_due)
    else:
        assert at_consumed is not None
        instant = _at_consumed(clock, calendar, now, at_consumed)
    if not on_working_day:
        return instant
    day = local_date(instant)
    if instant != _start_of(day):  # a second into a day: that day began before it
        day += timedelta(days=1)
    return _start_of(calendar.next_working_day_on_or_after(day)[0])


def _in_hours(
    clock: Clock,
    reading: Reading,
    now: datetime,
    at_consumed: int | None,
    at_fraction: float | None,
    after_due: int | None,
) -> datetime:
    """24×7 hours: exact instants, the pauses added as they lasted (an open one until now)."""
    paused = sum(((p.until or now) - p.since for p in clock.pauses), timedelta())
    if at_fraction is not None:
        return clock.anchor_at + timedelta(hours=clock.total_limit * at_fraction) + paused
    if after_due is not None:
        assert reading.shown_due_at is not None
        return reading.shown_due_at + (
            timedelta(hours=after_due) if after_due else timedelta(seconds=1)
        )
    assert at_consumed is not None
    return clock.anchor_at + timedelta(hours=at_consumed) + paused


def _after_due(clock: Clock, calendar: WorkCalendar, reading: Reading, after_due: int) -> datetime:
    due_date = reading.shown_due_date
    assert due_date is not None
    if reading.provisional:
        due_date = calendar.working_days_before(due_date, clock.policy.provisional_margin)
    if after_due == 0:
        return due_instant(due_date) + timedelta(seconds=1)
    if clock.unit is Unit.WORKING_DAYS:
        day = calendar.nth_working_day(due_date, after_due + 1).end
    else:
        day = due_date + timedelta(days=after_due + 1)
    return _start_of(day)


def _at_consumed(clock: Clock, calendar: WorkCalendar, now: datetime, k: int) -> datetime:
    """00:00 of the k-th counted day (the resume day counted: alerts come early, not late)."""
    excluded = excluded_days(clock, local_date(now), resume_day_counts=True)
    if clock.unit is Unit.WORKING_DAYS:
        day = calendar.nth_working_day(clock.anchor_date, k, excluded).end
    else:
        day = nth_counted_day(clock.anchor_date, k, excluded)
    if calendar.is_provisional(day) and clock.override is None:
        day = max(
            clock.anchor_date, calendar.working_days_before(day, clock.policy.provisional_margin)
        )
    return _start_of(day)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)


def quarter_period(year: int, quarter: int, months: int) -> tuple[date, int]:
    """A quarter as a calendar-day period: anchored on the last day of the previous quarter
    (excluded, 民法典 Art. 201) and lasting until the last day of this one."""
    first = date(year, 3 * (quarter - 1) + 1, 1)
    return first - timedelta(days=1), (add_months(first, months) - first).days
