"""Administrators' calendar changes: stored with an audit trail, applied on top of the seed, and
reachable through the `gongkai calendar` CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from console.cli import app
from rules.calendar import DayKind, YearStatus
from rules.notice import parse_notice
from store.calendar import import_notice, load_calendar, overrides, set_day

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_override_is_applied_and_audited(fresh_engine: Engine) -> None:
    before = load_calendar(fresh_engine)
    assert before.is_working_day(date(2026, 7, 15))
    set_day(
        fresh_engine,
        date(2026, 7, 15),
        DayKind.HOLIDAY,
        source="某市人民政府通告第3号",
        reason="台风停工",
        edited_by="admin-li",
        at=datetime(2026, 7, 14, 9, tzinfo=UTC),
    )
    after = load_calendar(fresh_engine)
    assert not after.is_working_day(date(2026, 7, 15))
    assert after.revision != before.revision
    (row,) = overrides(fresh_engine, year=2026)
    assert (row.edited_by, row.source, row.reason) == (
        "admin-li",
        "某市人民政府通告第3号",
        "台风停工",
    )
    # a reply clock started before the storm moves by one working day
    assert (
        after.nth_working_day(date(2026, 7, 1), 20).end
        > before.nth_working_day(date(2026, 7, 1), 20).end
    )


def test_override_needs_source_and_reason(fresh_engine: Engine) -> None:
    with pytest.raises(ValueError, match="依据"):
        set_day(
            fresh_engine,
            date(2026, 7, 15),
            DayKind.HOLIDAY,
            source="",
            reason="",
            edited_by="x",
            at=datetime.now(UTC),
        )
    assert overrides(fresh_engine) == []


def test_import_makes_year_official(fresh_engine: Engine) -> None:
    notice = parse_notice(FIXTURES / "notice-2027-example.toml")
    assert load_calendar(fresh_engine).year_status(2027) is YearStatus.PROVISIONAL
    n = import_notice(fresh_engine, notice, "admin", datetime(2026, 11, 10, tzinfo=UTC))
    assert n == 3 + 8 + 2 + 7 + 2
    cal = load_calendar(fresh_engine)
    assert cal.year_status(2027) is YearStatus.OFFICIAL
    assert not cal.is_working_day(date(2027, 2, 8))
    assert cal.is_working_day(date(2027, 2, 14))
    assert not cal.nth_working_day(date(2026, 12, 15), 20).provisional


def test_province_sees_national_days_plus_its_own(fresh_engine: Engine) -> None:
    set_day(
        fresh_engine,
        date(2026, 4, 20),
        DayKind.HOLIDAY,
        source="自治区规定",
        reason="民族节日",
        edited_by="admin",
        at=datetime.now(UTC),
        region="CN-65",
    )
    assert load_calendar(fresh_engine, "CN").is_working_day(date(2026, 4, 20))
    assert not load_calendar(fresh_engine, "CN-65").is_working_day(date(2026, 4, 20))
    assert not load_calendar(fresh_engine, "CN-65").is_working_day(date(2026, 10, 1))


def test_bad_notice_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "n.toml"
    bad.write_text(
        'year = 2027\nsource = "示例通知"\n[[holidays]]\nname="x"\nfrom=2027-01-03\nto=2027-01-01\n'
        "[[workdays]]\ndate=2027-01-05\n"
    )
    with pytest.raises(ValueError, match="早于开始日"):
        parse_notice(bad)


def test_cli_show_set_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    from gongkai.settings import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    res = runner.invoke(app, ["calendar", "show", "2026"])
    assert res.exit_code == 0, res.output
    assert "official" in res.output and "2026-10-10（周六，调休上班）" in res.output
    res = runner.invoke(app, ["calendar", "show", "2027"])
    assert "provisional" in res.output and "尚未公布" in res.output
    res = runner.invoke(
        app,
        [
            "calendar",
            "set",
            "2026-07-15",
            "holiday",
            "--source",
            "市政府通告",
            "--reason",
            "台风",
            "--by",
            "admin-wang",
            "--no-notify",
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["calendar", "show", "2026"])
    assert "admin-wang" in res.output and "2026-07-15" in res.output
    res = runner.invoke(
        app,
        [
            "calendar",
            "set",
            "2026-07-16",
            "sometimes",
            "--source",
            "s",
            "--reason",
            "r",
            "--no-notify",
        ],
    )
    assert res.exit_code != 0 and "holiday" in res.output
    res = runner.invoke(
        app, ["calendar", "import", str(FIXTURES / "notice-2027-example.toml"), "--no-notify"]
    )
    assert res.exit_code == 0, res.output
    assert "2027 (CN) is now official" in res.output
    res = runner.invoke(app, ["calendar", "show", "2027"])
    assert "official" in res.output and "春节" in res.output
    get_settings.cache_clear()
