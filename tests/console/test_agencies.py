"""`gongkai agencies` (console/agencies.py) as an administrator runs it: add with the GI
office's contacts and units, update some fields, list, disable and enable; what is too long or
malformed is refused in Chinese and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from console.cli import app
from gongkai.settings import get_settings
from store.agencies import agency_units
from store.cases import get_agency
from store.db import make_engine
from tests.fixtures.rows import case_row

ADD = [
    "agencies",
    "add",
    "SZ-GT",
    "--name",
    "某市规划和自然资源局",
    "--reconsideration-organ",
    "某市人民政府",
    "--court",
    "某市某区人民法院",
    "--case-prefix",
    "SZGT",
]


@pytest.fixture
def engine(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("GONGKAI_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")  # the table on one line per row
    get_settings.cache_clear()
    eng = make_engine(url)
    yield eng
    eng.dispose()
    get_settings.cache_clear()


def run(*args: str, code: int = 0) -> str:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.output


def test_add_with_contact_and_units(engine: Engine) -> None:
    out = run(
        *ADD,
        "--address",
        "某市某路1号",
        "--phone",
        "0755-12345678",
        "--hours",
        "工作日 9:00-12:00，14:00-17:30",
        "--fax",
        "0755-87654321",
        "--email",
        "gk@example.gov.cn",
        "--website",
        "https://gt.example.gov.cn",
        "--office-name",
        "某市规划和自然资源局办公室",
        "--unit",
        "规划处",
        "--unit",
        "法规科",
    )
    assert "已登记机关 SZ-GT" in out and "SZGT-年份-序号" in out
    agency = get_agency(engine, "SZ-GT")
    assert agency is not None
    assert (agency.address, agency.phone, agency.fax, agency.email) == (
        "某市某路1号",
        "0755-12345678",
        "0755-87654321",
        "gk@example.gov.cn",
    )
    assert agency.hours == "工作日 9:00-12:00，14:00-17:30"
    assert agency.website == "https://gt.example.gov.cn"
    assert agency.office_name == "某市规划和自然资源局办公室"
    assert agency_units(engine, "SZ-GT") == ["规划处", "法规科"]
    assert "已存在" in run(*ADD, code=2)  # changes go through update


def test_update_changes_only_what_is_given(engine: Engine) -> None:
    run(*ADD, "--address", "某市某路1号", "--unit", "规划处")
    out = run("agencies", "update", "SZ-GT", "--phone", "0755-12345678", "--no-four-eyes")
    assert "已修改机关 SZ-GT" in out
    agency = get_agency(engine, "SZ-GT")
    assert agency is not None
    assert (agency.address, agency.phone, agency.four_eyes) == (
        "某市某路1号",
        "0755-12345678",
        False,
    )
    assert agency_units(engine, "SZ-GT") == ["规划处"]
    run("agencies", "update", "SZ-GT", "--unit", "信息公开科", "--address", "")
    assert agency_units(engine, "SZ-GT") == ["信息公开科"]
    assert get_agency(engine, "SZ-GT").address == ""  # type: ignore[union-attr]
    run("agencies", "update", "SZ-GT", "--clear-units")
    assert agency_units(engine, "SZ-GT") == []
    assert "没有要修改的项" in run("agencies", "update", "SZ-GT", code=2)
    assert "没有机关代码“NOPE”" in run("agencies", "update", "NOPE", "--fax", "1", code=2)


def test_too_long_or_malformed_fields_are_refused_in_chinese(engine: Engine) -> None:
    out = run(*ADD, "--phone", "1" * 51, "--website", "javascript:alert(1)", code=2)
    assert "联系电话：不超过50个字符（现为51个）。" in out
    assert "网站：须以 http:// 或 https:// 开头" in out
    assert get_agency(engine, "SZ-GT") is None  # nothing stored
    out = run("agencies", "add", "X", "--name", "某局", code=2)
    assert "行政复议机关：不能为空。" in out and "行政诉讼管辖法院：不能为空。" in out
    assert "机关代码“某 局”无效" in run("agencies", "add", "某 局", code=2)
    run(*ADD)
    out = run("agencies", "update", "SZ-GT", "--unit", "处" * 101, code=2)
    assert "不超过100个字符（现为101个）" in out
    out = run("agencies", "update", "SZ-GT", *(f"--unit=科{n}" for n in range(101)), code=2)
    assert "承办单位：最多100个（现为101个）。" in out


def test_list_disable_and_enable(engine: Engine) -> None:
    run(*ADD, "--phone", "0755-12345678", "--unit", "规划处", "--unit", "法规科")
    run(*ADD[:2], "OTHER", *ADD[3:9], "--case-prefix", "OT")
    from store.cases import ensure_case_row

    ensure_case_row(engine, case_row("SZGT-2026-000001"))
    ensure_case_row(engine, case_row("SZGT-2026-000002"))
    ensure_case_row(engine, case_row("SZGT-2026-000003", status="archived"))

    out = run("agencies", "disable", "SZ-GT")
    assert "已停用机关 SZ-GT" in out and "已有案件照常办理" in out
    listed = run("agencies", "list")
    for heading in ("代码", "名称", "编号前缀", "联系方式", "承办单位", "状态", "在办案件"):
        assert heading in listed
    sz = next(line for line in listed.splitlines() if "SZ-GT" in line)
    assert "SZGT" in sz and "0755-12345678" in sz and "规划处、法规科" in sz
    assert "停用" in sz and sz.rstrip(" │").endswith("2")  # two open cases
    other = next(line for line in listed.splitlines() if "OTHER" in line)
    assert "启用" in other and "（未填写）" in other and "（未配置）" in other
    assert get_agency(engine, "SZ-GT").disabled_at is not None  # type: ignore[union-attr]

    assert "已启用机关 SZ-GT" in run("agencies", "enable", "SZ-GT")
    assert get_agency(engine, "SZ-GT").disabled_at is None  # type: ignore[union-attr]
    assert "没有机关代码“NOPE”" in run("agencies", "disable", "NOPE", code=2)
