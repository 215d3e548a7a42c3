"""Bad input gets a clear 4xx and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from api.app import create_app
from gongkai.settings import Settings
from store.cases import ensure_case_row, put_agency
from store.models import Agency, CaseEventRow, CaseNumber, CaseRow, PublicComment
from store.users import add_user
from tests.fixtures.rows import case_row


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(
        create_app(Settings(var_dir=tmp_path, temporal_address="127.0.0.1:1")),
        raise_server_exceptions=False,
    ) as c:
        yield c


@pytest.mark.parametrize("start", ["9999-12-20", "0001-01-01", "1989-12-31", "2101-01-01"])
def test_dates_far_in_the_past_or_future_are_refused(client: TestClient, start: str) -> None:
    res = client.get("/v1/deadlines", params={"start": start, "n": 1000})
    assert res.status_code == 422
    assert "超出可计算的日期范围" in res.json()["detail"]


def test_oversized_body_is_refused_before_anything_runs(client: TestClient) -> None:
    res = client.post(
        "/v1/disclosure-requests",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert res.status_code == 413
    assert "最大为 1024 KiB" in res.json()["detail"]


def test_non_utf8_and_wrong_types_are_refused(client: TestClient) -> None:
    res = client.post(
        "/v1/cases/GK-2026-000001/actions/accept",
        content=b"\xff\xfe\x00",
        headers={"content-type": "application/json", "authorization": "Bearer gk_x"},
    )
    assert res.status_code in (400, 401, 422)
    res = client.get("/v1/deadlines", params={"start": "2026-09-15", "n": "twenty"})
    assert res.status_code == 422 and "'n'" in res.json()["detail"]


# -- an officer's bad input, on an app whose refusals must never reach Temporal -------------


class NoTemporal:
    """Stands where the Temporal client would: any use of it is a refused input getting
    through (the route answers 500 and the test fails)."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a refused request reached Temporal ({name})")


CASE = "GK-2026-000001"  # registered
# Cases in the status each action needs: a step not allowed now is refused (409) before its
# body is even read, so body checks need a case where the step is allowed.
IN_STATUS = {
    "assigned": "GK-2026-000002",
    "consulting": "GK-2026-000003",
    "explanation_pending": "GK-2026-000004",
}
NOW = datetime(2026, 11, 2, tzinfo=UTC)
REPLIED = "GK-2026-000005"  # replied on 2026-03-02
OPEN_LATE = "GK-2026-000006"  # no reply; its period ran out on 2026-03-03
APPLICATION = {
    "agency": "SZ-GT",
    "channel": "in_person",
    "applicant": {"name": "张三"},
    "description": "2025年某地块建设工程规划许可证及附图",
}


