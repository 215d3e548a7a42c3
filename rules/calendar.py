"""The working-day calendar (工作日): LAW.md §0 and §6.

A day is a working day when it is Monday–Friday and not a holiday (法定节假日 or 调休 day off), or
when it is a make-up weekend working day (调休上班, 补班). Three layers, later ones winning:

1. **seed**: official years taken from the ``holidays`` package's CN calendar, which carries the
   State Council's annual notice (holidays, substituted days off, ``weekend_workdays``);
2. **import**: a year's notice entered by an administrator (``gongkai calendar import``); importing
   makes the year official;
3. **override**: single days set by an administrator (local closures, corrections), with source,
   reason, author and time.

A year with no notice is **provisional**: weekends and the statutory holidays that are certain
without the notice (Decree 795, 全国年节及纪念日放假办法 2024: 元旦, 除夕 and 正月初一至初三,
清明, 5月1–2日, 端午, 中秋, 10月1–3日, from the lunar calendar; LAW.md §6B), never the 调休
the notice will add; every date computed across it carries the flag, so that internal due dates
can keep a safety margin (LAW.md §6.3: statutory days only, minus 2 working days, was never late
in the 2015–2026 back-test).

Everything here is pure: the calendar is built from data and never reads the clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 民法典 Art. 203 para 2: a period ends at 24:00 of its last day; we use the last second.
END_OF_DAY = time(23, 59, 59)
# Years whose State Council notice the ``holidays`` package carries and that we treat as official
# without an import: from GIDR 2008's entry into force to the newest published notice.
SEED_OFFICIAL_YEARS = range(2008, 2027)
# Decree 795 (in force 2025-01-01) fixes 13 statutory days (Art. 2): certain in every later year
# before its notice is published. Their names as the ``holidays`` package gives them (zh_CN).
CERTAIN_SINCE = 2025
STATUTORY_DAYS = frozenset(
    {"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
)
CERTAIN_SOURCE = "《全国年节及纪念日放假办法》（国务院令第795号）第二条：法定节日（安排未公布）"
WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class DayKind(StrEnum):
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"


class Origin(StrEnum):
    SEED = "seed"
    IMPORT = "import"
    OVERRIDE = "override"


class YearStatus(StrEnum):
    OFFICIAL = "official"
    PROVISIONAL = "provisional"


_PRECEDENCE = {Origin.SEED: 0, Origin.IMPORT: 1, Origin.OVERRIDE: 2}


@dataclass(frozen=True)
class CalendarEntry:
    """One exceptional day: a holiday on a weekday, or a working Saturday/Sunday."""

    day: date
    kind: DayKind
    name: str
    origin: Origin = Origin.SEED
    source: str = ""
    reason: str = ""
    edited_by: str = ""
    edited_at: datetime | None = None


@dataclass(frozen=True)
class DayInfo:
    day: date
    working: bool
    # "workday", "weekend", "holiday" or "makeup_workday"
    kind: str
    name: str
    provisional: bool

    @property
    def label(self) -> str:
        weekday = WEEKDAY_ZH[self.day.weekday()]
        return f"{self.day.isoformat()}（{weekday}{'，' + self.name if self.name else ''}）"


@dataclass(frozen=True)
class CountResult:
    """The outcome of stepping through the calendar, with what was skipped on the way."""

    start: date
    end: date
    counted: int
    skipped: tuple[DayInfo, ...] = ()
    makeup_counted: tuple[DayInfo, ...] = ()
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


@dataclass
class WorkCalendar:
    """The calendar of one region, as of one revision."""

    entries: Iterable[CalendarEntry] = ()
    official_years: Mapping[int, str] = field(default_factory=dict)
    region: str = "CN"
    _days: dict[date, CalendarEntry] = field(init=False, repr=False)
    _certain: dict[int, dict[date, CalendarEntry]] = field(init=False, repr=False)
    revision: str = field(init=False)

    def __post_init__(self) -> None:
        self._certain = {}
        days: dict[date, CalendarEntry] = {}
        for entry in self.entries:
            current = days.get(entry.day)
            if current is None or _ranks_above(entry, current):
                days[entry.day] = entry
        self._days = days
        self.official_years = dict(self.official_years)
        self.entries = tuple(sorted(days.values(), key=lambda e: e.day))
        digest = hashlib.sha256()
        digest.update(b"certain-statutory-days;")  # provisional years count them (issue 24)
        for y in sorted(self.official_years):
            digest.update(f"Y{y};".encode())
        for e in self.entries:
            digest.update(f"{e.day.isoformat()}={e.kind.value};".encode())
        self.revision = digest.hexdigest()[:12]

    # -- single days -------------------------------------------------------------------------

    def year_status(self, year: int) -> YearStatus:
        return YearStatus.OFFICIAL if year in self.official_years else YearStatus.PROVISIONAL

    def is_provisional(self, day: date) -> bool:
        return day.year not in self.official_years

    def entry(self, day: date) -> CalendarEntry | None:
        entry = self._days.get(day)
        if entry is None and day.year not in self.official_years:
            entry = self.certain_days(day.year).get(day)
        return entry

    def certain_days(self, year: int) -> dict[date, CalendarEntry]:
        """A provisional year's statutory days, certain without its notice (LAW.md §6B)."""
        if year not in self._certain:
            days = certain_holidays(year) if year >= CERTAIN_SINCE else ()
            self._certain[year] = {e.day: e for e in days}
        return self._certain[year]

    def day_info(self, day: date) -> DayInfo:
        provisional = self.is_provisional(day)
        entry = self.entry(day)
        if entry is not None:
            working = entry.kind is DayKind.MAKEUP_WORKDAY
            return DayInfo(day, working, entry.kind.value, entry.name, provisional)
        if day.weekday() >= 5:
            return DayInfo(day, False, "weekend", "", provisional)
        return DayInfo(day, True, "workday", "", provisional)

    def is_working_day(self, day: date) -> bool:
        entry = self.entry(day)
        if entry is not None:
            return entry.kind is DayKind.MAKEUP_WORKDAY
        return day.weekday() < 5

    # -- counting ---------------------------------------------------------------------------

    def nth_working_day(
        self, start: date, n: int, excluded: frozenset[date] = frozenset()
    ) -> CountResult:
        """The n-th working day after ``start`` (start excluded, n-th inclusive: 民法典 Arts. 201,
        1259). Days in ``excluded`` (paused spans) are not counted. ``n == 0`` gives ``start``."""
        if n < 0:
            raise ValueError("n must not be negative")
        day, counted = start, 0
        skipped: list[DayInfo] = []
        makeup: list[DayInfo] = []
        years: set[int] = set()
        while counted < n:
            day += timedelta(days=1)
            if self.is_provisional(day):
                years.add(day.year)
            info = self.day_info(day)
            if day in excluded:
                skipped.append(DayInfo(day, False, "paused", info.name, info.provisional))
            elif info.working:
                counted += 1
                if info.kind == DayKind.MAKEUP_WORKDAY:
                    makeup.append(info)
            else:
                skipped.append(info)
        return CountResult(start, day, counted, tuple(skipped), tuple(makeup), tuple(sorted(years)))

    def working_days_between(
        self, start: date, end: date, excluded: frozenset[date] = frozenset()
    ) -> int:
        """Working days in (start, end]: the inverse of :meth:`nth_working_day`."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if day not in excluded and self.is_working_day(day):
                count += 1
        return count

    def working_days_before(self, day: date, n: int) -> date:
        """The date n working days before ``day`` (used for provisional safety margins)."""
        counted = 0
        while counted < n:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def next_working_day_on_or_after(self, day: date) -> tuple[date, tuple[DayInfo, ...]]:
        """For calendar-day periods whose last day is a rest day (民法典 Art. 203 para 1)."""
        rolled: list[DayInfo] = []
        while not self.is_working_day(day):
            rolled.append(self.day_info(day))
            day += timedelta(days=1)
        return day, tuple(rolled)

    def provisional_years_in(self, start: date, end: date) -> tuple[int, ...]:
        return tuple(y for y in range(start.year, end.year + 1) if y not in self.official_years)

    def year_days(self, year: int) -> list[DayInfo]:
        """Every non-ordinary day of a year: holidays, make-up days and weekends."""
        day, out = date(year, 1, 1), []
        while day.year == year:
            info = self.day_info(day)
            if info.kind != "workday":
                out.append(info)
            day += timedelta(days=1)
        return out


def _ranks_above(new: CalendarEntry, old: CalendarEntry) -> bool:
    if _PRECEDENCE[new.origin] != _PRECEDENCE[old.origin]:
        return _PRECEDENCE[new.origin] > _PRECEDENCE[old.origin]
    # The later edit of the same layer wins.
    old_at = old.edited_at or datetime.min.replace(tzinfo=SHANGHAI)
    new_at = new.edited_at or datetime.min.replace(tzinfo=SHANGHAI)
    return new_at >= old_at


def due_instant(day: date) -> datetime:
    """23:59:59 Asia/Shanghai on the last day of a period."""
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def zh_date(day: date) -> str:
    """A date as letters and notices write it (GB/T 9704-2012 7.3.5.3: Arabic numerals, no
    leading zeros): 2026年12月7日."""
    return f"{day.year}年{day.month}月{day.day}日"


def local_date(instant: datetime) -> date:
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant.astimezone(SHANGHAI).date()


# -- the seed layer -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def seed_year(year: int) -> tuple[CalendarEntry, ...]:
    """The official arrangement of one year from the ``holidays`` package (CN, in Chinese)."""
    import holidays  # heavy import, kept out of workflow sandboxes

    cn = holidays.country_holidays("CN", years=year, language="zh_CN")
    version = getattr(holidays, "__version__", "?")
    source = f"国务院办公厅关于{year}年部分节假日安排的通知 (holidays {version})"
    out: list[CalendarEntry] = []
    for day, name in sorted(cn.items()):
        if day.year == year:
            out.append(CalendarEntry(day, DayKind.HOLIDAY, str(name), Origin.SEED, source))
    for day in sorted(cn.weekend_workdays):
        if day.year == year:
            out.append(CalendarEntry(day, DayKind.MAKEUP_WORKDAY, "调休上班", Origin.SEED, source))
    return tuple(out)


@lru_cache(maxsize=128)
def certain_holidays(year: int) -> tuple[CalendarEntry, ...]:
    """The statutory days of Decree 795 Art. 2 in ``year``, from the lunar calendar and the
    solar term 清明 (the ``holidays`` package's computation, without its observed or 调休
    days): the days off a year has whatever its notice later adds."""
    import holidays  # heavy import, kept out of workflow sandboxes

    cn = holidays.country_holidays("CN", years=year, language="zh_CN", observed=False)
    return tuple(
        CalendarEntry(day, DayKind.HOLIDAY, str(name), Origin.SEED, CERTAIN_SOURCE)
        for day, name in sorted(cn.items())
        if day.year == year and str(name) in STATUTORY_DAYS
    )


def seed_calendar_data(
    years: Iterable[int] = SEED_OFFICIAL_YEARS,
) -> tuple[list[CalendarEntry], dict[int, str]]:
    entries: list[CalendarEntry] = []
    official: dict[int, str] = {}
    for year in years:
        year_entries = seed_year(year)
        entries.extend(year_entries)
        official[year] = year_entries[0].source if year_entries else "seed"
    return entries, official


def build_calendar(
    extra_entries: Iterable[CalendarEntry] = (),
    imported_years: Mapping[int, str] | None = None,
    region: str = "CN",
) -> WorkCalendar:
    """Seed layer + imported notices + overrides, as one calendar."""
    entries, official = seed_calendar_data()
    if imported_years:
        official.update(imported_years)
        # An imported notice replaces the seed of its year entirely.
        entries = [e for e in entries if e.day.year not in imported_years]
    return WorkCalendar([*entries, *extra_entries], official, region)
