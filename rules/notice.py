"""The file format of a year's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).

An administrator types the State Council notice into a small TOML file and imports it with
``gongkai calendar import FILE``; the year becomes official. Format (see docs/calendar.md)::

    year = 2027
    region = "CN"                       # optional; "CN" by default
    source = "国办发明电〔2026〕N号 …"    # the notice's title/number/URL
    published = 2026-11-10              # optional

    [[holidays]]                        # days off, inclusive ranges; weekends inside are fine
    name = "春节"
    from = 2027-02-06
    to = 2027-02-12

    [[workdays]]                        # make-up working days (调休上班) on a Saturday/Sunday
    date = 2027-02-14
    name = "春节调休上班"
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.calendar import CalendarEntry, DayKind, Origin


class HolidaySpan(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _ordered(self) -> HolidaySpan:
        if self.to < self.from_:
            raise ValueError(f"假日“{self.name}”的结束日（{self.to}）早于开始日。")
        return self


class MakeupDay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    name: str = "调休上班"

    @model_validator(mode="after")
    def _weekend(self) -> MakeupDay:
        if self.date.weekday() < 5:
            raise ValueError(f"调休上班日 {self.date} 不是周六或周日。")
        return self


class HolidayNotice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2000, le=2100)
    region: str = "CN"
    source: str = Field(min_length=4)
    published: date | None = None
    holidays: list[HolidaySpan] = Field(min_length=1)
    workdays: list[MakeupDay] = Field(default_factory=list)

    @model_validator(mode="after")
    def _within_year(self) -> HolidayNotice:
        for span in self.holidays:
            if span.from_.year not in (self.year, self.year - 1, self.year + 1):
                raise ValueError(f"假日“{span.name}”不在 {self.year} 年内，也不与之相邻。")
        days = [d for d in self.days_off()]
        if len(set(days)) != len(days):
            raise ValueError("假日区间相互重叠。")
        clash = set(days) & {w.date for w in self.workdays}
        if clash:
            raise ValueError(f"以下日期既放假又上班：{', '.join(map(str, sorted(clash)))}。")
        return self

    def days_off(self) -> list[date]:
        out = []
        for span in self.holidays:
            day = span.from_
            while day <= span.to:
                out.append(day)
                day += timedelta(days=1)
        return out

    def entries(self, edited_by: str, edited_at: datetime) -> list[CalendarEntry]:
        out: list[CalendarEntry] = []
        for span in self.holidays:
            day = span.from_
            while day <= span.to:
                out.append(
                    CalendarEntry(
                        day,
                        DayKind.HOLIDAY,
                        span.name,
                        Origin.IMPORT,
                        self.source,
                        "",
                        edited_by,
                        edited_at,
                    )
                )
                day += timedelta(days=1)
        for w in self.workdays:
            out.append(
                CalendarEntry(
                    w.date,
                    DayKind.MAKEUP_WORKDAY,
                    w.name,
                    Origin.IMPORT,
                    self.source,
                    "",
                    edited_by,
                    edited_at,
                )
            )
        return out


def parse_notice(path: Path) -> HolidayNotice:
    with path.open("rb") as fh:
        return HolidayNotice.model_validate(tomllib.load(fh))
