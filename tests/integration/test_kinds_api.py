"""Each of the other case kinds driven through the HTTP API against the real dev server."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.integration.stack import Stack, add_agency, bearer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    st = Stack(tmp_path_factory.mktemp("kinds"))
    add_agency(st)
    officer, chief = bearer(st, "li.officer"), bearer(st, "wang.chief", "supervisor")
    st.start()
    http = httpx.Client(base_url=f"http://127.0.0.1:{st.http}", timeout=30)

    class Api:
        def post(
            self, path: str, body: dict[str, Any], who: str = "officer", expect: int = 200
        ) -> dict[str, Any]:
            res = http.post(path, json=body, headers=officer if who == "officer" else chief)
            assert res.status_code == expect, (path, res.status_code, res.text)
            return res.json()  # type: ignore[no-any-return]

        def act(
            self,
            case: str,
            action: str,
            body: dict[str, Any] | None = None,
            who: str = "officer",
            expect: int = 200,
        ) -> dict[str, Any]:
            return self.post(f"/v1/cases/{case}/actions/{action}", body or {}, who, expect)

        def view(self, case: str, until: str | None = None) -> dict[str, Any]:
            for _ in range(100):
                v = http.get(f"/v1/cases/{case}", headers=officer).json()
                ready = v.get("readings") or v.get("status") == "drafting"
                if v.get("events") and ready and (until is None or v["status"] == until):
                    return v  # type: ignore[no-any-return]
                time.sleep(0.1)
            raise AssertionError(v)

        def get(self, path: str, **params: Any) -> Any:
            return http.get(path, params=params, headers=officer)

    yield Api()
    assert st.stop() == 0


def test_inquiry_through_the_api(api: Any) -> None:
    case = api.post(
        "/v1/inquiries",
        {
            "agency": "SZ-GT",
            "category": "consultation",
            "person": {"name": "王五"},
            "subject": "道路修缮",
            "message": "某路段何时修缮？",
            "unit": "市交通运输局",
        },
        expect=201,
    )["case_no"]
    v = api.view(case)
    assert v["kind"] == "inquiry" and v["readings"]["reply"]["unit"] == "working_days"
    api.act(case, "transfer", {"to_unit": "某区住建局", "reason": "小区内部道路"})
    api.act(case, "answer", {"text": "已列入修缮计划。"})
    assert api.view(case, "answered")["unit"] == "某区住建局"
    api.act(case, "accept", expect=404)  # a disclosure action on an inquiry
    api.act(case, "close")
    assert api.get(f"/v1/cases/{case}/documents/inquiry_reply").status_code == 200
    listed = api.get("/v1/cases", kind="inquiry").json()
    assert case in [c["case_no"] for c in listed["items"]]


def test_emergency_through_the_api(api: Any) -> None:
    case = api.post(
        "/v1/emergencies",
        {"agency": "SZ-GT", "grade": "major", "title": "某化工园区火灾"},
        expect=201,
    )["case_no"]
    v = api.view(case)
    assert set(v["readings"]) == {"authoritative_release", "press_conference"}
    api.act(case, "submit-draft", {"kind": "authoritative", "text": "火情已得到控制。"})
    api.act(case, "approve-release", {"approve": True}, expect=409)  # officers cannot publish
    api.act(case, "approve-release", {"approve": True}, who="chief")
    api.act(case, "hold-press-conference", {"place": "新闻发布厅", "speaker": "副市长"})
    v = api.view(case, "released")
    assert v["releases"][0]["approved_by"] == "wang.chief"
    assert api.get(f"/v1/cases/{case}/documents/release").status_code == 200
    api.act(case, "close", {"reason": "处置完毕"}, who="chief")


def test_consultation_through_the_api(api: Any) -> None:
    case = api.post(
        "/v1/consultations", {"agency": "SZ-GT", "title": "停车收费管理办法"}, expect=201
    )["case_no"]
    api.view(case)
    refused = api.act(case, "publish-draft", {"period_days": 20}, expect=422)
    assert "不少于30日" in refused["detail"]
    api.act(case, "publish-draft", {})
    v = api.view(case, "comment_open")
    assert v["readings"]["comment"]["unit"] == "calendar_days"
    health = api.get("/health").url
    public = httpx.post(
        f"{health.scheme}://{health.host}:{health.port}/v1/consultations/{case}/comments",
        json={"text": "建议夜间免费", "name": "市民"},
    )
    assert public.status_code == 201  # no login needed to comment
    api.act(
        case, "record-decision", {"decision": "通过", "minutes": "纪要"}, who="chief", expect=409
    )
    assert api.get(f"/v1/cases/{case}/documents/comment_notice").status_code == 200
    board = api.get("/", kind="consultation").text
    assert case in board


def test_press_conference_plan_through_the_api(api: Any) -> None:
    from datetime import UTC, datetime

    year = datetime.now(UTC).year
    case = api.post("/v1/press-conference-plans", {"agency": "SZ-GT", "year": year}, expect=201)[
        "case_no"
    ]
    again = api.post("/v1/press-conference-plans", {"agency": "SZ-GT", "year": year}, expect=201)
    assert again["case_no"] == case and again["created"] is False  # one plan per agency and year
    v = api.view(case)
    assert v["readings"]["conference"]["unit"] == "calendar_days"
    api.act(
        case,
        "record-press-conference",
        {"held_on": datetime.now(UTC).isoformat(), "topic": "年度工作", "speaker": "发言人"},
    )
    assert sum(api.view(case)["held"].values()) == 1


def test_unknown_law_and_unknown_outcome_are_clear_422s(api: Any) -> None:
    old = api.post(
        "/v1/inquiries",
        {
            "agency": "SZ-GT",
            "category": "consultation",
            "person": {"name": "王五"},
            "subject": "x",
            "message": "x",
            "unit": "x",
            "received_at": "2001-03-01T10:00:00+08:00",
        },
        expect=422,
    )
    assert "No rule pack covers inquiry cases" in old["detail"]
    case = api.post(
        "/v1/disclosure-requests",
        {
            "agency": "SZ-GT",
            "channel": "in_person",
            "applicant": {"name": "张三"},
            "description": "某文件",
        },
        expect=201,
    )["case_no"]
    api.view(case)
    api.act(case, "accept")
    api.act(case, "assign", {"unit": "办公室"})
    bad = api.act(case, "submit-for-review", {"reply": {"outcome": "MAYBE"}}, expect=422)
    assert "'reply.outcome'" in bad["detail"]
