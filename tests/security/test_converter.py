"""The converter binds each payload to its workflow without rebuilding itself: a context swaps
only the codec (the SDK's own ``with_context`` rebuilt the Pydantic converter, caches and all,
for every command of every workflow task); a payload written for one workflow is still refused
in another's."""

from __future__ import annotations

import pytest
from temporalio.converter import WorkflowSerializationContext

from gongkai.codec import EncryptionCodec
from gongkai.temporal import GongkaiDataConverter, data_converter
from schemas.deadlines import CalendarChange
from tests.conftest import TEST_SETTINGS


def _context(workflow_id: str) -> WorkflowSerializationContext:
    return WorkflowSerializationContext(namespace="default", workflow_id=workflow_id)


async def test_a_context_binds_the_codec_and_shares_the_payload_converter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from temporalio.contrib.pydantic import PydanticPayloadConverter

    dc = data_converter(TEST_SETTINGS)
    built: list[object] = []
    init = PydanticPayloadConverter.__init__

    def counted(self: PydanticPayloadConverter, *args: object, **kw: object) -> None:
        built.append(self)
        init(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(PydanticPayloadConverter, "__init__", counted)
    assert isinstance(dc, GongkaiDataConverter)
    a = dc.with_context(_context("GK-2026-000001"))
    assert a.payload_converter is dc.payload_converter  # not rebuilt
    assert a.failure_converter is dc.failure_converter
    assert (
        isinstance(a.payload_codec, EncryptionCodec) and a.payload_codec.scope == "GK-2026-000001"
    )
    assert a.with_context(_context("GK-2026-000001")) is a  # the same workflow: itself
    assert dc.payload_codec.scope is None  # the context-free one is untouched
    assert built == []  # binding built no converter (the SDK's own built one per binding)

    change = CalendarChange(reason="测试", years=[2027])
    (sealed,) = await a.encode([change])
    (back,) = await a.decode([sealed], [CalendarChange])
    assert back == change
    b = dc.with_context(_context("GK-2026-000002"))
    with pytest.raises(KeyError, match="gongkai-refused"):  # refused, never decrypted
        await b.decode([sealed], [CalendarChange])
