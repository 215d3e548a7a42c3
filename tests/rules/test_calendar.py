"""The working-day calendar against LAW.md §0/§6: worked examples, the 2026 notice, provisional
years, the chinesecalendar cross-check, and properties that must hold for every date."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.calendar import (
    SEED_OFFICIAL_YEARS,
    CalendarEntry,
    DayKind,
    Origin,
    WorkCalendar,
    YearStatus,
    build_calendar,
    due_instant,
)

CAL = build_calendar()


@pytest.mark.parametrize(
    ("receipt", "n", "due"),
    [
        # LAW.md §1.2 illustrative due dates and §6.2 sample deadlines
        ("2026-09-15", 20, "2026-10-19"),  # A3 reply
        ("2026-09-15", 40, "2026-11-16"),  # A3 + A4 full extension
        ("2026-09-15", 7, "2026-09-23"),  # A1 correction-notice window
        ("2026-10-01", 20, "2026-11-03"),  # receipt on a holiday
        ("2026-10-01", 7, "2026-10-15"),
        ("2026-10-11", 20, "2026-11-06"),  # receipt on a Sunday (libraries are a day late here)
    ],
)
def test_art33_law_worked_examples(receipt: str, n: int, due: str) -> None:
    result = CAL.nth_working_day(date.fromisoformat(receipt), n)
    assert result.end == date.fromisoformat(due)
    assert result.counted == n
    assert not result.provisional


def test_extension_counts_from_original_due_date() -> None:
    """A4: new due = nth_working_day(original_due, 20)."""
    original = CAL.nth_working_day(date(2026, 9, 15), 20).end
    assert CAL.nth_working_day(original, 20).end == date(2026, 11, 16)


@pytest.mark.parametrize(
    "day", ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
)
def test_2026_makeup_weekend_days_are_working_days(day: str) -> None:
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert CAL.is_working_day(d)
    assert CAL.day_info(d).kind == DayKind.MAKEUP_WORKDAY


@pytest.mark.parametrize("day", [date(2026, 10, d) for d in range(1, 8)])
def test_2026_national_day_week_is_off(day: date) -> None:
    assert not CAL.is_working_day(day)


def test_explanation_lists_skipped_holidays_and_counted_makeup_days() -> None:
    result = CAL.nth_working_day(date(2026, 9, 15), 20)
    skipped = {d.day for d in result.skipped}
    assert date(2026, 9, 25) in skipped  # 中秋节
    assert {date(2026, 10, d) for d in range(1, 8)} <= skipped
    assert [d.day for d in result.makeup_counted] == [date(2026, 9, 20), date(2026, 10, 10)]
    names = {d.day: d.name for d in result.skipped}
    assert names[date(2026, 9, 25)] == "中秋节"


def test_decree795_provisional_years_count_the_certain_statutory_days() -> None:
    """No notice for 2027 yet: the statutory days of Decree 795 Art. 2 are certain anyway
    (元旦, 除夕 to 正月初三, 清明, 5月1–2日, 端午, 中秋, 10月1–3日, from the lunar calendar), so an
    estimate counts them and is not early (LAW.md §6B); the 调休 the notice will bring are not
    guessed. 2026-12-15 + 20 WD: 2027-01-13, not 01-12 (LAW.md §6.1's table)."""
    assert CAL.year_status(2027) is YearStatus.PROVISIONAL
    assert CAL.year_status(2026) is YearStatus.OFFICIAL
    new_year = CAL.day_info(date(2027, 1, 1))
    assert not new_year.working and new_year.name == "元旦" and new_year.provisional
    statutory = [d.day for d in CAL.year_days(2027) if d.kind == "holiday"]
    assert statutory == [
        date(2027, 1, 1),
        *(date(2027, 2, d) for d in (5, 6, 7, 8)),  # 除夕 and 正月初一至初三
        date(2027, 4, 5),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 6, 9),
        date(2027, 9, 15),
        *(date(2027, 10, d) for d in (1, 2, 3)),
    ]
    assert CAL.is_working_day(date(2027, 2, 9))  # no 补假 is guessed: the notice decides
    result = CAL.nth_working_day(date(2026, 12, 15), 20)
    assert result.provisional_years == (2027,)
    assert result.end == date(2027, 1, 13)
    assert not CAL.nth_working_day(date(2026, 11, 2), 20).provisional
    # Another year, another lunar calendar: 春节 2030 is 2 February (除夕) to 5 February.
    assert [CAL.is_working_day(date(2030, 2, d)) for d in (1, 4, 5, 6)] == [
        True,
        False,
        False,
        True,
    ]
    # An official year is the notice's alone.
    assert [d.day for d in CAL.year_days(2026) if d.name == "农历除夕"] == [date(2026, 2, 16)]


