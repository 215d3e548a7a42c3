"""A case driven through the HTTP API against the real dev server, worker and database:
register, correction and its restart, third-party consultation with the clock paused,
extension, reply, service, archive; then the events, documents and archived history."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client

from tests.integration.stack import Stack, add_agency, bearer

pytestmark = pytest.mark.integration

HEADERS: dict[str, dict[str, str]] = {}

APPLICATION = {
    "agency": "SZ-GT",
    "channel": "in_person",
    "applicant": {
        "name": "张三",
        "id_number": "110101199003071233",
        "phone": "13800138000",
        "email": "zhangsan@example.test",
    },
    "description": "2025年某地块建设工程规划许可证及附图",
}


class Api:
    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def act(
        self,
        case: str,
        action: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        expect: int = 200,
    ) -> dict[str, Any]:
        headers = headers or HEADERS["officer"]
        res = self.http.post(f"/v1/cases/{case}/actions/{action}", json=body or {}, headers=headers)
        assert res.status_code == expect, (action, res.status_code, res.text)
        return res.json()  # type: ignore[no-any-return]

    def case(self, case: str) -> dict[str, Any]:
        res = self.http.get(f"/v1/cases/{case}", headers=HEADERS["officer"])
        assert res.status_code == 200, res.text
        return res.json()  # type: ignore[no-any-return]


async def test_case_through_the_api_end_to_end(tmp_path: Path, db_url: str) -> None:
    # Run on both read-model backends: SQLite (one machine) and PostgreSQL (production).
    stack = Stack(tmp_path, None if db_url.startswith("sqlite") else db_url)
    add_agency(stack)
    add_agency(stack, "OTHER", prefix="OT")
    HEADERS["officer"] = bearer(stack, "li.officer", name="李经办")
    HEADERS["supervisor"] = bearer(stack, "wang.chief", "supervisor", name="王主任")
    HEADERS["head"] = bearer(stack, "zhou.head", "supervisor", name="周局长")
    HEADERS["stranger"] = bearer(stack, "zhao", agency="OTHER")
    OFFICER, SUPERVISOR, STRANGER = HEADERS["officer"], HEADERS["supervisor"], HEADERS["stranger"]
    stack.start()
    try:
        api = Api(stack.http)
        res = api.http.post(
            "/v1/disclosure-requests",
            json=APPLICATION,
            headers={**OFFICER, "Idempotency-Key": "counter-2026-11-22-001"},
        )
        assert res.status_code == 201, res.text
        case = res.json()["case_no"]
        assert case.startswith("GK-2026-") or case.startswith("GK-20")
        again = api.http.post(
            "/v1/disclosure-requests",
            json=APPLICATION,
            headers={**OFFICER, "Idempotency-Key": "counter-2026-11-22-001"},
        )
        assert again.status_code == 201 and again.json() == {**res.json(), "created": False}

        for _ in range(100):
            view = api.case(case)
            if view["status"] == "registered" and view["documents"]:
                break
            time.sleep(0.1)
        assert view["readings"]["reply"]["due_date"]
        assert view["readings"]["reply"]["explanation"]["lines"]

        # security: no identity → 401; another agency → 403; nothing changes
        assert api.http.get(f"/v1/cases/{case}").status_code == 401
        api.act(case, "accept", headers=STRANGER, expect=403)

        # 补正 and the restart of the reply period (Art. 30)
        api.act(case, "request-correction", {"items": ["请写明地块编号", "请提供身份证明复印件"]})
        assert api.case(case)["readings"]["reply"]["state"] == "paused"
        api.act(case, "submit-correction")
        view = api.case(case)
        assert view["status"] == "registered" and len(view["clocks"]["reply"]["restarts"]) == 1
        rejected = api.act(case, "request-correction", {"items": ["again"]}, expect=409)
        assert "只能发出一次" in rejected["detail"]

        api.act(case, "accept")
        api.act(case, "assign", {"unit": "规划处"})
        # third-party consultation: the reply clock stops (Art. 32, Art. 33 para 3)
        api.act(
            case,
            "start-consultation",
            {"kind": "third_party", "party": "某房地产公司", "matters": "涉及商业秘密的附图"},
        )
        view = api.case(case)
        assert view["status"] == "consulting"
        assert view["readings"]["reply"]["state"] == "paused"
        assert view["readings"]["consultation"]["due_date"]
        objection = api.act(case, "record-consultation-answer", {"answer": "objection"}, expect=422)
        assert "理由" in objection["detail"]
        api.act(case, "record-consultation-answer", {"answer": "consent"})
        assert api.case(case)["readings"]["reply"]["state"] == "running"

        # extension: supervisors only, once
        denied = api.act(case, "extend", {"working_days": 20, "reason": "检索"}, expect=409)
        assert "负责人" in denied["detail"]
        before = api.case(case)["readings"]["reply"]["due_date"]
        api.act(
            case, "extend", {"working_days": 20, "reason": "需跨部门检索档案"}, headers=SUPERVISOR
        )
        after = api.case(case)["readings"]["reply"]["due_date"]
        assert after > before
        second = api.act(
            case, "extend", {"working_days": 5, "reason": "again"}, headers=SUPERVISOR, expect=409
        )
        assert "不能再次延长" in second["detail"]

        # reply: incomplete content is refused with what the law requires
        incomplete = api.act(
            case, "submit-for-review", {"reply": {"outcome": "GRANTED"}}, expect=422
        )
        assert "获取信息的方式" in incomplete["detail"]
        api.act(
            case,
            "submit-for-review",
            {
                "reply": {
                    "outcome": "GRANTED",
                    "facts": "经检索，找到该许可证及附图。",
                    "access_method": "电子邮件",
                    "access_place": "申请人预留邮箱",
                    "access_time": "答复之日起5个工作日内",
                }
            },
        )
        api.act(
            case, "review", {"approve": True, "confidentiality_reviewed": True}, headers=SUPERVISOR
        )
        api.act(case, "archive", expect=409)
        same = api.act(case, "sign-off", {"approve": True}, headers=SUPERVISOR, expect=409)
        assert "四眼" in same["detail"]  # the reviewer may not also sign off
        api.act(case, "sign-off", {"approve": True}, headers=HEADERS["head"])
        api.act(case, "serve", {"method": "电子邮件"})
        api.act(case, "archive")

        events = api.http.get(f"/v1/cases/{case}/events", headers=OFFICER).json()
        kinds = [e["kind"] for e in events]
        assert kinds[:3] == ["received", "registered", "correction_requested"]
        assert {
            "consultation_started",
            "consultation_answered",
            "extended",
            "replied",
            "served",
            "archived",
        } <= set(kinds)
        assert next(e for e in events if e["kind"] == "extended")["actor_id"] == "wang.chief"
        for name in ("receipt", "correction_notice", "consultation_letter", "extension_notice"):
            assert (
                api.http.get(f"/v1/cases/{case}/documents/{name}", headers=OFFICER).status_code
                == 200
            )
        reply = api.http.get(f"/v1/cases/{case}/documents/reply", headers=OFFICER).text
        assert "答复书" in reply and "第三十六条" in reply and "某市人民政府" in reply
        listed = api.http.get("/v1/cases", params={"status": "archived"}, headers=OFFICER).json()
        assert [c["case_no"] for c in listed["items"]] == [case]

        # the archive outlives Temporal: delete the execution and read the case file again
        client = await Client.connect(f"127.0.0.1:{stack.grpc}", data_converter=stack.converter())
        desc = await client.get_workflow_handle(case).describe()
        await client.workflow_service.delete_workflow_execution(
            DeleteWorkflowExecutionRequest(
                namespace="default",
                workflow_execution=WorkflowExecution(workflow_id=case, run_id=desc.run_id),
            )
        )
        for _ in range(50):
            view = api.case(case)
            if view["source"] == "archive":
                break
            time.sleep(0.2)
        assert view["source"] == "archive" and view["status"] == "archived"
        history = api.http.get(f"/v1/cases/{case}/history", headers=OFFICER).json()
        assert history["source"] == "archive"
        assert history["history"]["events"][0]["eventType"] in (
            "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
            "WorkflowExecutionStarted",
        )
    finally:
        assert stack.stop() == 0
