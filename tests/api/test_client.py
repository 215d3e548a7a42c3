"""The typed client (client/gongkai_client) and the OpenAPI it is generated from: every action of
every kind has its typed body and answer, the client has a method for every operation, and the
committed client is what the current API generates (run `make client` after changing the API).
The client is exercised against the real stack in tests/integration/test_kinds_api.py and by
`make bench` (bench/bench_actions.py)."""

from __future__ import annotations

from typing import Any

import gongkai_client
import pytest
from gongkai_client import models as m
from pydantic import ValidationError

from api.routes.kinds import staff_actions
from console import client_gen
from schemas.registry import KINDS

# Answers documented without a schema: liveness (a free-form dict) and Prometheus text.
UNTYPED = {"health", "metrics"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return client_gen.openapi()


def test_the_committed_client_is_generated_from_the_current_api() -> None:
    for path, text in client_gen.files().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: make client"


def test_every_action_of_every_kind_has_a_typed_body_and_answer(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    typed = 0
    for kind in KINDS.values():
        opened = spec["paths"][f"/v1/{kind.path}"]["post"]
        ref = opened["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert schemas[ref.rsplit("/", 1)[1]]["additionalProperties"] is False
        typed += 1
        for step in staff_actions(kind):
            op = spec["paths"][f"/v1/{kind.path}/{{case_no}}/actions/{step.name}"]["post"]
            body = op["requestBody"]["content"]["application/json"]["schema"]
            model = schemas[body["$ref"].rsplit("/", 1)[1]]
            assert model["additionalProperties"] is False, step.name  # unknown fields: 422
            assert "actor" not in model["properties"]  # the token says who acts
            answer = op["responses"]["200"]["content"]["application/json"]["schema"]
            assert answer == {"$ref": "#/components/schemas/ActionResult"}
            assert {"409", "422", "429", "503"} <= set(op["responses"])
            typed += 1
    assert typed == len(KINDS) + sum(len(staff_actions(k)) for k in KINDS.values()) == 74


def test_the_client_has_every_operation_with_its_types(spec: dict[str, Any]) -> None:
    documented = {
        o["operationId"]
        for methods in spec["paths"].values()
        for o in methods.values()
        if o["operationId"] not in client_gen.SKIP
    }
    assert {name for name, _, _ in gongkai_client.OPERATIONS} == documented
    for name in documented:
        assert callable(getattr(gongkai_client.Gongkai, name))
        assert callable(getattr(gongkai_client.AsyncGongkai, name))
    for path, methods in spec["paths"].items():
        for op in methods.values():
            ok = next(r for c, r in op["responses"].items() if c.startswith("2"))
            content = ok.get("content", {})
            if op["operationId"] in UNTYPED | client_gen.SKIP or "application/json" not in content:
                continue
            assert content["application/json"]["schema"], (path, "answer has no schema")


def test_the_client_refuses_what_the_server_would_before_sending() -> None:
    with pytest.raises(ValidationError, match="reason"):
        m.InquiryTransferRequest(to_unit="某区住建局", reasons="小区内部道路")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        m.DisclosureExtendRequest(working_days=61, reason="检索量大")
    ok = m.DisclosureExtendRequest(working_days=20, reason="检索量大")
    assert ok.model_dump(exclude_unset=True) == {"working_days": 20, "reason": "检索量大"}


def test_a_lost_answer_is_resent_under_the_same_key_and_only_when_that_is_safe() -> None:
    import httpx
    from gongkai_client import Gongkai

    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.ReadTimeout("the answer was lost", request=request)
        if request.url.path.endswith("/comments"):
            return httpx.Response(201, json={"case_no": "GK-2026-000001", "received": True})
        return httpx.Response(200, json={"status": "accepted", "seq": 3, "message": "受理"})

    http = httpx.Client(transport=httpx.MockTransport(answer), base_url="http://t")
    api = Gongkai("http://t", token="gk_x", http=http)
    api.retries = 2
    done = api.disclosure_accept("GK-2026-000001", m.DisclosureAcceptRequest())
    assert done.status == "accepted" and api.retried == 1
    keys = {r.headers["idempotency-key"] for r in seen}
    assert len(seen) == 2 and len(keys) == 1  # the same key both times
    seen.clear()
    with pytest.raises(httpx.ReadTimeout):  # a comment has no key: never sent twice
        api.comment_on_draft("GK-2026-000001", m.CommentIn(text="建议"))
    assert len(seen) == 1
