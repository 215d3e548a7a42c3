"""The security review's attacks, performed against the real stack (`gongkai up`: dev server,
worker, API) on each read-model backend, each asserted to fail now. Findings 3–8, 11, 12, 14, 15
(1, 2 and 13 are in test_temporal_boundary.py and test_reconcile.py; 9, 10 and 15's file modes
in test_launcher_restarts.py, test_public_comments.py and test_private_files.py)."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from tests.integration.stack import Stack, add_agency, bearer, cli
from tests.integration.test_disclosure_api import APPLICATION

pytestmark = pytest.mark.integration


class Api:
    def __init__(self, stack: Stack, tokens: dict[str, dict[str, str]]) -> None:
        self.stack, self.tokens = stack, tokens
        self.base = f"http://127.0.0.1:{stack.http}"
        self.http = httpx.Client(base_url=self.base, timeout=30)

    def open(self, who: str = "officer", **extra: Any) -> str:
        res = self.http.post(
            "/v1/disclosure-requests", json={**APPLICATION, **extra}, headers=self.tokens[who]
        )
        assert res.status_code == 201, res.text
        case: str = res.json()["case_no"]
        for _ in range(100):
            if self.http.get(f"/v1/cases/{case}", headers=self.tokens[who]).json().get("documents"):
                return case
            time.sleep(0.1)
        raise AssertionError("not registered")

    def act(
        self,
        case: str,
        action: str,
        body: dict[str, Any] | None = None,
        who: str = "officer",
        **headers: str,
    ) -> httpx.Response:
        return self.http.post(
            f"/v1/cases/{case}/actions/{action}",
            json=body or {},
            headers={**self.tokens[who], **headers},
        )

    def events(self, case: str) -> list[dict[str, Any]]:
        res = self.http.get(f"/v1/cases/{case}/events", headers=self.tokens["officer"])
        return res.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres").new_database()
    stack = Stack(tmp_path_factory.mktemp(f"attacks-{request.param}"), url)
    add_agency(stack)
    add_agency(stack, "OTHER", prefix="OT")
    tokens = {
        "officer": bearer(stack, "li.officer", name="李经办"),
        "supervisor": bearer(stack, "wang.chief", "supervisor", name="王主任"),
        "head": bearer(stack, "zhou.head", "supervisor", name="周局长"),
        "admin": bearer(stack, "root", "admin"),
        "other_officer": bearer(stack, "zhao", agency="OTHER"),
        "other_supervisor": bearer(stack, "qian", "supervisor", agency="OTHER"),
    }
    stack.start()
    try:
        yield Api(stack, tokens)
    finally:
        assert stack.stop() == 0


# -- 1. a supervisor decodes only their own agency's payloads -------------------------------------


async def test_finding1_no_cross_agency_decryption(api: Api) -> None:
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payloads
    from temporalio.contrib.pydantic import pydantic_data_converter

    case = api.open()
    raw = await Client.connect(
        f"127.0.0.1:{api.stack.grpc}", data_converter=pydantic_data_converter
    )
    history = await raw.get_workflow_handle(case).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    body = json_format.MessageToJson(Payloads(payloads=list(started.input.payloads)))
    name = APPLICATION["applicant"]["name"].encode()  # type: ignore[index]

    def decode(who: str) -> httpx.Response:
        return api.http.post("/codec/decode", content=body, headers=api.tokens[who])

    theirs = decode("other_supervisor")
    assert theirs.status_code == 200
    kept = json_format.Parse(theirs.text, Payloads()).payloads[0]
    assert kept.metadata["encoding"] == b"binary/encrypted" and name not in kept.data
    mine = json_format.Parse(decode("supervisor").text, Payloads()).payloads[0]
    assert name in mine.data
    assert decode("officer").status_code == 403 and decode("admin").status_code == 403


# -- 3. an officer cannot destroy a case with huge texts ------------------------------------------


def test_finding3_huge_notes_are_refused_and_the_case_lives_on(api: Api) -> None:
    case = api.open()
    huge = api.act(case, "note", {"text": "长" * 900_000})
    assert huge.status_code == 413  # the body alone is past the 1 MiB limit
    long = api.act(case, "note", {"text": "长" * 1001})
    assert long.status_code == 422 and "1000" in long.json()["detail"]
    for n in range(27):  # the most a note may hold, 27 times: nothing gives way
        assert api.act(case, "note", {"text": f"{n:02d}" + "长" * 998}).status_code == 200
    res = api.http.get(f"/v1/cases/{case}", headers=api.tokens["officer"])
    assert res.status_code == 200 and res.json()["status"] == "registered"
    assert len(api.events(case)) == 2 + 27


# -- 4. no deadline moved by an officer, no case frozen by a date -------------------------------


def test_finding4_far_dates_and_typed_in_approvers_change_nothing(api: Api) -> None:
    case = api.open()
    api.act(case, "accept")
    api.act(case, "assign", {"unit": "规划处"})
    api.act(case, "request-explanation", {"reason": "一月内申请120件"})
    before = api.http.get(f"/v1/cases/{case}", headers=api.tokens["officer"]).json()
    for who, body, status in (
        ("officer", {"fixed_reply_date": "2027-06-30", "approver": "局长"}, 422),  # no such field
        ("officer", {"fixed_reply_date": "2027-06-30"}, 409),  # not the head of the GI office
        ("officer", {"fixed_reply_date": "9999-12-31"}, 422),
        ("supervisor", {"fixed_reply_date": "9999-12-31"}, 422),
        ("supervisor", {"fixed_reply_date": str(date.today() + timedelta(days=800))}, 422),
    ):
        res = api.act(case, "record-explanation", {"decision": "reasonable", **body}, who)
        assert res.status_code == status, res.text
    after = api.http.get(f"/v1/cases/{case}", headers=api.tokens["officer"])
    assert after.status_code == 200  # the case still answers at once
    reply = after.json()["readings"]["reply"]
    assert reply["due_date"] == before["readings"]["reply"]["due_date"]


# -- 5. invalid input is a 4xx, and no log carries a token ----------------------------------------


def test_finding5_no_500s_and_no_tokens_in_the_log(api: Api) -> None:
    case = api.open()
    officer = api.tokens["officer"]
    naive = api.http.get("/v1/cases", params={"due_before": "2026-12-01T10:00:00"}, headers=officer)
    assert naive.status_code == 200
    for path, params in (
        ("/v1/cases", {"offset": 2**70}),
        (f"/v1/cases/{case}/documents/receipt", {"seq": 2**63}),
        ("/v1/cases", {"due_before": "2026-13-45"}),
    ):
        res = api.http.get(path, params=params, headers=officer)
        assert res.status_code == 422, (path, res.status_code, res.text)
    started = time.monotonic()
    assert api.http.get("/health").status_code == 200
    assert time.monotonic() - started < 2
    token = officer["Authorization"].removeprefix("Bearer ")
    log = (api.stack.var / "up.log").read_text(errors="replace")
    assert token not in log and "Authorization" not in log and "gk_session" not in log


# -- 6. idempotency keys are the caller's ---------------------------------------------------------


def test_finding6_idempotency_keys_are_scoped_and_bound_to_their_request(api: Api) -> None:
    key = {"Idempotency-Key": f"counter-{time.time_ns()}"}
    mine = api.http.post(
        "/v1/disclosure-requests", json=APPLICATION, headers={**api.tokens["officer"], **key}
    )
    theirs = api.http.post(
        "/v1/disclosure-requests",
        json={**APPLICATION, "agency": "OTHER"},
        headers={**api.tokens["other_officer"], **key},
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["case_no"] != theirs.json()["case_no"]  # B opened its own case
    again = api.http.post(
        "/v1/disclosure-requests", json=APPLICATION, headers={**api.tokens["officer"], **key}
    )
    assert again.json()["case_no"] == mine.json()["case_no"] and not again.json()["created"]
    other_body = api.http.post(
        "/v1/disclosure-requests",
        json={**APPLICATION, "description": "另一份文件"},
        headers={**api.tokens["officer"], **key},
    )
    assert other_body.status_code == 422 and "Idempotency-Key" in other_body.json()["detail"]
    # An action retried after a lost answer is applied once.
    case = api.open()
    note = {"Idempotency-Key": f"note-{time.time_ns()}"}
    first = api.act(case, "note", {"text": "已电话联系申请人"}, **note)
    retry = api.act(case, "note", {"text": "已电话联系申请人"}, **note)
    assert first.status_code == retry.status_code == 200 and first.json() == retry.json()
    assert [e["kind"] for e in api.events(case)].count("note") == 1
    changed = api.act(case, "note", {"text": "另一条备注"}, **note)
    assert changed.status_code == 422


# -- 7. a burst on one case: every caller gets a definite answer, quickly -------------------------


async def _burst(api: Api, case: str, action: str, body: dict[str, Any], n: int) -> list[Any]:
    async with httpx.AsyncClient(base_url=api.base, timeout=30) as http:

        async def one(i: int) -> tuple[int, float, str]:
            started = time.monotonic()
            res = await http.post(
                f"/v1/cases/{case}/actions/{action}",
                json={k: (v.format(i=i) if isinstance(v, str) else v) for k, v in body.items()},
                headers=api.tokens["officer"],
            )
            return res.status_code, time.monotonic() - started, res.headers.get("retry-after", "")

        return await asyncio.gather(*(one(i) for i in range(n)))


async def test_finding7_concurrent_actions_get_quick_definite_answers(api: Api) -> None:
    case = api.open()
    results = await _burst(api, case, "note", {"text": "并发备注{i}"}, 100)
    codes = [r[0] for r in results]
    assert set(codes) <= {200, 409, 429, 503}, codes
    assert max(r[1] for r in results) < 5, max(r[1] for r in results)
    assert all(r[2] for r in results if r[0] in (429, 503))  # each says when to retry
    applied = [e for e in api.events(case) if e["kind"] == "note"]
    assert len(applied) == codes.count(200)  # what was answered 200 is there, nothing else
    case = api.open()
    results = await _burst(api, case, "accept", {}, 200)
    codes = [r[0] for r in results]
    assert codes.count(200) == 1 and set(codes) <= {200, 409, 429, 503}, codes
    assert max(r[1] for r in results) < 5
    assert [e["kind"] for e in api.events(case)].count("accepted") == 1


# -- 8. what PostgreSQL would refuse never gets past the API -------------------------------------


def test_finding8_text_the_database_would_refuse_is_refused_first(api: Api) -> None:
    before = api.http.get("/v1/cases", headers=api.tokens["officer"]).json()["total"]
    for change in (
        {"description": "规划\u0000许可证"},
        {"description": "许" * 2001},
        {"applicant": {"name": "张\u202e三"}},
        {"applicant": {"name": "\u200b\u200b"}},
    ):
        res = api.http.post(
            "/v1/disclosure-requests", json={**APPLICATION, **change}, headers=api.tokens["officer"]
        )
        assert res.status_code == 422, (change, res.status_code, res.text)
    after = api.http.get("/v1/cases", headers=api.tokens["officer"]).json()["total"]
    assert after == before
    case = api.open()
    assert api.act(case, "note", {"text": "a\u0000b"}).status_code == 422
    res = api.http.get(f"/v1/cases/{case}%00", headers=api.tokens["officer"])
    assert res.status_code == 404


# -- 11. CORS only for the codec ----------------------------------------------------------------


def test_finding11_cors_is_only_for_the_codec(api: Api) -> None:
    ui = f"http://127.0.0.1:{api.stack.ui}"
    preflight = {
        "Origin": ui,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization",
    }
    codec = api.http.options("/codec/decode", headers=preflight)
    assert codec.headers.get("access-control-allow-origin") == ui
    for path in ("/v1/cases", "/v1/disclosure-requests", "/login"):
        res = api.http.options(path, headers=preflight)
        assert "access-control-allow-origin" not in res.headers, path
        res = api.http.get(path, headers={"Origin": ui, **api.tokens["officer"]})
        assert "access-control-allow-origin" not in res.headers, path


# -- 12. sessions, CSRF, Origin, security headers -----------------------------------------------


def test_finding12_sessions_are_server_side_revocable_and_csrf_protected(api: Api) -> None:
    token = api.tokens["officer"]["Authorization"].removeprefix("Bearer ")
    web = httpx.Client(base_url=api.base, timeout=30)
    foreign = web.post("/login", data={"token": token}, headers={"Origin": "http://evil.test"})
    assert foreign.status_code == 403 and "gk_session" not in foreign.cookies
    login = web.post("/login", data={"token": token}, headers={"Origin": api.base})
    assert login.status_code == 303
    cookie = web.cookies["gk_session"]
    assert cookie != token and not cookie.startswith("gk_")  # not the API token
    page = web.get("/")
    assert page.status_code == 200
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert name in page.headers, name
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text  # no inline script
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    forged = web.post("/logout", data={"csrf": "guessed"}, headers={"Origin": api.base})
    assert forged.status_code == 403 and web.get("/").status_code == 200
    out = web.post("/logout", data={"csrf": csrf.group(1)}, headers={"Origin": api.base})
    assert out.status_code == 303
    stolen = httpx.Client(base_url=api.base, cookies={"gk_session": cookie})
    assert stolen.get("/", follow_redirects=False).status_code == 303  # revoked, not just gone


# -- 14. four eyes; administrators administer ----------------------------------------------------


def test_finding14_four_eyes_and_admins_act_on_no_case(api: Api) -> None:
    case = api.open()
    assert api.act(case, "accept", who="admin").status_code == 409
    api.act(case, "accept")
    api.act(case, "assign", {"unit": "规划处"})
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
    api.act(case, "review", {"approve": True, "confidentiality_reviewed": True}, "supervisor")
    same = api.act(case, "sign-off", {"approve": True}, "supervisor")
    assert same.status_code == 409 and "四眼" in same.json()["detail"]
    assert api.act(case, "sign-off", {"approve": True}, "head").status_code == 200
    elsewhere = api.http.post(
        "/v1/users",
        json={"username": "mallory", "name": "M", "agency": "OTHER", "role": "admin"},
        headers=api.tokens["admin"],
    )
    assert elsewhere.status_code == 403
    assert (
        api.http.post(
            "/v1/disclosure-requests", json=APPLICATION, headers=api.tokens["admin"]
        ).status_code
        == 403
    )


# -- 15. disabling and re-keying users is audited and ends their sessions ------------------------


def test_finding15_user_changes_are_audited(api: Api) -> None:
    headers = bearer(api.stack, "sun.temp", name="孙临时")
    token = headers["Authorization"].removeprefix("Bearer ")
    web = httpx.Client(base_url=api.base, timeout=30)
    assert (
        web.post("/login", data={"token": token}, headers={"Origin": api.base}).status_code == 303
    )
    cli(api.stack, "users", "token", "sun.temp", "--by", "admin-li")
    assert web.get("/", follow_redirects=False).status_code == 303  # the session ended
    cli(api.stack, "users", "disable", "sun.temp", "--by", "admin-li")
    trail = cli(api.stack, "users", "audit", "--username", "sun.temp")
    actions = [line.split()[3] for line in trail.strip().splitlines()]
    assert actions == ["created", "token_rotated", "disabled"]
    assert "admin-li" in trail
    # The codec has no encode endpoint (finding 2: whoever can encrypt can write Updates).
    assert api.http.post(
        "/codec/encode", json={"payloads": []}, headers=api.tokens["supervisor"]
    ).status_code in (404, 405)