@dataclass
class Officer:
    http: TestClient
    engine: Engine
    headers: dict[str, str]

    def written(self) -> tuple[int, ...]:
        """How many case numbers, case rows, events and comments there are."""
        with Session(self.engine) as s:
            return tuple(
                s.exec(select(func.count()).select_from(table)).one()
                for table in (CaseNumber, CaseRow, CaseEventRow, PublicComment)
            )

    def refused(
        self,
        method: str,
        path: str,
        status: int | set[int],
        *words: str,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> str:
        """Send it; it must be refused with ``status`` as problem+json whose message holds
        every one of ``words``, and nothing may have been written."""
        before = self.written()
        res = self.http.request(method, path, headers={**self.headers, **(headers or {})}, **kw)
        allowed = {status} if isinstance(status, int) else status
        assert res.status_code in allowed, (res.status_code, res.text)
        assert res.headers["content-type"] == "application/problem+json", res.text
        detail = str(res.json()["detail"])
        for word in words:
            assert word in detail, detail
        assert self.written() == before
        return detail


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def officer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Officer]:
    """One app for the module: refused requests write nothing, so they cannot interfere. On
    both read-model backends: PostgreSQL refuses what SQLite stores (NUL bytes, over-long
    strings), so a value the API let through would fail there for ever (finding 8)."""
    var = tmp_path_factory.mktemp("illegal")
    url = request.getfixturevalue("postgres").new_database() if request.param != "sqlite" else None
    settings = Settings(var_dir=var, database_url=url)
    app = create_app(settings, temporal=NoTemporal())  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as http:
        engine = app.state.engine
        put_agency(
            engine,
            Agency(
                code="SZ-GT",
                name="某市规划和自然资源局",
                reconsideration_organ="某市人民政府",
                court="某市某区人民法院",
            ),
        )
        _, token = add_user(engine, "li.officer", "李经办", "SZ-GT", "officer", NOW, "test")
        ensure_case_row(engine, case_row(CASE, officer="li.officer", status="registered"))
        for status, number in IN_STATUS.items():
            ensure_case_row(engine, case_row(number, officer="li.officer", status=status))
        ensure_case_row(
            engine,
            case_row(
                REPLIED,
                officer="li.officer",
                status="remedy_window",
                outcome="GRANTED",
                t0=date(2026, 2, 2),
                concluded_on=date(2026, 3, 2),
            ),
        )
        ensure_case_row(
            engine,
            case_row(
                OPEN_LATE,
                officer="li.officer",
                status="assigned",
                t0=date(2026, 2, 2),
                due_at=datetime(2026, 3, 3, 15, 59, 59, tzinfo=UTC),  # 2026-03-03 Beijing
            ),
        )
        yield Officer(http, engine, {"authorization": f"Bearer {token}"})


JSON = {"content-type": "application/json"}
SEND_JSON = ("JSON 对象", "UTF-8", "Content-Type: application/json")
STARTS = [
    ("/v1/disclosure-requests", APPLICATION),
    (
        "/v1/inquiries",
        {
            "agency": "SZ-GT",
            "category": "consultation",
            "person": {"name": "李四"},
            "subject": "公交",
            "message": "何时恢复？",
            "unit": "交通运输局",
        },
    ),
    ("/v1/emergencies", {"agency": "SZ-GT", "grade": "general", "title": "某路段塌陷"}),
]


@pytest.mark.parametrize(
    "path", ["/v1/disclosure-requests", f"/v1/cases/{CASE}/actions/accept", "/v1/emergencies"]
)
@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe", b"\xff\xfe\x00", '{"description": "caf\xe9"}'.encode("latin-1"), b"\xc3\x28"],
    ids=["utf16-bom", "utf16-truncated", "latin1", "bad-utf8"],
)
def test_non_utf8_bodies_are_refused_with_what_to_send(
    officer: Officer, path: str, body: bytes
) -> None:
    officer.refused("POST", path, {400, 422}, *SEND_JSON, content=body, headers=JSON)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_without_the_json_content_type_is_refused(
    officer: Officer, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    content = json.dumps(APPLICATION).encode()
    for path in ("/v1/disclosure-requests", f"/v1/cases/{CASE}/actions/accept"):
        officer.refused(
            "POST", path, 422, "必须是一个 JSON 对象", *SEND_JSON, content=content, headers=headers
        )


def test_malformed_json_says_where(officer: Officer) -> None:
    officer.refused(
        "POST",
        "/v1/disclosure-requests",
        422,
        "不是合法的 JSON",
        "第11个字符",
        content=b'{"agency": ',
        headers=JSON,
    )
    officer.refused("POST", "/v1/disclosure-requests", 422, "缺少请求体", headers=JSON)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"applicant": "张三"}, ["'applicant'", "应为对象", "'张三'"]),
        ({"channel": 5}, ["'channel'", "'in_person'", "收到 5"]),
        ({"description": ["一", "二"]}, ["'description'", "应为文字"]),
        ({"agency": None}, ["'agency'", "应为文字"]),
        ({"received_at": True}, ["'received_at'", "不是有效的时间"]),
        ({"applicant": {"phone": "138"}}, ["'applicant.name'", "缺少必填项"]),
    ],
)
def test_wrong_json_types_name_the_field(
    officer: Officer, change: dict[str, Any], words: list[str]
) -> None:
    officer.refused("POST", "/v1/disclosure-requests", 422, *words, json={**APPLICATION, **change})


