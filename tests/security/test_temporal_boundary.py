"""Talking to Temporal directly, without the API: anyone who reaches the frontend can send an
Update or a Signal. The workers accept only payloads encrypted with a configured key and bound to
the case they are for (gongkai/codec.py); anything else is rejected without writing anything and
without freezing the case (review findings 1 and 2)."""

from __future__ import annotations

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import RawValue
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from gongkai.codec import REFUSED, build_codec, new_key_spec
from schemas import disclosure as s
from tests.conftest import TEST_SETTINGS
from tests.security.conftest import Running
from tests.workflows.helpers import OFFICER, SUPERVISOR
from workflows.disclosure import DisclosureRequestWorkflow as W

pytestmark = pytest.mark.integration

FORGED_SUPERVISOR = {"id": "boss", "name": "局长（伪造）", "role": "supervisor", "agency": "SZ-GT"}


async def _events(env: WorkflowEnvironment, case: str) -> list[str]:
    view = await env.client.get_workflow_handle(case).query(W.view)
    return [e.summary for e in view.events]


async def test_forged_plain_updates_and_signals_are_refused_and_the_case_goes_on(
    running: Running,
) -> None:
    local_env = running.env
    case = await running.case()
    before = await _events(local_env, case)
    # What the `temporal` CLI sends: plain JSON, an invented supervisor.
    plain = await Client.connect(
        local_env.client.service_client.config.target_host,
        data_converter=pydantic_data_converter,
    )
    forged = plain.get_workflow_handle(case)
    for update, body in (
        ("extend", {"actor": FORGED_SUPERVISOR, "working_days": 20, "reason": "伪造延期"}),
        ("add_note", {"actor": FORGED_SUPERVISOR, "text": "局长（伪造）批示"}),
    ):
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await forged.execute_update(update, body)
        assert "Failed decoding arguments" in str(info.value.cause)  # rejected, not run
    await forged.signal("calendar_changed", {"reason": "伪造的日历变更"})
    # Encrypted with a key Gongkai does not hold: refused as well.
    stranger = build_codec(new_key_spec("k9"))
    import dataclasses

    other = await Client.connect(
        local_env.client.service_client.config.target_host,
        data_converter=dataclasses.replace(pydantic_data_converter, payload_codec=stranger),
    )
    with pytest.raises(WorkflowUpdateFailedError):
        await other.get_workflow_handle(case).execute_update(
            "add_note", {"actor": FORGED_SUPERVISOR, "text": "外来密钥"}
        )
    # Nothing was written, the reply date did not move, and the case still answers.
    assert await _events(local_env, case) == before
    handle = local_env.client.get_workflow_handle(case)
    result = await handle.execute_update(W.add_note, s.AddNote(actor=OFFICER, text="正常备注"))
    assert result.seq == len(before) + 1
    view = await handle.query(W.view)
    assert view.clocks["reply"].extensions == []


async def test_a_payload_copied_from_another_case_is_refused(running: Running) -> None:
    local_env = running.env
    a, b = await running.case(), await running.case()
    handle_a = local_env.client.get_workflow_handle(a)
    await handle_a.execute_update(
        W.extend, s.Extend(actor=SUPERVISOR, working_days=20, reason="A案需检索")
    )
    history = await handle_a.fetch_history()
    (accepted,) = [
        e.workflow_execution_update_accepted_event_attributes
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    stolen = accepted.accepted_request.input.args.payloads[0]
    assert stolen.metadata["gk-scope"] == a.encode()
    raw = await Client.connect(
        local_env.client.service_client.config.target_host,
        data_converter=pydantic_data_converter,
    )
    before = await _events(local_env, b)
    with pytest.raises(WorkflowUpdateFailedError):
        await raw.get_workflow_handle(b).execute_update("extend", RawValue(stolen))
    assert await _events(local_env, b) == before
    assert (await local_env.client.get_workflow_handle(b).query(W.view)).extended is False


async def test_the_codec_never_raises_on_what_it_refuses() -> None:
    codec = build_codec(TEST_SETTINGS.codec_keys).with_context(
        type("Ctx", (), {"workflow_id": "GK-2026-000001"})()  # type: ignore[arg-type]
    )
    from temporalio.api.common.v1 import Payload

    (out,) = await codec.decode([Payload(metadata={"encoding": b"json/plain"}, data=b"{}")])
    assert out.metadata["encoding"] == REFUSED
    (mine,) = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b"{}")])
    tampered = Payload(metadata=dict(mine.metadata), data=mine.data[:-1] + b"\0")
    (bad,) = await codec.decode([tampered])
    assert bad.metadata["encoding"] == REFUSED
    (good,) = await codec.decode([mine])
    assert good.data == b"{}"
