"""A calendar change, in bulk, from the read model.

The statutory clock is pure (rules/clock.py: same clock, same calendar, same dates), and every
case's workflow projects its running clocks beside its row (``case_clocks``). So when the calendar
changes, every open deadline can be recomputed here in seconds, with no workflow involved:

- :func:`recompute` evaluates, on a calendar (the stored one, or a proposed one for a preview),
  every running clock whose window touches the changed days, and lists each due date that moves
  (old → new, per case and per clock), flagging the ones that would shorten a date already told
  to the applicant;
- :func:`apply` writes the new due dates into the rows, so the board shows them at once.

The running workflows then catch up at the rate the engine allows (workflows/broadcast.py); until
one has, its rows already show the new dates, and before any rung fires the workflow plans again
on the current calendar (workflows/casework.py), so nobody is escalated on a date that no longer
holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Engine

from rules.calendar import CalendarEntry, DayKind, Origin, WorkCalendar, local_date
from rules.clock import Clock, Reading, case_due, evaluate
from schemas.registry import CLOSED
from store.calendar import proposed_calendar
from store.models import CaseClocks, CaseRow

BATCH = 2_000
_CASE = CaseRow.__table__  # type: ignore[attr-defined]
_CLOCKS = CaseClocks.__table__  # type: ignore[attr-defined]


def clocks_json(
    region: str,
    due_clocks: list[str],
    clocks: Mapping[str, Clock],
    readings: Mapping[str, Reading],
    told: Mapping[str, date],
    internal_clocks: Sequence[str] = (),
) -> str:
    """What a case's row keeps of its running clocks: enough to recompute its due dates on any
    calendar, and to know quickly which calendar days can move them (anchor → due)."""
    return json.dumps(
        {
            "region": region,
            "due_clocks": due_clocks,
            **({"internal_clocks": list(internal_clocks)} if internal_clocks else {}),
            "clocks": {n: c.model_dump(mode="json") for n, c in clocks.items()},
            **_planned(clocks, readings),
            "told": {n: d.isoformat() for n, d in told.items()},
        },
        ensure_ascii=False,
    )


def _planned(clocks: Mapping[str, Clock], readings: Mapping[str, Reading]) -> dict[str, Any]:
    """Each clock's window (anchor day → due day) and due instant, as planned."""
    return {
        "window": {
            n: [c.anchor_date.isoformat(), _day(readings[n].due_at) if n in readings else None]
            for n, c in clocks.items()
        },
        "due": {
            n: r.due_at.isoformat() if r.due_at else None
            for n, r in readings.items()
            if n in clocks
        },
    }


def _day(at: datetime | None) -> str | None:
    return local_date(at).isoformat() if at is not None else None


@dataclass(frozen=True)
class Move:
    """One due date a calendar change moves."""

    case_no: str
    agency: str
    officer: str
    clock: str
    old_due_at: datetime | None
    new_due_at: datetime | None
    told: date | None  # the date the applicant was told, if any
    kind: str = ""  # the case's kind (its clocks' names are the kind's)

    @property
    def shortens_notice(self) -> bool:
        """Earlier than the date already told to the applicant."""
        return (
            self.told is not None
            and self.new_due_at is not None
            and local_date(self.new_due_at) < self.told
        )


@dataclass
class Recomputed:
    """What a calendar change does to the open cases, per case and per clock."""

    moves: list[Move] = field(default_factory=list)
    # The new values of every row that changes (due dates, internal due, provisional, clocks).
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    scanned: int = 0  # open cases looked at
    evaluated: int = 0  # of them, those whose clocks touch the changed days
    # Open cases whose rows hold no clocks yet (opened before the read model kept them): not
    # previewed; their workflows plan on the new calendar when told, or before any rung.
    unplanned: int = 0

    @property
    def shortening(self) -> list[Move]:
        return [m for m in self.moves if m.shortens_notice]


def _open_rows(engine: Engine, agency: str | None) -> Iterator[Any]:
    query = (
        select(
            _CASE.c.case_no,
            _CASE.c.kind,
            _CASE.c.agency,
            _CASE.c.officer,
            _CASE.c.due_at,
            _CASE.c.internal_due_at,
            _CASE.c.provisional,
            _CLOCKS.c.clocks,
        )
        .join(_CLOCKS, _CLOCKS.c.case_no == _CASE.c.case_no)
        .where(_CLOCKS.c.clocks != "", _CASE.c.status.not_in(CLOSED))
    )
    if agency is not None:
        query = query.where(_CASE.c.agency == agency)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
        yield from result


