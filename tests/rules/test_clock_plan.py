"""The plan a workflow makes on the calendar snapshot it carries is the plan the full calendar
gives (issue 25: plan inside the workflow), and a plan that reaches past the snapshot's years
says so instead of answering from an incomplete calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import clock as clk
from rules.calendar import SHANGHAI, CalendarEntry, DayKind, Origin, build_calendar
from rules.clock import Unit
from rules.clock_plan import (
    CalendarSnapshot,
    ClockPlanRequest,
    OutsideSnapshot,
    SnapshotCalendar,
    plan_clocks,
    snapshot_of,
)
from rules.packs import Light, Rung

# An override on a weekday (a local holiday) and a provisional year beyond the seed's.
FULL = build_calendar(
    [CalendarEntry(date(2026, 3, 4), DayKind.HOLIDAY, "地方假日", Origin.OVERRIDE, "决定", "理由")]
)
RUNGS = [
    Rung(name="yellow", light=Light.YELLOW, at_fraction=0.5),
    Rung(name="red", light=Light.RED, at_consumed=15),
    Rung(name="lapse", light=Light.RED, after_due=0),
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@settings(max_examples=150, deadline=None)
@given(
    received=st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31)),
    amount=st.integers(min_value=1, max_value=60),
    later=st.integers(min_value=0, max_value=90),
    paused=st.booleans(),
)
def test_the_snapshot_plans_as_the_whole_calendar(
    received: date, amount: int, later: int, paused: bool
) -> None:
    reply = clk.start("reply", Unit.WORKING_DAYS, amount, _at(received))
    now = _at(received + timedelta(days=later), 15)
    if paused and later:
        reply = clk.pause(reply, "征求第三方意见", _at(received + timedelta(days=later // 2)))
    req = ClockPlanRequest(
        clocks={"reply": reply},
        rungs={"reply": RUNGS},
        now=now,
        last_action_at=now,
        inactivity_working_days=5,
    )
    first = min(received.year, now.year) - 1
    snapshot = snapshot_of(FULL, first, max(received.year, now.year) + 2)
    carried = CalendarSnapshot.model_validate_json(snapshot.model_dump_json())  # as in history
    assert plan_clocks(req, SnapshotCalendar(carried)) == plan_clocks(req, FULL)


def test_a_plan_past_the_snapshot_says_so() -> None:
    snapshot = snapshot_of(FULL, 2026, 2026)
    reply = clk.start("reply", Unit.WORKING_DAYS, 20, _at(date(2026, 12, 20)))
    req = ClockPlanRequest(clocks={"reply": reply}, now=_at(date(2026, 12, 21)))
    with pytest.raises(OutsideSnapshot):
        plan_clocks(req, SnapshotCalendar(snapshot))


def test_the_snapshot_keeps_the_stored_calendars_revision() -> None:
    snapshot = snapshot_of(FULL, 2025, 2028)
    assert SnapshotCalendar(snapshot).revision == FULL.revision
    # The certain statutory days of a provisional year travel with it (LAW.md §6B), and the
    # snapshot reads as one line in the Temporal UI.
    provisional = [y for y in range(2025, 2029) if y not in FULL.official_years]
    assert provisional and all(f"{y}-10-01h" in snapshot.certain for y in provisional)
    assert "\n" not in snapshot.model_dump_json(indent=2).split('"days": ')[1].split(",\n")[0]
