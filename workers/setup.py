"""`gongkai setup`'s Temporal half: the namespace with its retention, and Gongkai's custom search
attributes (schemas/search.py), registered where they are missing."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from gongkai.settings import Settings
from gongkai.temporal import connect_with_retry, ensure_namespace


async def prepare_namespace(settings: Settings, wait_seconds: float = 120) -> bool:
    """The Temporal half of `gongkai setup`: the namespace with its retention, then Gongkai's
    search attributes. A namespace just created takes a few seconds to reach every server role,
    so this waits (up to ``wait_seconds``) until the attributes are listed: workers and API
    started afterwards find everything in place. Returns whether the namespace was created."""
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
    from temporalio.service import RPCError, RPCStatusCode

    from gongkai.logs import get_logger
    from schemas.search import ALL

    log = get_logger(__name__)
    client = await connect_with_retry(settings, attempts=max(1, int(wait_seconds)))
    created = await ensure_namespace(client, settings.temporal_retention_hours)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    transient = (
        RPCStatusCode.NOT_FOUND,
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
    )
    while True:
        try:
            await ensure_search_attributes(client)
            listed = await client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace=client.namespace)
            )
            missing = sorted({key.name for key in ALL} - set(listed.custom_attributes))
            if not missing:
                return created
            problem = f"not listed yet: {', '.join(missing)}"
        except RPCError as exc:
            if exc.status not in transient:
                raise
            problem = str(exc)
        if loop.time() >= deadline:
            raise TimeoutError(
                f"namespace {client.namespace}: search attributes not ready after "
                f"{wait_seconds:.0f} s ({problem})"
            )
        log.info("waiting for the namespace", namespace=client.namespace, problem=problem)
        await asyncio.sleep(1)


async def ensure_search_attributes(client: Client) -> None:
    """Register Gongkai's custom search attributes where they are missing."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import (
        AddSearchAttributesRequest,
        ListSearchAttributesRequest,
    )
    from temporalio.service import RPCError, RPCStatusCode

    from schemas.search import ALL

    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        known = set(existing.custom_attributes)
    except RPCError as exc:  # the time-skipping test server cannot list them
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    # The SDK's enum uses the proto's numbering (KEYWORD=2, DATETIME=6, ...).
    missing = {
        key.name: IndexedValueType.ValueType(int(key.indexed_value_type))
        for key in ALL
        if key.name not in known
    }
    if missing:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
            )
        except RPCError as exc:
            if exc.status != RPCStatusCode.ALREADY_EXISTS:
                raise
