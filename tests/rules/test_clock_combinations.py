"""Clock operations in combination, against a reference model; fixed-date duties and the
amend/publish path of proactive items (issue 24) against theirs.

Hypothesis drives random sequences of start, pause, resume, restart (Art. 30), extension
(Art. 33 ¶2), a fixed later date (Art. 35), stop, and calendar changes (a day turned holiday or
working day) over receipt dates from 2019 to 2027, and after every step compares the clock's
due date, state and "may it be extended now?" with a reference written here from LAW.md §0 in
the simplest way there is: stepping one day at a time. The reference shares nothing with
``rules/clock.py`` except the calendar's answer to "is this a working day?".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import clock as clk
from rules.calendar import SHANGHAI, CalendarEntry, DayKind, Origin, WorkCalendar, build_calendar
from rules.clock import ClockError, ClockPolicy, ClockState, Unit

BASE = build_calendar()
LIMIT, CAP = 20, 20
POLICY = ClockPolicy(max_extensions=1, extension_cap=CAP)
STATS: Counter[str] = Counter()
SEQUENCES = 2200  # ≥ 2,000 run in `make test`, each with 6–16 operations


# -- the reference: LAW.md §0, one day at a time ------------------------------------------------


@dataclass
class Reference:
    anchor: date
    pauses: list[tuple[date, date | None]] = field(default_factory=list)  # (since, until)
    extension: int = 0
    fixed: date | None = None
    stopped: bool = False

    def counts(self, cal: WorkCalendar, day: date, today: date) -> bool:
        """A day counts when it is a working day the clock was running on: a pause excludes
        the days after the pausing act up to and including the day it ended (or today)."""
        if not cal.is_working_day(day):
            return False
        return not any(since < day <= (until or today) for since, until in self.pauses)

    def due(self, cal: WorkCalendar, today: date) -> date:
        """The last day of the period; while paused, as if the pause ended today."""
        if self.fixed is not None:
            return self.fixed
        day, counted = self.anchor, 0
        while counted < LIMIT + self.extension:
            day += timedelta(days=1)
            if self.counts(cal, day, today):
                counted += 1
        return day

    def used_up_before(self, cal: WorkCalendar, today: date) -> bool:
        """The whole period was consumed on days before today: its last day is over."""
        if self.fixed is not None:
            return self.fixed < today
        counted = 0
        day = self.anchor + timedelta(days=1)
        while day < today:
            counted += self.counts(cal, day, today)
            day += timedelta(days=1)
        return counted >= LIMIT + self.extension

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def state(self, cal: WorkCalendar, today: date) -> ClockState:
        if self.stopped:
            return ClockState.STOPPED
        if self.paused:
            return ClockState.PAUSED
        return ClockState.EXPIRED if self.used_up_before(cal, today) else ClockState.RUNNING

    def may_extend(self, cal: WorkCalendar, today: date, amount: int) -> bool:
        return (
            not self.stopped
            and self.extension == 0
            and self.fixed is None
            and 1 <= amount <= CAP
            and not self.used_up_before(cal, today)
        )

    def may_fix(self, cal: WorkCalendar, today: date, day: date) -> bool:
        return (
            not self.stopped and not self.used_up_before(cal, today) and day > self.due(cal, today)
        )


# -- random sequences ---------------------------------------------------------------------------

OPS = ("pause", "resume", "restart", "extend", "fix", "stop", "holiday", "workday", "check")
step = st.tuples(
    st.integers(min_value=0, max_value=12),  # days to move on
    st.integers(min_value=0, max_value=23),  # hour of the day
    st.sampled_from(OPS),
    st.integers(min_value=-5, max_value=60),  # amount / offset for the operation
)
sequence = st.tuples(
    st.dates(min_value=date(2019, 5, 15), max_value=date(2027, 6, 30)),
    st.integers(min_value=8, max_value=18),
    st.lists(step, min_size=6, max_size=16),
)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 17), SHANGHAI)


def _with_day(cal: WorkCalendar, day: date, working: bool, n: int) -> WorkCalendar:
    """The calendar after an administrator turned ``day`` into a holiday or a working day."""
    kind = DayKind.MAKEUP_WORKDAY if working else DayKind.HOLIDAY
    entry = CalendarEntry(
        day,
        kind,
        "测试",
        Origin.OVERRIDE,
        "测试",
        "",
        "admin",
        _at(date(2030, 1, 1), 0) + timedelta(seconds=n),
    )
    return WorkCalendar([*cal.entries, entry], cal.official_years, cal.region)


def _compare(c: clk.Clock, ref: Reference, cal: WorkCalendar, now: datetime, note: str) -> None:
    today = now.astimezone(SHANGHAI).date()
    reading = clk.evaluate(c, cal, now)
    expected = ref.state(cal, today)
    assert reading.state is expected, (note, reading.state, expected)
    shown = reading.due_date if reading.state is not ClockState.PAUSED else reading.frozen_due_date
    if ref.fixed is not None:
        shown = reading.due_date
    if not ref.stopped:
        assert shown == ref.due(cal, today), (note, shown, ref.due(cal, today))
        if reading.state is ClockState.PAUSED and ref.fixed is None:
            assert reading.used_up == (ref.due(cal, today) <= ref.pauses[-1][0]), note
    for amount in (CAP, CAP + 1):
        try:
            clk.extend(c, amount, "主任", "复核", now, reading)
            allowed = True
        except ClockError:
            allowed = False
        assert allowed == ref.may_extend(cal, today, amount), (note, amount, allowed)
    STATS["comparisons"] += 1


@settings(
    max_examples=SEQUENCES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sequence)
def _sequences(seq: tuple[date, int, list[tuple[int, int, str, int]]]) -> None:
    anchor, hour, steps = seq
    now = _at(anchor, hour)
    cal = BASE
    c = clk.start("reply", Unit.WORKING_DAYS, LIMIT, now, basis="条例第三十三条", policy=POLICY)
    ref = Reference(anchor)
    STATS["sequences"] += 1
    log = [f"start {now:%Y-%m-%d %H}"]
    _compare(c, ref, cal, now, " / ".join(log))
    for n, (days, hour, op, k) in enumerate(steps):
        day = now.astimezone(SHANGHAI).date() + timedelta(days=days)
        now = max(now, _at(day, hour))
        today = now.astimezone(SHANGHAI).date()
        log.append(f"{op}({k}) {now:%Y-%m-%d %H}")
        STATS[op] += 1
        STATS["operations"] += 1
        reading = clk.evaluate(c, cal, now)
        try:
            if op == "pause":
                c = clk.pause(c, "征求第三方意见", now)
                ref.pauses.append((today, None))
            elif op == "resume":
                c = clk.resume(c, now)
                ref.pauses[-1] = (ref.pauses[-1][0], today)
            elif op == "restart":
                c = clk.restart(c, now, "收到补正")
                ref = Reference(today)
            elif op == "extend":
                allowed = ref.may_extend(cal, today, k)
                c = clk.extend(c, k, "主任", "复核", now, reading)
                assert allowed, " / ".join(log)
                ref.extension = k
            elif op == "fix":
                target = today + timedelta(days=k)
                allowed = ref.may_fix(cal, today, target)
                c = clk.override(c, target, "数量明显超过合理范围", "主任", now, reading)
                assert allowed, " / ".join(log)
                ref.fixed = target
            elif op == "stop":
                c = clk.stop(c, now, "已答复")
                ref.stopped = True
            elif op in ("holiday", "workday"):
                changed = today + timedelta(days=abs(k) + 1)
                cal = _with_day(cal, changed, op == "workday", n)
        except ClockError:
            STATS["refused"] += 1
            if op == "pause":
                assert ref.paused or ref.stopped, " / ".join(log)
            elif op == "resume":
                assert not ref.paused or ref.stopped, " / ".join(log)
            elif op == "restart":
                assert ref.stopped, " / ".join(log)
            elif op == "extend":
                assert not ref.may_extend(cal, today, k), " / ".join(log)
            elif op == "fix":
                assert not ref.may_fix(cal, today, today + timedelta(days=k)), " / ".join(log)
            elif op == "stop":
                assert ref.stopped, " / ".join(log)
        _compare(c, ref, cal, now, " / ".join(log))


def test_clock_operations_in_combination_match_the_reference_model() -> None:
    STATS.clear()
    _sequences()
    print(f"\nclock combinations: {dict(STATS)}")
    assert STATS["sequences"] >= 2000
    assert STATS["operations"] >= 8 * 2000
    for op in OPS:
        assert STATS[op] >= 1000, (op, STATS[op])
    assert STATS["refused"] > 0 and STATS["comparisons"] > STATS["operations"]


# -- fixed-date duties (LAW.md §6B) and the amend/publish path of proactive items -------------
#
# The same reference style: windows and fixed dates written from the rule book's words, day by
# day; the code under test is rules/duties.py and fixed-date clocks (Clock.fixed), and the
# publication clock of a proactive item across publications, amendments and calendar changes.

DUTY_SEQUENCES = 600
ITEM_SEQUENCES = 600


def _ref_windows(every: str, year: int, opens: int | None, month: int, day: int) -> list[Any]:
    """ "每季度" ends on each quarter's last day; a yearly duty runs from 1 January (or the first
    of its month, "每年5月份") to its day, the month's last if shorter — never moved."""

    def last(m: int) -> int:
        return (date(year + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day

    if every == "quarter":
        return [(date(year, 3 * q - 2, 1), date(year, 3 * q, last(3 * q))) for q in range(1, 5)]
    return [(date(year, opens or 1, 1), date(year, month, min(day, last(month))))]


duty_case = st.tuples(
    st.integers(min_value=2019, max_value=2035),
    st.sampled_from(("quarter", "year")),
    st.integers(min_value=1, max_value=12),  # due month
    st.integers(min_value=1, max_value=31),  # due day
    st.booleans(),  # a window opening in the due month ("每年5月份")
    st.lists(st.integers(min_value=0, max_value=365), min_size=3, max_size=10),  # facts
    st.lists(st.booleans(), min_size=0, max_size=4),  # the last day made holiday / working
)


@settings(max_examples=DUTY_SEQUENCES, deadline=None, derandomize=True)
@given(duty_case)
def _duty_sequences(case: tuple[int, str, int, int, bool, list[int], list[bool]]) -> None:
    from rules.duties import anchor_of, window_of, windows
    from rules.packs import Duty

    year, every, month, day, in_month, facts, changes = case
    opens = month if in_month and every == "year" else None
    duty = Duty(
        key="duty",
        name="测试",
        every=every,  # type: ignore[arg-type]
        due_month=month,
        due_day=day,
        opens_month=opens,
        basis="测试",
    )
    expected = _ref_windows(every, year, opens, month, day)
    got = windows(duty, year)
    assert [(w.opens, w.closes) for w in got] == expected
    cal = BASE
    for n, working in enumerate(changes):  # whatever the calendar says of the last days
        cal = _with_day(cal, expected[n % len(expected)][1], working, n)
    for w in got:
        since = anchor_of(w)
        start = datetime.combine(since, time(12), SHANGHAI)
        length = (w.closes - since).days
        fixed = clk.start("duty", Unit.CALENDAR_DAYS, length, start, fixed=True)
        period = clk.start("duty", Unit.CALENDAR_DAYS, length, start)
        reading = clk.evaluate(fixed, cal, start)
        assert reading.due_date == w.closes and not reading.explanation.rolled_over
        assert not reading.provisional
        rolled = w.closes
        while not cal.is_working_day(rolled):  # what a period does instead (民法典 Art. 203)
            rolled += timedelta(days=1)
        assert clk.evaluate(period, cal, start).due_date == rolled
        overdue = clk.milestone_at(fixed, cal, start, after_due=0)
        assert overdue == datetime.combine(w.closes + timedelta(days=1), time(0), SHANGHAI)
        STATS["windows"] += 1 + (rolled != w.closes)
        STATS["rolled_apart"] += rolled != w.closes
    for offset in facts:
        fact = date(year, 1, 1) + timedelta(days=offset % (date(year, 12, 31).timetuple().tm_yday))
        inside = [(o, c) for o, c in expected if o <= fact <= c]
        found = window_of(duty, fact)
        got_window = (found.opens, found.closes) if found else None
        assert got_window == (inside[0] if inside else None), (fact, got_window, inside)
        STATS["facts"] += 1
        STATS["facts_refused"] += not inside


def test_fixed_date_duties_match_the_reference_model() -> None:
    """LAW.md §6B: a duty's date fixed by law or a seed is that date whatever the calendar says
    of it (a period counted in days would roll past a rest day), and a fact counts only inside
    its window."""
    STATS.clear()
    _duty_sequences()
    print(f"\nfixed-date duties: {dict(STATS)}")
    assert STATS["facts"] >= 3 * DUTY_SEQUENCES
    assert STATS["facts_refused"] > 100 and STATS["rolled_apart"] > 50


item_step = st.tuples(
    st.sampled_from(("publish", "amend", "holiday", "workday", "check")),
    st.integers(min_value=0, max_value=40),  # days to move on
    st.integers(min_value=7, max_value=22),  # hour
)
item_case = st.tuples(
    st.dates(min_value=date(2019, 5, 15), max_value=date(2027, 6, 30)),
    st.lists(item_step, min_size=4, max_size=14),
)


@settings(max_examples=ITEM_SEQUENCES, deadline=None, derandomize=True)
@given(item_case)
def _item_sequences(case: tuple[date, list[tuple[str, int, int]]]) -> None:
    """Art. 26 for a proactive item: each version (formed, then each change) has its own 20
    working days; a publication after them is late; a published version's clock is read as it
    stood at the publication; a change starts a new period whose rungs all lie after it."""
    formed, steps = case
    now = _at(formed, 12)
    cal = BASE
    c = clk.start("publication", Unit.WORKING_DAYS, LIMIT, now, basis="条例第二十六条")
    ref = Reference(formed)
    published: date | None = None
    for n, (op, days, hour) in enumerate(steps):
        now = max(now, _at(now.astimezone(SHANGHAI).date() + timedelta(days=days), hour))
        today = now.astimezone(SHANGHAI).date()
        if op == "publish" and published is None:
            due = clk.evaluate(c, cal, now).due_date
            assert due == ref.due(cal, today)
            late = today > due  # as workflows/proactive.py records it
            assert late == (today > ref.due(cal, today))
            c = clk.stop(c, now, "已公开")
            ref.stopped, published = True, today
            STATS["late" if late else "in_time"] += 1
        elif op == "amend" and published is not None:
            c = clk.start("publication", Unit.WORKING_DAYS, LIMIT, now, basis="条例第二十六条")
            ref, published = Reference(today), None
            rungs = [
                clk.milestone_at(c, cal, now, at_consumed=15),
                clk.milestone_at(c, cal, now, at_consumed=18),
                clk.milestone_at(c, cal, now, after_due=0),
            ]
            assert all(r is not None and r > now for r in rungs)  # the new period starts green
            STATS["amended"] += 1
        elif op in ("holiday", "workday"):
            cal = _with_day(cal, today + timedelta(days=days % 20 + 1), op == "workday", n)
        reading = clk.evaluate(c, cal, now + timedelta(days=30))
        if published is not None:  # read a month on: as it stood when published
            counted = sum(
                1
                for d in range(1, (published - ref.anchor).days + 1)
                if cal.is_working_day(ref.anchor + timedelta(days=d))
            )
            assert reading.state is ClockState.STOPPED and reading.consumed == counted
        else:
            assert reading.due_date == ref.due(cal, today)
        STATS["item_checks"] += 1


def test_the_amend_publish_path_of_proactive_items_matches_the_reference_model() -> None:
    STATS.clear()
    _item_sequences()
    print(f"\nproactive items: {dict(STATS)}")
    assert STATS["item_checks"] >= 4 * ITEM_SEQUENCES
    assert STATS["late"] > 50 and STATS["in_time"] > 50 and STATS["amended"] > 100
