"""The codec endpoint for the Temporal UI and CLI (``--codec-endpoint``): decrypts payloads for
authenticated supervisors only, since they hold applicants' personal data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload, Payloads

from api import deps
from gongkai.codec import CodecKeyError, EncryptionCodec
from gongkai.logs import get_logger
from schemas.disclosure import Actor

router = APIRouter(prefix="/codec", tags=["codec"])
log = get_logger(__name__)


async def _apply(
    request: Request, fn: Callable[[Sequence[Payload]], Awaitable[list[Payload]]]
) -> Response:
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, DecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, 'Send {"payloads": [...]} in proto3 JSON.') from exc
    try:
        out = await fn(payloads.payloads)
    except (CodecKeyError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from exc
    return Response(
        json_format.MessageToJson(Payloads(payloads=out)), media_type="application/json"
    )


def _codec(request: Request) -> EncryptionCodec:
    return request.app.state.codec


@router.post("/decode", summary="Decrypt payloads (supervisors only)")
async def decode(request: Request, who: Actor = Depends(deps.supervisor)) -> Response:
    log.info("codec decode", user=who.id, namespace=request.headers.get("x-namespace", ""))
    return await _apply(request, _codec(request).decode)


@router.post("/encode", summary="Encrypt payloads (supervisors only)")
async def encode(request: Request, who: Actor = Depends(deps.supervisor)) -> Response:
    return await _apply(request, _codec(request).encode)
