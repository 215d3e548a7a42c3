"""Recurring duties fall on **fixed dates**, not periods (LAW.md §6B).

Two different things carry a deadline in Gongkai:

* a **period** counted in days (GIDR Art. 26's 20 working days to publish, Art. 33's 20 working
  days to reply, the Civil Code's calendar days): it ends on a computed day and, counted in
  calendar days, rolls past a rest day (民法典 Art. 203) — ``rules/clock.py`` with a ``Period``
  of the rule pack;
* a **fixed date**, set by law or by a seed: "每年1月31日前" (GIDR Art. 49 ¶1), "每年3月31日前"
  (Art. 49 ¶2), "每年5月份" (the open day), a quarter's end. It is that date whatever day of the
  week it falls on: never rolled. A duty with a window ("in May") is met only by a fact inside
  the window; one due "by" a date, by a fact from the start of its period to that date.

Every duty of the ``[obligations]`` section is a fixed date: :func:`windows` gives each of its
windows in a year, and the plan's clocks are fixed-date clocks (``Clock.fixed``).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from rules.calendar import zh_date
from rules.packs import Duty


@dataclass(frozen=True)
class Window:
    """One period of a duty: from ``opens`` to ``closes`` inclusive (a fixed date)."""

    period: str  # Q1..Q4, or Y
    opens: date
    closes: date

    def holds(self, day: date) -> bool:
        return self.opens <= day <= self.closes

    @property
    def zh(self) -> str:
        if self.opens.month == self.closes.month and self.opens.day == 1:
            last = monthrange(self.closes.year, self.closes.month)[1]
            if self.closes.day == last:
                return f"{self.closes.year}年{self.closes.month}月"
        return f"{zh_date(self.opens)}至{zh_date(self.closes)}"


def _last_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, monthrange(year, month)[1]))


def windows(duty: Duty, year: int) -> list[Window]:
    """The duty's windows in ``year``: each quarter (closing on its last day), or the year's one
    (opening on the first of ``opens_month``, or on 1 January, closing on its fixed date)."""
    if duty.every == "quarter":
        return [
            Window(f"Q{q}", date(year, 3 * q - 2, 1), _last_day(year, 3 * q, 31))
            for q in range(1, 5)
        ]
    opens = date(year, duty.opens_month or 1, 1)
    return [Window("Y", opens, _last_day(year, duty.due_month, duty.due_day))]


def window_of(duty: Duty, day: date) -> Window | None:
    """The window of ``day``'s year that holds it, if any."""
    return next((w for w in windows(duty, day.year) if w.holds(day)), None)


def anchor_of(window: Window) -> date:
    """The day a window's clock counts from: the day before it opens (excluded, 民法典 Art.
    201), so that its last counted day is the window's fixed last day."""
    return window.opens - timedelta(days=1)