def test_wrong_types_in_an_action_name_the_field(officer: Officer) -> None:
    officer.refused(
        "POST",
        f"/v1/cases/{CASE}/actions/request-correction",
        422,
        "'items'",
        "应为列表",
        json={"items": "请写明地块编号"},
    )
    officer.refused(
        "POST", f"/v1/cases/{CASE}/actions/accept", 422, "必须是一个 JSON 对象", json=["accept"]
    )


def test_huge_numbers_are_refused_with_the_limit(officer: Officer) -> None:
    huge = 10**30
    officer.refused(
        "GET", "/v1/deadlines", 422, "'n'", "1000", params={"start": "2026-09-15", "n": huge}
    )
    officer.refused("GET", "/v1/cases", 422, "'limit'", "500", params={"limit": huge})
    officer.refused("GET", "/v1/cases", 422, "'offset'", params={"offset": -huge})
    officer.refused(
        "POST",
        "/v1/press-conference-plans",
        422,
        "'year'",
        "2099",
        json={"agency": "SZ-GT", "year": huge},
    )
    officer.refused(
        "POST",
        f"/v1/cases/{CASE}/actions/request-correction",
        422,
        "'period_working_days'",
        "60",
        json={"items": ["x"], "period_working_days": huge},
    )
    officer.refused(
        "POST",
        "/v1/disclosure-requests",
        422,
        "'received_at'",
        "9999",
        json={**APPLICATION, "received_at": huge},
    )
    officer.refused(
        "POST",
        "/v1/disclosure-requests",
        422,
        "'received_at'",
        content=b'{"agency": "SZ-GT", "received_at": 1e999}',
        headers=JSON,
    )


def test_unknown_outcome_codes_and_actions_are_refused_with_the_known_ones(
    officer: Officer,
) -> None:
    officer.refused(
        "POST",
        f"/v1/cases/{IN_STATUS['assigned']}/actions/submit-for-review",
        422,
        "'reply.outcome'",
        "'GRANTED'",
        json={"reply": {"outcome": "MAYBE_LATER"}},
    )
    officer.refused(
        "POST",
        f"/v1/cases/{IN_STATUS['consulting']}/actions/record-consultation-answer",
        422,
        "'answer'",
        "'consent'",
        json={"answer": "perhaps"},
    )
    officer.refused(
        "POST",
        f"/v1/cases/{CASE}/actions/approve-everything",
        404,
        "没有“approve-everything”这一操作",
        "accept",
        json={},
    )


@pytest.mark.parametrize(("path", "body"), STARTS, ids=["disclosure", "inquiry", "emergency"])
@pytest.mark.parametrize(
    ("moment", "words"),
    [
        ("0001-01-01T00:00:00+14:00", ["2000年至2099年"]),
        ("9999-12-31T23:59:59-12:00", ["2000年至2099年"]),
        ("9999-12-31T00:00:00", ["2000年至2099年"]),
        ("2999-01-01", ["2000年至2099年"]),
        ("2098-01-01", ["in the future", "2098-01-01 00:00 Beijing time"]),
        ("1900-01-01T09:00:00+08:00", ["2000年至2099年"]),
        ("2005-01-01T09:00:00+08:00", ["No rule pack covers", "2005-01-01"]),
        ("0001-01-01", ["2000年至2099年"]),
    ],
)
def test_case_start_dates_far_in_the_past_or_future_are_refused(
    officer: Officer, path: str, body: dict[str, Any], moment: str, words: list[str]
) -> None:
    field = "detected_at" if path == "/v1/emergencies" else "received_at"
    officer.refused("POST", path, 422, f"'{field}'", *words, json={**body, field: moment})


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        # a regression: accepted, then the workflow failed on its first task, forever
        ("0001-01-01T00:00:00+14:00", ["2000年至2099年"]),
        ("2098-01-01T00:00:00+08:00", ["in the future"]),
        ("2005-01-01T00:00:00+08:00", ["No rule pack covers"]),
    ],
)
def test_art31_registered_mail_signed_for_at_is_checked_like_the_receipt(
    officer: Officer, moment: str, words: list[str]
) -> None:
    body = {**APPLICATION, "channel": "registered_mail", "signed_for_at": moment}
    officer.refused("POST", "/v1/disclosure-requests", 422, "'signed_for_at'", *words, json=body)


