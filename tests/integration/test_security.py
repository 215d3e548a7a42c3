"""Security on the real stack: every endpoint refuses no one, a bad token and an officer of
another agency, and changes nothing; applicants' personal data is ciphertext in Temporal's
history yet readable in full through the API and, for supervisors, the codec endpoint."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.integration.stack import Stack, add_agency, bearer
from tests.integration.test_disclosure_api import APPLICATION

pytestmark = pytest.mark.integration

NAME, ID_NUMBER, PHONE = "张三", "110101199003071233", "13800138000"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    st = Stack(tmp_path_factory.mktemp("secure"))
    add_agency(st)
    add_agency(st, "OTHER", prefix="OT")
    st.tokens = {  # type: ignore[attr-defined]
        "officer": bearer(st, "li.officer"),
        "supervisor": bearer(st, "wang.chief", "supervisor"),
        "stranger": bearer(st, "zhao", agency="OTHER"),
        "stranger_chief": bearer(st, "qian", "supervisor", agency="OTHER"),
        "admin": bearer(st, "root", "admin"),
        "superadmin": bearer(st, "ops", "superadmin"),
    }
    st.start()
    yield st
    assert st.stop() == 0


def _case(stack: Any) -> str:
    http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
    res = http.post("/v1/disclosure-requests", json=APPLICATION, headers=stack.tokens["officer"])
    assert res.status_code == 201, res.text
    case = str(res.json()["case_no"])
    for _ in range(100):
        body = http.get(f"/v1/cases/{case}", headers=stack.tokens["officer"]).json()
        if body.get("documents"):
            return case
        time.sleep(0.1)
    raise AssertionError("case did not register")


def test_every_endpoint_refuses_outsiders_and_changes_nothing(stack: Any) -> None:
    case = _case(stack)
    http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
    before = http.get(f"/v1/cases/{case}/events", headers=stack.tokens["officer"]).json()
    endpoints: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/v1/disclosure-requests", APPLICATION),
        ("GET", "/v1/cases?agency=SZ-GT", None),
        ("GET", f"/v1/cases/{case}", None),
        ("GET", f"/v1/cases/{case}/events", None),
        ("GET", f"/v1/cases/{case}/documents/receipt", None),
        ("GET", f"/v1/cases/{case}/history", None),
        ("POST", "/codec/decode", {"payloads": []}),
        (
            "POST",
            "/v1/users",
            {"username": "mallory", "name": "M", "agency": "SZ-GT", "role": "admin"},
        ),
        (
            "POST",
            "/v1/calendar/days",
            {"day": "2026-12-01", "kind": "holiday", "source": "伪造通知", "reason": "test"},
        ),
    ]
    for action in ("accept", "request-correction", "withdraw", "extend", "note", "archive"):
        endpoints.append(
            (
                "POST",
                f"/v1/cases/{case}/actions/{action}",
                {"items": ["x"], "reason": "x", "working_days": 5, "text": "x"},
            )
        )
    callers = {
        "no one": ({}, {401}),
        "bad token": ({"Authorization": "Bearer gk_not-a-real-token"}, {401}),
        "malformed": ({"Authorization": "Basic Zm9vOmJhcg=="}, {401}),
        "other agency": (stack.tokens["stranger"], {403}),
        "other agency's supervisor": (stack.tokens["stranger_chief"], {403}),
    }
    failures = []
    for who, (headers, allowed) in callers.items():
        for method, path, body in endpoints:
            if who == "other agency's supervisor" and path.startswith("/codec"):
                continue  # a supervisor may use the codec; it holds no case by itself
            if who == "other agency" and path.startswith(("/codec", "/v1/users", "/v1/calendar")):
                allowed_here = {403}
            elif who == "other agency's supervisor" and path.startswith("/v1/"):
                allowed_here = {403}
            else:
                allowed_here = allowed
            res = http.request(method, path, json=body, headers=headers)
            if res.status_code not in allowed_here:
                failures.append((who, method, path, res.status_code, res.text[:120]))
    pages = ["/", "/board/fragment", f"/cases/{case}", "/calendar"]
    for who, (headers, _) in callers.items():
        for path in pages:
            res = http.get(path, headers=headers, follow_redirects=False)
            if who.startswith("other agency"):
                expected = 403 if path.startswith("/cases/") else 200  # own (empty) board
            else:
                expected = 303  # to the login page
            if res.status_code != expected or (
                expected == 303 and res.headers["location"] != "/login"
            ):
                failures.append((who, "GET", path, res.status_code, res.text[:120]))
    assert case not in http.get("/", headers=stack.tokens["stranger"]).text
    # nothing was created by the refused requests
    cal = http.get("/v1/calendar/2026", headers=stack.tokens["officer"]).json()
    assert "2026-12-01" not in {d["day"] for d in cal["days"]}
    assert failures == []
    after = http.get(f"/v1/cases/{case}/events", headers=stack.tokens["officer"]).json()
    assert after == before
    listed = http.get("/v1/cases", headers=stack.tokens["stranger"]).json()
    assert listed["total"] == 0  # another agency's list does not show the case


async def test_personal_data_is_encrypted_in_temporal(stack: Any) -> None:
    case = _case(stack)
    # A client without the codec sees what Temporal stores.
    raw = await Client.connect(f"127.0.0.1:{stack.grpc}", data_converter=pydantic_data_converter)
    history = await raw.get_workflow_handle(case).fetch_history()
    text = history.to_json()
    for secret in (NAME, ID_NUMBER, PHONE):
        assert secret not in text
        assert json.dumps(secret)[1:-1] not in text  # nor as a JSON escape
    started = history.events[0].workflow_execution_started_event_attributes
    payload = started.input.payloads[0]
    assert payload.metadata["encoding"] == b"binary/encrypted"
    assert payload.metadata["encryption-key-id"]
    # Search attributes carry no personal data.
    desc = await raw.get_workflow_handle(case).describe()
    assert NAME not in str(desc.raw_description.workflow_execution_info.search_attributes)

    http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payloads

    body = json_format.MessageToJson(Payloads(payloads=[payload]))
    denied = http.post("/codec/decode", content=body, headers=stack.tokens["officer"])
    assert denied.status_code == 403
    res = http.post(
        "/codec/decode",
        content=body,
        headers={**stack.tokens["supervisor"], "X-Namespace": "default"},
    )
    assert res.status_code == 200, res.text
    decoded = json_format.Parse(res.text, Payloads()).payloads[0]
    plain = decoded.data.decode()
    assert NAME in plain and ID_NUMBER in plain and PHONE in plain
    # Another agency's supervisor gets the payload back still encrypted (finding 1).
    other = http.post("/codec/decode", content=body, headers=stack.tokens["stranger_chief"])
    assert other.status_code == 200
    kept = json_format.Parse(other.text, Payloads()).payloads[0]
    assert kept.metadata["encoding"] == b"binary/encrypted" and NAME.encode() not in kept.data
    # No encode endpoint: whoever could encrypt with the key could write Updates.
    assert http.post(
        "/codec/encode", content=body, headers=stack.tokens["supervisor"]
    ).status_code in (
        404,
        405,
    )
    # The same case in full through the API (the documents carry the applicant's name).
    receipt = http.get(f"/v1/cases/{case}/documents/receipt", headers=stack.tokens["officer"])
    assert NAME in receipt.text


def test_codec_cors_allows_only_the_temporal_ui(stack: Any) -> None:
    http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
    }
    ok = http.options(
        "/codec/decode", headers={**preflight, "Origin": f"http://127.0.0.1:{stack.ui}"}
    )
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == f"http://127.0.0.1:{stack.ui}"
    bad = http.options("/codec/decode", headers={**preflight, "Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in bad.headers


async def test_replayer_uses_the_same_converter(stack: Any) -> None:
    from temporalio.worker import Replayer

    from workers.worker import WORKFLOWS

    case = _case(stack)
    client = await Client.connect(f"127.0.0.1:{stack.grpc}", data_converter=stack.converter())
    history = await client.get_workflow_handle(case).fetch_history()
    result = await Replayer(workflows=WORKFLOWS, data_converter=stack.converter()).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert result.replay_failure is None
    plain = await Replayer(workflows=WORKFLOWS).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert plain.replay_failure is not None  # without the key the history cannot be read


def test_admins_manage_their_agencys_users_and_superadmins_the_calendar(stack: Any) -> None:
    case = _case(stack)
    http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
    res = http.post(
        "/v1/users",
        headers=stack.tokens["admin"],
        json={"username": "sun.officer", "name": "孙经办", "agency": "SZ-GT", "role": "officer"},
    )
    assert res.status_code == 201, res.text
    token = res.json()["token"]
    mine = http.get("/v1/cases", headers={"Authorization": f"Bearer {token}"}).json()
    assert case in [c["case_no"] for c in mine["items"]]
    dup = http.post(
        "/v1/users",
        headers=stack.tokens["admin"],
        json={"username": "sun.officer", "name": "x", "agency": "SZ-GT", "role": "officer"},
    )
    assert dup.status_code == 409
    # An agency's administrator administers that agency only (finding 14).
    other = http.post(
        "/v1/users",
        headers=stack.tokens["admin"],
        json={"username": "x.other", "name": "某", "agency": "OTHER", "role": "admin"},
    )
    assert other.status_code == 403 and "superadmin" in other.json()["detail"]
    assert (
        http.post(
            "/v1/users",
            headers=stack.tokens["admin"],
            json={"username": "x.super", "name": "某", "agency": "SZ-GT", "role": "superadmin"},
        ).status_code
        == 403
    )
    before = http.get(f"/v1/cases/{case}", headers=stack.tokens["officer"]).json()
    due = before["readings"]["reply"]["due_date"]
    first_day = before["readings"]["reply"]["explanation"]["anchor_date"]
    day = {"day": due, "kind": "holiday", "source": "市政府通告第1号", "reason": "寒潮停工"}
    assert (
        http.post("/v1/calendar/days", headers=stack.tokens["admin"], json=day).status_code == 403
    )
    # A dry run lists the move (old → new, per case and clock) and stores nothing.
    preview = http.post(
        "/v1/calendar/days", headers=stack.tokens["superadmin"], json={**day, "dry_run": True}
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["stored"] is False and preview.json()["shortening"] == 0
    (moved,) = [m for m in preview.json()["moved"] if m["case_no"] == case]
    assert moved["moved"][0]["clock"] == "reply" and moved["moved"][0]["old_text"] == due
    new_due = moved["moved"][0]["new_text"]
    assert new_due > due
    assert (
        http.get(f"/v1/cases/{case}", headers=stack.tokens["officer"]).json()["readings"]["reply"][
            "due_date"
        ]
        == due
    )
    # Making a weekend day inside the window a working day would shorten the date the receipt
    # told the applicant: refused, naming the case, unless a reason is given.
    first = date.fromisoformat(first_day)
    saturday = first + timedelta(days=(5 - first.weekday()) % 7 or 7)
    workday = {"day": str(saturday), "kind": "workday", "source": "市政府通知", "reason": "补班"}
    refused = http.post("/v1/calendar/days", headers=stack.tokens["superadmin"], json=workday)
    assert refused.status_code == 409 and case in refused.json()["detail"]
    assert "理由" in refused.json()["detail"]
    res = http.post(
        "/v1/calendar/days",
        headers=stack.tokens["superadmin"],
        json={"day": due, "kind": "holiday", "source": "市政府通告第1号", "reason": "寒潮停工"},
    )
    assert res.status_code == 201 and res.json()["recalculated"] >= 1
    # The read model shows the new date as soon as the change is answered.
    listed = http.get("/v1/cases", headers=stack.tokens["officer"]).json()["items"]
    (row,) = [r for r in listed if r["case_no"] == case]
    assert row["due_at"].startswith(new_due)
    for _ in range(50):
        after = http.get(f"/v1/cases/{case}", headers=stack.tokens["officer"]).json()
        if after["readings"]["reply"]["due_date"] != due:
            break
        time.sleep(0.2)
    assert after["readings"]["reply"]["due_date"] > due  # the closed day pushed the deadline
    assert first_day == after["readings"]["reply"]["explanation"]["anchor_date"]
