"""The board counts every open case by SQL, however many there are; its lists show the most
urgent LIST_LIMIT (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.workbench.board import LIST_LIMIT
from api.workbench.board import board_data as _board
from schemas.case import Actor, Role
from tests.fixtures.rows import case_row

SUPERVISOR = Actor(id="wang", name="王主任", role=Role.SUPERVISOR, agency="SZ-GT")


def test_counts_are_complete_beyond_the_list_limit(fresh_engine: Engine) -> None:
    now = datetime.now(UTC)
    rows = []
    for n in range(LIST_LIMIT + 50):  # red and overdue
        rows.append(("red", now - timedelta(days=1 + n % 9), date(2026, 9, 1)))
    for _ in range(7):  # green, due in three days
        rows.append(("green", now + timedelta(days=3), date(2026, 11, 2)))
    with Session(fresh_engine) as s:
        for n, (light, due, t0) in enumerate(rows, start=1):
            s.add(case_row(f"GK-2026-{n:06d}", light=light, t0=t0, due_at=due))
        # another agency's case is not counted for this supervisor
        s.add(case_row("OT-2026-000001", agency="OTHER", officer="zhao", light="red"))
        s.commit()
    board = _board(fresh_engine, SUPERVISOR, None, None, None)
    assert board["counts"] == {"red": LIST_LIMIT + 50, "green": 7}
    assert board["overdue_count"] == LIST_LIMIT + 50
    assert len(board["red"]) == len(board["overdue"]) == LIST_LIMIT
    dues = [r["due_at"] for r in board["overdue"]]
    assert dues == sorted(dues)  # most overdue first
    assert board["due_week_count"] == 7 and board["due_today_count"] == 0
    assert len(board["oldest"]) == 10
    assert board["by_kind"] == {"disclosure": LIST_LIMIT + 57}
    assert board["by_unit"] == {"": LIST_LIMIT + 57}  # none routed to a unit yet
    assert _board(fresh_engine, SUPERVISOR, None, None, None, unit="规划处")["counts"] == {}
    assert "<svg" in board["chart"]


def test_the_board_counts_open_cases_only_by_kind_unit_and_week(fresh_engine: Engine) -> None:
    """One grouped count gives the lights, kinds, units and the chart: closed cases of every
    kind and another agency's cases are left out, and every status is open or closed."""
    from schemas.registry import CLOSED, KINDS, LOST, OPEN

    every = {str(st) for spec in KINDS.values() for st in spec.status} | {LOST}
    assert OPEN | CLOSED == every and not OPEN & CLOSED
    t0 = date(2026, 11, 2)
    with Session(fresh_engine) as s:
        for n, (kind, status, light, unit) in enumerate(
            [
                ("disclosure", "accepted", "red", "规划处"),
                ("disclosure", "review", "green", "规划处"),
                ("inquiry", "received", "yellow", ""),
                ("disclosure", LOST, "red", "规划处"),  # its workflow lost: still counted
                ("disclosure", "replied", "red", "规划处"),  # closed
                ("inquiry", "answered", "green", ""),  # closed
                ("emergency", "closed", "green", ""),  # closed
            ],
            start=1,
        ):
            s.add(
                case_row(
                    f"GK-2026-{n:06d}", kind=kind, status=status, light=light, unit=unit, t0=t0
                )
            )
        s.add(case_row("OT-2026-000001", agency="OTHER", light="red", t0=t0))
        s.commit()
    board = _board(fresh_engine, SUPERVISOR, None, None, None)
    assert board["counts"] == {"red": 2, "green": 1, "yellow": 1}
    assert len(board["red"]) == 2  # the list and the count agree
    assert board["by_kind"] == {"disclosure": 3, "inquiry": 1}
    assert board["by_unit"] == {"规划处": 3, "": 1}
    assert "2026-11-02 绿灯 1件" in board["chart"]
    assert _board(fresh_engine, SUPERVISOR, None, "li", "inquiry")["counts"] == {"yellow": 1}


def test_the_board_reads_indexes_not_the_table(tmp_path: Path) -> None:
    """At 100,000 open cases the board took 1.2 s in eleven scans of the case table; its
    grouped count now reads one covering index and its lists seek theirs in order (migration
    0018). SQLite's plan says so (PostgreSQL chooses its plans from statistics of its own)."""
    from sqlalchemy import select

    from store.board import BoardFilter
    from store.db import make_engine, migrate
    from store.models import CaseRow

    sqlite = make_engine(f"sqlite:///{tmp_path / 'board.db'}")
    migrate(sqlite)
    f = BoardFilter("SZ-GT")
    grouped = (
        select(CaseRow.light)
        .where(*f.open_where())
        .group_by(
            CaseRow.status, CaseRow.agency, CaseRow.light, CaseRow.kind, CaseRow.unit, CaseRow.t0
        )
    )
    red = (
        select(CaseRow)
        .where(*f.where(), CaseRow.light == "red")
        .order_by(CaseRow.internal_due_at, CaseRow.case_no)
        .limit(100)
    )
    with sqlite.connect() as conn:

        def plan(q: object) -> str:
            compiled = q.compile(sqlite, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
            return " | ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))

        assert "COVERING INDEX ix_case_board" in plan(grouped)
        assert "TEMP B-TREE" not in plan(grouped)
        assert "ix_case_light_due" in plan(red) and "TEMP B-TREE" not in plan(red)
    sqlite.dispose()


def test_each_kind_reads_its_own_clock_labels() -> None:
    """A disclosure case's reply clock is 答复期限, not the inquiry's 留言答复期限 (the labels
    were once merged across kinds and the last one won)."""
    from schemas.registry import labels as clock_labels

    assert clock_labels("disclosure")["reply"] == "答复期限"
    assert clock_labels("inquiry")["reply"] == "留言答复期限"
    assert clock_labels("consultation")["legality_review"] == "合法性审查时间（不少于）"
    assert clock_labels("press_plan")["conference"] == "本季度新闻发布会"


def test_every_instant_in_an_answer_is_beijing_time() -> None:
    """Lists once said ``Z``, details ``+08:00``: now every instant reads +08:00."""
    from api.responses import beijing

    shown = beijing(
        {
            "due_at": "2026-10-19T15:59:59Z",
            "items": [{"at": "2026-10-19T15:59:59.5+00:00", "t0": "2026-09-15"}],
            "summary": "收到申请（当面提交）",
        }
    )
    assert shown["due_at"] == "2026-10-19T23:59:59+08:00"
    assert shown["items"][0] == {"at": "2026-10-19T23:59:59.500000+08:00", "t0": "2026-09-15"}
    assert shown["summary"] == "收到申请（当面提交）"
