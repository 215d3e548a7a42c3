"""A calendar change recomputed in bulk from the read model (store/recompute.py): the preview
lists every due date that would move (old → new, per case and per clock) and stores nothing;
a change shortening a date told to the applicant is flagged (and refused by the CLI unless
overridden with a reason); applying it writes the new dates into the rows; cases whose windows
do not touch the changed day are not evaluated."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules import clock as clk
from rules.calendar import DayKind, due_instant, local_date
from rules.clock import ClockPolicy, Unit, case_due, evaluate
from store.calendar import load_calendar
from store.models import CaseClocks, CaseRow
from store.recompute import apply, clocks_json, preview_day, recompute, refusal
from tests.fixtures.scenario import YEAR, at

NOW = at(YEAR, 3, 2, 9)


def _case(
    engine: Engine, no: str, received: datetime, told: date | None = None, region: str = "CN"
) -> CaseRow:
    cal = load_calendar(engine)
    reply = clk.start(
        "reply", Unit.WORKING_DAYS, 20, received, basis="条例第三十三条", policy=ClockPolicy()
    )
    readings = {"reply": evaluate(reply, cal, NOW)}
    due = case_due(["reply"], {"reply": reply}, readings)
    row = CaseRow(
        case_no=no,
        kind="disclosure",
        agency="SZ-GT",
        officer="li",
        status="registered",
        light="green",
        due_at=due.due_at,
        internal_due_at=due.internal_due_at,
        provisional=due.provisional,
        created_at=NOW,
        updated_at=NOW,
    )
    clocks = clocks_json(
        region, ["reply"], {"reply": reply}, readings, {"reply": told} if told else {}
    )
    with Session(engine) as s:
        s.add(row)
        s.add(CaseClocks(case_no=no, clocks=clocks))
        s.commit()
        s.refresh(row)
    return row


def test_preview_lists_each_move_stores_nothing_and_apply_writes_the_rows(
    fresh_engine: Engine,
) -> None:
    cal = load_calendar(fresh_engine)
    running = _case(fresh_engine, "GK-2026-000001", at(YEAR, 2, 25))
    ended = _case(fresh_engine, "GK-2026-000002", at(YEAR - 1, 11, 2))  # due long before
    old_due = local_date(running.due_at) if running.due_at else None
    assert old_due is not None
    closure = cal.nth_working_day(local_date(at(YEAR, 2, 25)), 10).end
    # A case of an autonomous region counts the national days too (CN-65 ⊂ CN).
    xinjiang = _case(fresh_engine, "GK-2026-000009", at(YEAR, 2, 25), region="CN-65")
    preview = preview_day(fresh_engine, "CN", closure, DayKind.HOLIDAY, NOW)
    assert preview.scanned == 3 and preview.evaluated == 2  # the ended one is not evaluated
    assert {m.case_no for m in preview.moves} == {running.case_no, xinjiang.case_no}
    (move,) = [m for m in preview.moves if m.case_no == running.case_no]
    assert move.case_no == running.case_no and move.clock == "reply"
    assert move.old_due_at == due_instant(old_due)
    assert move.new_due_at is not None and local_date(move.new_due_at) > old_due
    assert not preview.shortening
    assert load_calendar(fresh_engine).is_working_day(closure)  # nothing stored
    # The same change stored: recomputed on the stored calendar and written to the rows.
    from store.calendar import set_day

    set_day(
        fresh_engine,
        closure,
        DayKind.HOLIDAY,
        source="市政府通告",
        reason="寒潮停工",
        edited_by="admin",
        at=datetime.now(UTC),
    )
    stored = load_calendar(fresh_engine)
    assert (
        local_date(move.new_due_at) == stored.nth_working_day(local_date(at(YEAR, 2, 25)), 20).end
    )
    done = recompute(fresh_engine, stored, closure, closure, NOW)
    assert done.moves == preview.moves  # the preview said exactly this
    assert apply(fresh_engine, done) == 2
    with Session(fresh_engine) as s:
        row = s.get(CaseRow, running.case_no)
        untouched = s.get(CaseRow, ended.case_no)
        kept = s.get(CaseClocks, running.case_no)
    assert row is not None and row.due_at == move.new_due_at
    assert kept is not None and str(local_date(move.new_due_at)) in kept.clocks
    assert untouched is not None and untouched.due_at == ended.due_at
    # Recomputing again finds nothing left to move.
    assert recompute(fresh_engine, load_calendar(fresh_engine), closure, closure, NOW).moves == []


def test_a_change_shortening_a_told_date_is_flagged_and_the_cli_refuses_it_without_a_reason(
    fresh_engine: Engine, db_url: str
) -> None:
    cal = load_calendar(fresh_engine)
    received = at(YEAR, 2, 25)
    row = _case(fresh_engine, "GK-2026-000003", received)
    assert row.due_at is not None
    told = local_date(row.due_at)
    row = _case(fresh_engine, "GK-2026-000004", received, told=told)
    # A Saturday inside the window becomes a working day: the due date comes a day earlier.
    saturday = local_date(received) + timedelta(days=(5 - local_date(received).weekday()) % 7)
    assert not cal.is_working_day(saturday)
    preview = preview_day(fresh_engine, "CN", saturday, DayKind.MAKEUP_WORKDAY, NOW)
    assert {m.case_no for m in preview.moves} == {"GK-2026-000003", "GK-2026-000004"}
    (short,) = preview.shortening
    assert short.case_no == "GK-2026-000004" and short.told == told
    assert "GK-2026-000004" in refusal(preview) and "理由" in refusal(preview)

    env = {**os.environ, "GONGKAI_DATABASE_URL": db_url, "COLUMNS": "200"}
    base = [sys.executable, "-m", "console.cli", "calendar", "set", str(saturday), "workday"]
    base += ["--source", "市政府通知", "--reason", "调休补班", "--no-notify"]
    dry = subprocess.run([*base, "--dry-run"], env=env, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "GK-2026-000004" in dry.stdout and "nothing stored" in dry.stdout
    assert "1 earlier than told" in dry.stdout
    refused = subprocess.run(base, env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "GK-2026-000004" in refused.stderr
    assert not load_calendar(fresh_engine).is_working_day(saturday)  # nothing stored
    done = subprocess.run(
        [*base, "--override-reason", "上级通知已另行告知申请人"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert load_calendar(fresh_engine).is_working_day(saturday)
    assert "read model: 2 open cases show their new due dates" in done.stdout
    with Session(fresh_engine) as s:
        moved = s.get(CaseRow, "GK-2026-000004")
    assert moved is not None and moved.due_at is not None and local_date(moved.due_at) < told


async def test_one_digest_per_agency_tells_the_officers_what_a_change_moved(
    fresh_engine: Engine,
) -> None:
    """Thousands of moved deadlines make one e-mail per agency to its officers' mailbox, most
    urgent first, with each case's officer and old → new; written to the outbox once (a retry
    of the change writes nothing twice)."""
    from sqlmodel import select

    from activities.notify import deliver_all
    from gongkai.settings import Settings
    from store.digest import digests
    from store.models import Agency, OutboxRow

    with Session(fresh_engine) as s:
        s.add(
            Agency(
                code="SZ-GT",
                name="某市规划和自然资源局",
                reconsideration_organ="某市人民政府",
                court="某区人民法院",
                officer_email="gk-officers@example.gov.cn",
            )
        )
        s.commit()
    from store.users import add_user

    add_user(fresh_engine, "li", "李四", "SZ-GT", "officer", NOW, "admin")
    received = at(YEAR, 2, 25)
    for no in ("GK-2026-000007", "GK-2026-000008"):
        _case(fresh_engine, no, received)
    saturday = local_date(received) + timedelta(days=(5 - local_date(received).weekday()) % 7)
    preview = preview_day(fresh_engine, "CN", saturday, DayKind.MAKEUP_WORKDAY, NOW)
    (note,) = digests(fresh_engine, preview, "调休补班", "CN", NOW)
    assert note.key == f"calendar:CN:{NOW.astimezone(UTC).isoformat()}:SZ-GT"
    assert note.recipient == "gk-officers@example.gov.cn" and note.recipient_role == "officer"
    assert "2件案件期限调整" in note.subject
    lines = note.body.splitlines()
    assert "调休补班" in lines[0] and "2件" in lines[0]
    assert lines[1].startswith("GK-2026-000007（经办人李四）答复期限：")
    old, new = (local_date(d) for d in (preview.moves[0].old_due_at, preview.moves[0].new_due_at))
    assert (
        f"{old.year}年{old.month}月{old.day}日 → {new.year}年{new.month}月{new.day}日" in lines[1]
    )
    assert await deliver_all(fresh_engine, Settings(), [note]) == ["pending"]  # no SMTP here
    assert await deliver_all(fresh_engine, Settings(), [note]) == ["pending"]  # not twice
    with Session(fresh_engine) as s:
        rows = s.exec(select(OutboxRow).where(OutboxRow.key == note.key)).all()
    assert len(rows) == 1 and rows[0].status == "pending"  # no SMTP configured here
    assert digests(fresh_engine, type(preview)(), "无", "CN", NOW) == []  # nothing moved
