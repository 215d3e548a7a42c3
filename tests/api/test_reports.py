"""GET /v1/reports/annual/{year} and `gongkai report annual` over a real read model (the cases
of tests/store/test_report.py, written through the projection activity)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from console.cli import app as cli
from gongkai.settings import Settings, get_settings
from store.db import make_engine, migrate
from store.report import COLUMNS
from store.users import add_user
from tests.store.test_report import AGENCY, EXPECTED_2025, OTHER_AGENCY, seed_cases


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, dict[str, str]]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    settings = Settings(var_dir=tmp_path, temporal_address="127.0.0.1:1")  # no Temporal needed
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        seed_cases(engine)
        tokens = {}
        for username, role, agency in (
            ("li", "officer", AGENCY),
            ("wang", "supervisor", AGENCY),
            ("qian", "supervisor", OTHER_AGENCY),
            ("root", "superadmin", OTHER_AGENCY),
        ):
            _, token = add_user(engine, username, username, agency, role, datetime.now(UTC), "t")
            tokens[username] = {"authorization": f"Bearer {token}"}
        yield Api(client, tokens)


def test_no_token_is_401(api: Api) -> None:
    res = api.client.get("/v1/reports/annual/2025")
    assert res.status_code == 401


def test_officers_and_other_agencies_supervisors_are_refused(api: Api) -> None:
    res = api.client.get("/v1/reports/annual/2025", headers=api.tokens["li"])
    assert res.status_code == 403 and "负责人和管理员" in res.json()["detail"]
    res = api.client.get(
        "/v1/reports/annual/2025", params={"agency": AGENCY}, headers=api.tokens["qian"]
    )
    assert res.status_code == 403 and f"本机关（{OTHER_AGENCY}）的年度报告" in res.text


def test_supervisor_gets_own_agency_as_json(api: Api) -> None:
    res = api.client.get("/v1/reports/annual/2025", headers=api.tokens["wang"])
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("application/json")
    body = res.json()
    assert body["agency"] == AGENCY and body["year"] == 2025 and body["year_complete"]
    counts = {line["key"]: line["count"] for line in body["lines"] if line["count"] is not None}
    assert counts == EXPECTED_2025
    assert body["columns"] == list(COLUMNS)


def test_a_cross_agency_administrator_names_the_agency(api: Api) -> None:
    res = api.client.get(
        "/v1/reports/annual/2026", params={"agency": AGENCY}, headers=api.tokens["root"]
    )
    assert res.status_code == 200, res.text
    assert res.json()["agency_name"] == "某市规划和自然资源局"
    res = api.client.get("/v1/reports/annual/2026", headers=api.tokens["root"])  # own agency
    assert res.status_code == 200 and res.json()["agency"] == OTHER_AGENCY
    res = api.client.get(
        "/v1/reports/annual/2026", params={"agency": "NOPE"}, headers=api.tokens["root"]
    )
    assert res.status_code == 404 and "Unknown agency 'NOPE'" in res.json()["detail"]


@pytest.mark.parametrize(("year", "words"), [(2018, "first year is 2019"), (2999, "not begun")])
def test_year_out_of_range_is_422(api: Api, year: int, words: str) -> None:
    res = api.client.get(f"/v1/reports/annual/{year}", headers=api.tokens["wang"])
    assert res.status_code == 422 and words in res.json()["detail"]


def test_csv_by_parameter_and_by_accept_header(api: Api) -> None:
    res = api.client.get(
        "/v1/reports/annual/2025", params={"format": "csv"}, headers=api.tokens["wang"]
    )
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    assert f"annual-report-{AGENCY}-2025.csv" in res.headers["content-disposition"]
    lines = res.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "key,项目,自然人,商业企业,科研机构,社会公益组织,法律服务机构,其他,总计"
    assert "received,一、本年新收政府信息公开申请数量,5,0,0,0,0,0,5" in lines
    assert "carried_forward,四、结转下年度继续办理,3,0,0,0,0,0,3" in lines
    res = api.client.get(
        "/v1/reports/annual/2025",
        headers={**api.tokens["wang"], "accept": "application/json;q=0.5, text/csv"},
    )
    assert res.headers["content-type"].startswith("text/csv")


def test_html_contains_the_table(api: Api) -> None:
    res = api.client.get(
        "/v1/reports/annual/2025", params={"format": "html"}, headers=api.tokens["wang"]
    )
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/html")
    html = res.text
    assert '<table class="annual-report">' in html
    assert "三、收到和处理政府信息公开申请情况" in html
    assert '<tr data-key="total"' in html and "（七）总计" in html
    assert "自然人" in html  # the footer says why there is only a total column


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GONGKAI_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate(engine)
    seed_cases(engine)
    engine.dispose()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_writes_csv_html_and_prints_the_table(cli_db: Path) -> None:
    runner = CliRunner()
    out = cli_db / "r.csv"
    res = runner.invoke(
        cli,
        ["report", "annual", "2025", "--agency", AGENCY, "--format", "csv", "--output", str(out)],
    )
    assert res.exit_code == 0, res.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert (
        lines[0] == "key,项目,自然人,商业企业,科研机构,社会公益组织,法律服务机构,其他,总计"
        and "total,（七）总计,3,0,0,0,0,0,3" in lines
    )
    page = cli_db / "r.html"
    res = runner.invoke(
        cli,
        ["report", "annual", "2025", "--agency", AGENCY, "--format", "html", "--output", str(page)],
    )
    assert res.exit_code == 0, res.output
    assert '<table class="annual-report">' in page.read_text(encoding="utf-8")
    res = runner.invoke(cli, ["report", "annual", "2025", "--agency", AGENCY])
    assert res.exit_code == 0, res.output
    assert "一、本年新收政府信息公开申请数量\t5\t0\t0\t0\t0\t0\t5" in res.output


def test_art50_the_cli_reports_by_applicant_type_and_all_six_parts(cli_db: Path) -> None:
    """Part 三 on the terminal has the 30号 column groups (申请人情况; 自然人, 法人或其他组织 over
    its five kinds, 总计); --full gives the whole report, in every format."""
    runner = CliRunner()
    res = runner.invoke(cli, ["report", "annual", "2025", "--agency", AGENCY])
    lines = res.output.splitlines()
    assert lines[1] == "\t申请人情况"
    assert lines[2] == "\t自然人\t法人或其他组织\t\t\t\t\t总计"
    assert lines[3] == "项目\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计"
    res = runner.invoke(cli, ["report", "annual", "2025", "--agency", AGENCY, "--full"])
    assert res.exit_code == 0, res.output
    parts = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    parts += ["四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况"]
    parts += ["六、其他需要报告的事项"]
    assert all(p in res.output for p in parts)
    assert "第二十条第（一）项\t本年制发件数\t本年废止件数\t现行有效件数" in res.output
    assert "\t申请人情况" in res.output and "法人或其他组织" in res.output
    for fmt, marker in (
        ("csv", "行政事业性收费"),
        ("html", 'id="part-4-table"'),
        ("json", '"remedies"'),
    ):
        out = cli_db / f"full.{fmt}"
        res = runner.invoke(
            cli,
            [
                "report",
                "annual",
                "2025",
                "--agency",
                AGENCY,
                "--full",
                "--format",
                fmt,
                "--output",
                str(out),
            ],
        )
        assert res.exit_code == 0, res.output
        assert marker in out.read_text(encoding="utf-8-sig")


def test_cli_refuses_unknown_agency_and_bad_year(cli_db: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["report", "annual", "2025", "--agency", "NOPE"])
    assert res.exit_code == 2 and "Unknown agency 'NOPE'" in res.output
    res = runner.invoke(cli, ["report", "annual", "2018", "--agency", AGENCY])
    assert res.exit_code == 2 and "first year is 2019" in res.output
    res = runner.invoke(cli, ["report", "annual", "2025", "--agency", AGENCY, "--format", "pdf"])
    assert res.exit_code == 2 and "format must be" in res.output
