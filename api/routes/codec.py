"""The codec endpoint for the Temporal UI and CLI (``--codec-endpoint``): it decrypts a payload
only for a supervisor of the agency that holds the case the payload belongs to (the payload's
authenticated scope, gongkai/codec.py). There is no encode endpoint: whoever could encrypt with
the server's key could write Updates the workers would accept."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from sqlalchemy.engine import Engine
from temporalio.api.common.v1 import Payloads

from api import deps
from gongkai.codec import EncryptionCodec
from gongkai.logs import get_logger
from schemas.case import Actor, Role
from store.cases import get_case

router = APIRouter(prefix="/codec", tags=["codec"])
log = get_logger(__name__)


def _reader(who: Actor, engine: Engine) -> Callable[[str | None], bool]:
    """Which cases' payloads this person may read: their own agency's, as its supervisor."""
    agencies: dict[str, str | None] = {}

    def may_read(case_no: str | None) -> bool:
        if case_no is None or who.role is not Role.SUPERVISOR:
            return False  # unscoped (older) payloads belong to no one we can establish
        if case_no not in agencies:
            row = get_case(engine, case_no)
            agencies[case_no] = row.agency if row is not None else None
        return agencies[case_no] == who.agency

    return may_read


@router.post(
    "/decode",
    summary="Decrypt payloads (a supervisor, for their own agency's cases)",
    operation_id="codec_decode",
)
async def decode(
    request: Request,
    who: Actor = Depends(deps.actor),
    engine: Engine = Depends(deps.engine),
) -> Response:
    if who.role is not Role.SUPERVISOR:
        raise HTTPException(403, "只有本机关的负责人（supervisor）可以解密案件数据。")
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, DecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, '请以 proto3 JSON 发送 {"payloads": [...]}。') from exc
    codec: EncryptionCodec = request.app.state.codec
    out, withheld = codec.decode_readable(payloads.payloads, _reader(who, engine))
    log.info(
        "codec decode",
        user=who.id,
        agency=who.agency,
        payloads=len(out),
        withheld=withheld,
        namespace=request.headers.get("x-namespace", ""),
    )
    return Response(
        json_format.MessageToJson(Payloads(payloads=out)), media_type="application/json"
    )
