"""A 503 says "submitted but not confirmed in time: retry with the same Idempotency-Key to get
the result (it will not be done twice)". This holds the API to it: the first attempt's Update
reaches the workflow and is applied, its answer is lost, and the retry — although the case has
moved on, so the step would now be refused as a new request — gets the step's real result,
applied once; the generated client does that retry by itself."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from gongkai_client import AsyncGongkai
from gongkai_client import models as m
from temporalio.client import Client, WorkflowUpdateStage

from api.app import create_app
from gongkai.settings import Settings
from store.cases import get_case
from store.users import add_user
from tests.conftest import TEST_KEY
from tests.security.conftest import Running
from tests.workflows.helpers import case_input
from workflows.disclosure import DisclosureRequestWorkflow as W


class LostAnswers:
    """A Temporal client whose Updates are delivered and accepted, but whose answers never come
    back (a network partition, a slow worker)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get_workflow_handle(self, workflow_id: str) -> Any:
        handle = self.client.get_workflow_handle(workflow_id)

        class Handle:
            async def execute_update(
                self, update: Any, arg: Any, id: str | None = None, **options: Any
            ) -> Any:
                await handle.start_update(
                    update, arg, id=id, wait_for_stage=WorkflowUpdateStage.ACCEPTED, **options
                )
                await asyncio.sleep(3600)

        return Handle()


def _app(running: Running, tmp: Path, temporal: Any, timeout: float) -> Any:
    settings = Settings(var_dir=tmp, codec_keys=TEST_KEY, action_timeout_seconds=timeout)
    app = create_app(settings, temporal=temporal)
    app.state.engine = running.engine  # the worker's read model (no lifespan under ASGITransport)
    return app


async def _case(running: Running) -> str:
    now = await running.env.get_current_time()
    inp = case_input(now).model_copy(update={"case_no": f"GK-2026-{random.randrange(10**7):07d}"})
    handle = await running.env.client.start_workflow(
        W.run, inp, id=inp.case_no, task_queue=running.task_queue
    )
    for _ in range(200):
        row = get_case(running.engine, inp.case_no)
        if (await handle.query(W.view)).documents and row is not None and row.status:
            return inp.case_no
        await asyncio.sleep(0.05)
    raise AssertionError("not registered")


async def _until_status(running: Running, case: str, status: str) -> None:
    for _ in range(200):
        row = get_case(running.engine, case)
        if row is not None and row.status == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case} never reached {status}")


async def test_a_retry_after_a_lost_answer_gets_the_result_once(
    running: Running, tmp_path: Path
) -> None:
    _, token = add_user(
        running.engine, "li.officer", "李经办", "SZ-GT", "officer", datetime.now(UTC), "test"
    )
    auth = {"Authorization": f"Bearer {token}", "Idempotency-Key": "counter-42"}
    case = await _case(running)
    lossy = _app(running, tmp_path, LostAnswers(running.env.client), timeout=1.0)
    url = f"/v1/disclosure-requests/{case}/actions/accept"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(lossy), base_url="http://t") as h:
        first = await h.post(url, json={}, headers=auth)
    assert first.status_code == 503 and first.headers["retry-after"]
    await _until_status(running, case, "accepted")  # it was applied all the same

    app = _app(running, tmp_path, running.env.client, timeout=4.0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as h:
        retry = await h.post(url, json={}, headers=auth)
        assert retry.status_code == 200, retry.text
        assert retry.json()["status"] == "accepted"
        again = await h.post(url, json={}, headers=auth)  # and again: the stored answer
        assert again.json() == retry.json()
        fresh = await h.post(url, json={}, headers={"Authorization": auth["Authorization"]})
        assert fresh.status_code == 409  # a new request to accept an accepted case
        events = (await h.get(f"/v1/cases/{case}/events", headers=auth)).json()
    assert [e["kind"] for e in events].count("accepted") == 1


async def test_the_client_retries_a_lost_answer_by_itself(running: Running, tmp_path: Path) -> None:
    _, token = add_user(
        running.engine, "li.officer", "李经办", "SZ-GT", "officer", datetime.now(UTC), "test"
    )
    case = await _case(running)
    # The first attempt's answer is lost; the client's retry reaches a healthy API.
    lossy = _app(running, tmp_path, LostAnswers(running.env.client), timeout=1.0)
    healthy = _app(running, tmp_path, running.env.client, timeout=4.0)
    calls: list[int] = []

    async def route(request: httpx.Request) -> httpx.Response:
        app = lossy if not calls else healthy
        calls.append(1)
        transport = httpx.ASGITransport(app)
        return await transport.handle_async_request(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(route), base_url="http://t")
    api = AsyncGongkai("http://t", token=token, http=http)
    result = await api.disclosure_accept(case, m.DisclosureAcceptRequest())
    assert result.status == "accepted" and api.retried == 1 and len(calls) == 2
    await http.aclose()


def test_a_key_is_stored_once_and_a_retry_sends_the_same_update_again(tmp_path: Path) -> None:
    """The key is stored as sent before its Update goes out (one write): a retry — of an
    attempt that timed out, was turned away as busy, or died — sends the same Update ID again,
    and Temporal answers it with the first one's outcome; only a refusal, which Temporal does
    not keep, is stored and answered from the read model; another body under the key is a 422."""
    from fastapi import HTTPException
    from sqlmodel import Session

    from api.idempotency import REUSED, Replay
    from store.db import make_engine, migrate
    from store.models import IdempotentRequest

    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    migrate(engine)
    first = Replay(engine, "k1", "body")
    assert first.claim() is None and not first.resending
    with Session(engine) as s:
        row = s.get(IdempotentRequest, "k1")
        assert row is not None and row.state == "sent"
    retry = Replay(engine, "k1", "body")
    assert retry.claim() is None and retry.resending  # sent again, never "still running"
    retry.release()  # busy (429) before sending again: the key stays, still resendable
    assert Replay(engine, "k1", "body").claim() is None
    with pytest.raises(HTTPException) as other:
        Replay(engine, "k1", "another body").claim()
    assert other.value.status_code == 422 and other.value.detail == REUSED

    busy = Replay(engine, "k2", "body")
    assert busy.claim() is None
    busy.release()  # turned away before its Update left: the key is free
    with Session(engine) as s:
        assert s.get(IdempotentRequest, "k2") is None

    refused = Replay(engine, "k3", "body")
    assert refused.claim() is None
    refused.done(409, {"status": 409, "detail": "不能受理"})
    assert Replay(engine, "k3", "body").claim() == (409, {"status": 409, "detail": "不能受理"})
    engine.dispose()