def _unplanned(engine: Engine, agency: str | None) -> int:
    query = (
        select(func.count())
        .select_from(_CASE.outerjoin(_CLOCKS, _CLOCKS.c.case_no == _CASE.c.case_no))
        .where(
            _CLOCKS.c.case_no.is_(None), _CASE.c.due_at.is_not(None), _CASE.c.status.not_in(CLOSED)
        )
    )
    if agency is not None:
        query = query.where(_CASE.c.agency == agency)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def recompute(
    engine: Engine,
    calendar: WorkCalendar | Callable[[str], WorkCalendar],
    first: date,
    last: date,
    now: datetime,
    agency: str | None = None,
    region: str | None = None,
) -> Recomputed:
    """Every open case whose running clocks' windows (anchor → due) touch the changed days
    ``first``..``last`` of ``region`` (and of its provinces: CN-65 counts CN's days), evaluated
    as of ``now`` on ``calendar`` — or, given a function, on each case's region's calendar:
    which due dates move."""
    calendars: dict[str, WorkCalendar] = {}

    def calendar_of(case_region: str) -> WorkCalendar:
        if isinstance(calendar, WorkCalendar):
            return calendar
        if case_region not in calendars:
            calendars[case_region] = calendar(case_region)
        return calendars[case_region]

    changed = region or (calendar.region if isinstance(calendar, WorkCalendar) else "CN")
    out = Recomputed(unplanned=_unplanned(engine, agency))
    for row in _open_rows(engine, agency):
        data = json.loads(row.clocks)
        case_region = data.get("region", "CN")
        if not data.get("clocks") or not (
            case_region == changed or case_region.startswith(changed + "-")
        ):
            continue
        out.scanned += 1
        if not any(_touches(w, first, last) for w in data.get("window", {}).values()):
            continue
        out.evaluated += 1
        clocks = {n: Clock.model_validate(c) for n, c in data["clocks"].items()}
        on = calendar_of(case_region)
        readings = {n: evaluate(c, on, now) for n, c in clocks.items()}
        told = {n: date.fromisoformat(d) for n, d in data.get("told", {}).items()}
        moved = False
        for name, reading in readings.items():
            old = data["due"].get(name)
            old_at = datetime.fromisoformat(old) if old else None
            if reading.due_at != old_at:
                moved = True
                out.moves.append(
                    Move(
                        row.case_no,
                        row.agency,
                        row.officer,
                        name,
                        old_at,
                        reading.due_at,
                        told.get(name),
                        row.kind,
                    )
                )
        due = case_due(data["due_clocks"], clocks, readings, data.get("internal_clocks", ()))
        if (
            moved
            or due.due_at != row.due_at
            or due.internal_due_at != row.internal_due_at
            or due.provisional != row.provisional
        ):
            data.update(_planned(clocks, readings))
            out.rows[row.case_no] = {
                "due_at": due.due_at,
                "internal_due_at": due.internal_due_at,
                "provisional": due.provisional,
                "clocks": json.dumps(data, ensure_ascii=False),
                "old_clocks": row.clocks,  # written only if the case has not moved on since
            }
    return out


def _touches(window: list[str | None], first: date, last: date) -> bool:
    """Can a change to the days ``first``..``last`` move a clock running from ``window[0]`` and
    due on ``window[1]``? Not when every changed day is after its due day (the days it counted
    are unchanged) or on or before its anchor day (counting starts the day after). A paused
    clock (no due day) always can."""
    anchor, due = window
    if due is None:
        return True
    return last > date.fromisoformat(anchor or "0001-01-01") and first <= date.fromisoformat(due)


def apply(engine: Engine, recomputed: Recomputed) -> int:
    """Write the recomputed rows (in batches); returns how many rows changed."""
    items = list(recomputed.rows.items())
    # Only where the case has not moved on since it was read (its clocks are as they were).
    clocks = (
        update(_CLOCKS)
        .where(_CLOCKS.c.case_no == bindparam("key"), _CLOCKS.c.clocks == bindparam("old_clocks"))
        .values(clocks=bindparam("clocks"))
    )
    row = (
        update(_CASE)
        .where(_CASE.c.case_no == bindparam("key"))
        .values(
            due_at=bindparam("due_at"),
            internal_due_at=bindparam("internal_due_at"),
            provisional=bindparam("provisional"),
        )
    )
    written = 0
    for i in range(0, len(items), BATCH):
        with engine.begin() as conn:
            for key, values in items[i : i + BATCH]:
                params = {"key": key, **values}
                if conn.execute(clocks, params).rowcount:
                    conn.execute(row, params)
                    written += 1
    return written


def preview_day(
    engine: Engine,
    region: str,
    day: date,
    kind: DayKind,
    now: datetime,
    *,
    name: str = "",
    agency: str | None = None,
) -> Recomputed:
    """What making ``day`` a holiday (or a working day) would do to the open deadlines, before
    anything is stored."""
    entry = CalendarEntry(day, kind, name or day.isoformat(), Origin.OVERRIDE, "预览", "预览")
    return recompute(
        engine,
        lambda r: proposed_calendar(engine, r, [entry]),
        day,
        day,
        now,
        agency,
        region=region,
    )


def refusal(recomputed: Recomputed, limit: int = 20) -> str:
    """Why a change that shortens deadlines already told to applicants is refused (Chinese)."""
    cases = sorted({m.case_no for m in recomputed.shortening})
    listed = "、".join(
        f"{m.case_no}（{m.clock}：已告知{m.told}，将变为{_day(m.new_due_at)}）"
        for m in recomputed.shortening[:limit]
    )
    more = f"等{len(cases)}件" if len(cases) > limit else ""
    return (
        f"该调整将提前{len(cases)}件案件已告知申请人的期限：{listed}{more}。"
        "如确需调整，请写明理由（--override-reason / override_reason）后再提交。"
    )