def test_due_instant_is_end_of_day_in_shanghai() -> None:
    instant = due_instant(date(2026, 10, 19))
    assert instant.isoformat() == "2026-10-19T23:59:59+08:00"
    assert instant.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("year", list(SEED_OFFICIAL_YEARS))
def test_official_year_agrees_with_chinesecalendar(year: int) -> None:
    day = date(year, 1, 1)
    disagreements = []
    while day.year == year:
        if CAL.is_working_day(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += timedelta(days=1)
    assert disagreements == []


def test_override_wins_over_seed_and_latest_override_wins() -> None:
    from datetime import UTC, datetime

    storm = CalendarEntry(
        date(2026, 7, 15),
        DayKind.HOLIDAY,
        "台风停工",
        Origin.OVERRIDE,
        "市政府通告",
        "typhoon",
        "admin",
        datetime(2026, 7, 14, tzinfo=UTC),
    )
    cal = build_calendar([storm])
    assert not cal.is_working_day(date(2026, 7, 15))
    assert cal.revision != CAL.revision
    undo = CalendarEntry(
        date(2026, 7, 15),
        DayKind.MAKEUP_WORKDAY,
        "恢复上班",
        Origin.OVERRIDE,
        "市政府通告",
        "cancelled",
        "admin",
        datetime(2026, 7, 14, 12, tzinfo=UTC),
    )
    assert build_calendar([undo, storm]).is_working_day(date(2026, 7, 15))


def test_imported_year_becomes_official_and_replaces_seed() -> None:
    entries = [CalendarEntry(date(2027, 1, 1), DayKind.HOLIDAY, "元旦", Origin.IMPORT, "notice")]
    cal = build_calendar(entries, {2027: "notice"})
    assert cal.year_status(2027) is YearStatus.OFFICIAL
    assert not cal.is_working_day(date(2027, 1, 1))
    assert not cal.nth_working_day(date(2026, 12, 15), 20).provisional


# -- properties ---------------------------------------------------------------------------

dates = st.dates(min_value=date(2008, 1, 1), max_value=date(2028, 12, 31))
periods = st.integers(min_value=1, max_value=60)


@settings(max_examples=300, deadline=None)
@given(start=dates, n=periods)
def test_result_is_always_a_working_day(start: date, n: int) -> None:
    assert CAL.is_working_day(CAL.nth_working_day(start, n).end)


@settings(max_examples=300, deadline=None)
@given(start=dates, n=periods)
def test_monotone_in_n(start: date, n: int) -> None:
    assert CAL.nth_working_day(start, n).end < CAL.nth_working_day(start, n + 1).end


@settings(max_examples=300, deadline=None)
@given(start=dates, n=periods)
def test_counting_back_gives_n(start: date, n: int) -> None:
    end = CAL.nth_working_day(start, n).end
    assert CAL.working_days_between(start, end) == n


@settings(max_examples=200, deadline=None)
@given(
    start=dates,
    n=periods,
    pause_at=st.integers(min_value=0, max_value=40),
    pause_len=st.integers(min_value=0, max_value=30),
)
def test_pauses_never_shorten_a_deadline(
    start: date, n: int, pause_at: int, pause_len: int
) -> None:
    first = start + timedelta(days=pause_at + 1)
    excluded = frozenset(first + timedelta(days=i) for i in range(pause_len))
    assert CAL.nth_working_day(start, n, excluded).end >= CAL.nth_working_day(start, n).end


@settings(max_examples=100, deadline=None)
@given(start=dates, n=periods)
def test_provisional_flag_travels_with_dates_in_unofficial_years(start: date, n: int) -> None:
    result = CAL.nth_working_day(start, n)
    touches_unofficial = any(
        y not in CAL.official_years
        for y in range(start.year, result.end.year + 1)
        if date(y, 12, 31) > start
    )
    assert result.provisional == touches_unofficial


def test_empty_calendar_is_weekends_only() -> None:
    cal = WorkCalendar()
    assert cal.nth_working_day(date(2030, 1, 4), 1).end == date(2030, 1, 7)