@pytest.mark.parametrize(
    "case_no",
    [
        "not-a-case",
        "GK-2026-1",
        "%00",
        "GK-2026-000001%3B%20DROP%20TABLE%20case",
        "A" * 300,
        "案件一",
    ],
)
def test_malformed_case_numbers_in_paths_are_refused(officer: Officer, case_no: str) -> None:
    for method, path in [
        ("GET", f"/v1/cases/{case_no}"),
        ("GET", f"/v1/cases/{case_no}/events"),
        ("GET", f"/v1/cases/{case_no}/history"),
        ("GET", f"/v1/cases/{case_no}/documents/receipt"),
        ("POST", f"/v1/cases/{case_no}/actions/accept"),
    ]:
        detail = officer.refused(
            method,
            path,
            404,
            "不是案件编号",
            "GK-2026-000123",
            json={} if method == "POST" else None,
        )
        assert len(detail) < 200


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2E%2E",
        "..%5C..%5Cwindows%5Cwin.ini",
        "receipt%00.html",
        "....%2F%2Fetc%2Fpasswd",
        "%252e%252e%252fetc%252fpasswd",
    ],
)
def test_path_traversal_document_names_find_nothing(officer: Officer, name: str) -> None:
    # Documents are rows of the read model, looked up by case and name: no file is ever opened.
    detail = officer.refused("GET", f"/v1/cases/{CASE}/documents/{name}", 404)
    assert "没有文书" in detail or "没有这个地址" in detail
    assert "root:" not in detail


@pytest.mark.parametrize("year", ["0", "-1", "99999999999999999999", "10000"])
def test_calendar_years_outside_the_calendar_are_refused(officer: Officer, year: str) -> None:
    # a regression found by tests/api/test_fuzz.py: 500 (date(year, 1, 1) out of range)
    officer.refused(
        "GET",
        f"/v1/calendar/{year}",
        422,
        "'year'",
        "1990" if year.startswith(("0", "-")) else "2100",
    )
    res = officer.http.get("/calendar", params={"year": year}, headers=officer.headers)
    assert res.status_code == 422 and "'year'" in res.json()["detail"]


def test_unknown_addresses_say_where_to_look(officer: Officer) -> None:
    officer.refused("GET", "/v1/nothing-here", 404, "没有这个地址", "/docs")
    officer.refused("DELETE", f"/v1/cases/{CASE}", 405, "不接受该请求方法")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"description": "规划许可\u0000证"}, ["'description'", "空字符"]),
        ({"description": "许" * 2001}, ["'description'", "2000"]),
        ({"description": "\u200b\u3000 "}, ["'description'", "不可见"]),
        ({"applicant": {"name": "张\u202e三"}}, ["'applicant.name'", "U+202E"]),
        ({"applicant": {"name": "\u200b\u200c"}}, ["'applicant.name'", "不可见"]),
        ({"applicant": {"name": "张三", "phone": "138\u0007"}}, ["'applicant.phone'", "控制字符"]),
        ({"applicant": {"name": "张" * 51}}, ["'applicant.name'", "50"]),
    ],
)
def test_text_postgresql_would_refuse_is_refused_at_the_api(
    officer: Officer, change: dict[str, Any], words: list[str]
) -> None:
    officer.refused("POST", "/v1/disclosure-requests", 422, *words, json={**APPLICATION, **change})


