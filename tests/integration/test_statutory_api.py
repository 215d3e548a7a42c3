"""One case per class of statutory defect, driven through the HTTP API against the real stack
(`gongkai up`: dev server, worker, API, SQLite read model). Time cannot be skipped here, so the
cases are received in the past: the clocks count from then, as they would for a late entry.

Classes: expiry and extension (Art. 33 para 2, Art. 35, Art. 30 restart), escalation instants
("N WD after the due date"), the reply's legal basis (Art. 36), the rules in force on T0 (LAW.md
§1.5), stopped clocks, and dated facts."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from rules.calendar import SHANGHAI, build_calendar
from tests.integration.stack import Stack, add_agency, bearer
from tests.integration.test_disclosure_api import APPLICATION, HEADERS, Api

pytestmark = pytest.mark.integration


def _beijing(day: date, hour: int = 10) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).isoformat()


def _open(api: Api, received: date | None = None, **extra: Any) -> str:
    body = {**APPLICATION, **extra}
    if received is not None:
        body["received_at"] = _beijing(received)
    res = api.http.post("/v1/disclosure-requests", json=body, headers=HEADERS["officer"])
    assert res.status_code == 201, res.text
    case: str = res.json()["case_no"]
    for _ in range(100):  # registered: the receipt is issued and the reply clock planned
        if "reply" in api.case(case).get("readings", {}):
            return case
        time.sleep(0.2)
    raise AssertionError(f"{case} never registered")


def _until(api: Api, case: str, ok: Any, what: str) -> dict[str, Any]:
    for _ in range(150):
        view = api.case(case)
        if ok(view):
            return view
        time.sleep(0.2)
    raise AssertionError(f"{case}: {what}")


def _to_assigned(api: Api, case: str) -> None:
    api.act(case, "accept")
    api.act(case, "assign", {"unit": "规划处"})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    stack = Stack(tmp_path_factory.mktemp("statutory"))
    add_agency(stack)
    HEADERS["officer"] = bearer(stack, "li.officer", name="李经办")
    HEADERS["supervisor"] = bearer(stack, "wang.chief", "supervisor", name="王主任")
    HEADERS["head"] = bearer(stack, "zhou.head", "supervisor", name="周局长")
    stack.start()
    try:
        yield Api(stack.http)
    finally:
        assert stack.stop() == 0


def test_art33_para2_extension_after_expiry_is_refused_even_while_paused(api: Api) -> None:
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    case = _open(api, today - timedelta(days=60))
    _to_assigned(api, case)
    api.act(
        case,
        "start-consultation",
        {"kind": "third_party", "party": "某公司", "matters": "商业秘密"},
    )
    view = api.case(case)
    reply = view["readings"]["reply"]
    assert reply["state"] == "paused" and reply["used_up"] is True
    refused = api.act(
        case,
        "extend",
        {"working_days": 20, "reason": "检索"},
        headers=HEADERS["supervisor"],
        expect=409,
    )
    assert "已届满" in refused["detail"] and "第三十三条第二款" in refused["detail"]
    # Still listed as late: its frozen legal date is kept in the read model.
    listed = api.http.get(
        "/v1/cases",
        params={"due_before": datetime.now(UTC).isoformat()},
        headers=HEADERS["officer"],
    ).json()
    assert case in [c["case_no"] for c in listed["items"]]


def test_art35_a_fixed_date_is_not_an_officers_to_set(api: Api) -> None:
    case = _open(api)
    _to_assigned(api, case)
    api.act(case, "request-explanation", {"reason": "一月内申请120件"})
    later = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    refused = api.act(
        case,
        "record-explanation",
        {"decision": "reasonable", "fixed_reply_date": later},
        expect=409,
    )
    assert "负责人" in refused["detail"]


def test_art30_correction_discards_an_extension_through_the_api(api: Api) -> None:
    case = _open(api)
    api.act(case, "extend", {"working_days": 20, "reason": "档案量大"}, HEADERS["supervisor"])
    api.act(case, "request-correction", {"items": ["请写明地块名称"], "period_working_days": 10})
    api.act(case, "submit-correction")
    view = api.case(case)
    assert view["clocks"]["reply"]["extensions"] == [] and view["extended"] is False
    assert view["clocks"]["reply"]["restarts"][0]["discarded_extensions"][0]["amount"] == 20


def test_very_overdue_waits_until_10_working_days_have_passed(api: Api) -> None:
    cal = build_calendar()
    last = datetime.now(UTC).astimezone(SHANGHAI).date()
    while not cal.is_working_day(last):
        last -= timedelta(days=1)
    due = cal.working_days_before(last, 10)  # today is (at most) the 10th WD after the due date
    t0 = cal.working_days_before(due, 20)
    assert cal.nth_working_day(t0, 20).end == due
    case = _open(api, t0)
    view = _until(
        api,
        case,
        lambda v: "overdue" in [r["rung"] for r in v["fired"]],
        "the overdue rung never fired",
    )
    assert view["readings"]["reply"]["due_date"] == due.isoformat()
    assert "very_overdue" not in [r["rung"] for r in view["fired"]]


def test_art36_a_reply_without_a_statutory_article_needs_the_officers_basis(api: Api) -> None:
    case = _open(api)
    _to_assigned(api, case)
    refused = api.act(
        case,
        "submit-for-review",
        {"reply": {"outcome": "NOT_PROCESSED.confirm_reissue", "reasons": "要求重新出具"}},
        expect=422,
    )
    assert "法律依据" in refused["detail"]


def test_law_1_5_rules_in_force_on_t0(api: Api) -> None:
    res = api.http.post(
        "/v1/disclosure-requests",
        json={
            **APPLICATION,
            "channel": "registered_mail",
            "received_at": _beijing(date(2019, 5, 10)),
            "signed_for_at": _beijing(date(2019, 5, 16)),
        },
        headers=HEADERS["officer"],
    )
    assert res.status_code == 201, res.text
    case = res.json()["case_no"]
    view = _until(api, case, lambda v: v.get("t0"), "never registered")
    assert view["t0"] == "2019-05-16" and view["rule_pack"].startswith("cn-national-2019")


def test_stopped_clocks_read_stopped_after_the_reply(api: Api) -> None:
    case = _open(api)
    _to_assigned(api, case)
    api.act(
        case,
        "submit-for-review",
        {
            "reply": {
                "outcome": "GRANTED",
                "access_method": "电子邮件",
                "access_place": "申请人邮箱",
                "access_time": "5个工作日内",
            }
        },
    )
    sup = HEADERS["supervisor"]
    api.act(case, "review", {"approve": True, "confidentiality_reviewed": True}, sup)
    api.act(case, "sign-off", {"approve": True}, HEADERS["head"])
    reply = api.case(case)["readings"]["reply"]
    assert reply["state"] == "stopped" and reply["stop_reason"] == "已答复"


def test_facts_cannot_be_dated_in_the_future(api: Api) -> None:
    case = _open(api)
    api.act(case, "request-correction", {"items": ["请写明地块名称"]})
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    refused = api.act(case, "submit-correction", {"occurred_at": tomorrow}, expect=422)
    assert "未来" in refused["detail"]
    just_now = datetime.now(UTC)
    api.act(case, "submit-correction", {"occurred_at": just_now.isoformat()})
    events = api.http.get(f"/v1/cases/{case}/events", headers=HEADERS["officer"]).json()
    assert events[-1]["kind"] == "correction_received"
    assert datetime.fromisoformat(events[-1]["occurred_at"]) == just_now
    assert datetime.fromisoformat(events[-1]["at"]) >= just_now