@pytest.mark.parametrize(
    ("action", "body", "words"),
    [
        ("note", {"text": "备" * 1001}, ["'text'", "1000"]),
        ("note", {"text": "a\u0000b"}, ["'text'", "空字符"]),
        ("withdraw", {"reason": "\u202e不公开"}, ["'reason'", "U+202E"]),
        (
            "record-explanation",
            {"decision": "reasonable", "fixed_reply_date": "9999-12-31"},
            ["2000年至2099年"],
        ),
        ("request-correction", {"items": ["x"] * 31}, ["'items'", "30"]),
    ],
)
def test_action_text_and_dates_have_limits(
    officer: Officer, action: str, body: dict[str, Any], words: list[str]
) -> None:
    case = IN_STATUS["explanation_pending"] if action == "record-explanation" else CASE
    officer.refused("POST", f"/v1/cases/{case}/actions/{action}", 422, *words, json=body)


ITEM = {
    "agency": "SZ-GT",
    "title": "关于规范停车收费的通知",
    "category": "rules",
    "doc_kind": "normative",
}


def test_art26_a_formation_date_in_the_future_is_refused(officer: Officer) -> None:
    """The 20 working days run from the day the information was formed: a later date would
    postpone them at will (a fact date, as every other)."""
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    officer.refused(
        "POST",
        "/v1/proactive-items",
        422,
        "'formed_on'",
        "在未来",
        json={**ITEM, "formed_on": tomorrow},
    )


def test_art14_16_a_not_public_item_without_its_ground_says_so(officer: Officer) -> None:
    """A rule over several fields of the body is said in its own words, not as "请求体必须是
    一个 JSON 对象"."""
    detail = officer.refused(
        "POST",
        "/v1/proactive-items",
        422,
        "应当写明理由和依据",
        json={**ITEM, "formed_on": "2026-03-02", "attribute": "not_public"},
    )
    assert "JSON 对象" not in detail


def test_30hao_part_two_figures_fit_the_category(officer: Officer) -> None:
    for change, words in (
        ({"doc_kind": None}, "须注明是规章、行政规范性文件"),
        ({"category": "budget", "doc_kind": None, "decisions": 3}, "处理决定数量"),
        (
            {"category": "enforcement", "doc_kind": None, "decisions": 3},
            "行政处罚决定还是行政强制决定",
        ),
        ({"doc_kind": "penalty"}, "不能注明为“行政处罚决定”"),
        ({"fee_amount_yuan": 100}, "收费金额"),
    ):
        officer.refused(
            "POST",
            "/v1/proactive-items",
            422,
            words,
            json={**ITEM, "formed_on": "2026-03-02", **change},
        )


def test_art20_reconsideration_law_remedy_dates_that_cannot_be(officer: Officer) -> None:
    """行政复议法 Art. 20, 行政诉讼法 Art. 46: a reconsideration or suit is over an act, so it is
    not filed before the reply it challenges, a challenge of no reply not before the period ran
    out, and nothing is filed or decided in the future."""
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    for case, body, words in (
        (REPLIED, {"filed_on": "2026-03-01"}, "早于本案作出答复"),
        (REPLIED, {"filed_on": future}, "在未来"),
        (
            REPLIED,
            {"filed_on": "2026-03-05", "result": "upheld", "decided_on": future},
            "审结日期",
        ),
        (OPEN_LATE, {"filed_on": "2026-03-03"}, "期限届满之后"),
        (OPEN_LATE, {"filed_on": "2026-01-05"}, "期限届满之后"),
    ):
        officer.refused(
            "POST",
            f"/v1/cases/{case}/remedies",
            422,
            words,
            json={"proceeding": "reconsideration", **body},
        )
    ok = officer.http.post(
        f"/v1/cases/{OPEN_LATE}/remedies",
        headers=officer.headers,
        json={"proceeding": "reconsideration", "filed_on": "2026-03-04"},
    )
    assert ok.status_code == 201, ok.text
