"""`gongkai setup`, the one-shot service of compose.yaml, against a real SQLite read model and the
real Temporal dev server: migrations applied, namespace created with its retention, Gongkai's
search attributes registered, exit code 0 (compose starts workers and API only then); run
again, it changes only what differs."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from console.cli import app
from gongkai.settings import get_settings
from schemas.search import ALL as SEARCH_ATTRIBUTES
from store.db import alembic_config
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.integration


async def _gongkai_setup(*args: str, **settings: str) -> tuple[int, str]:
    """The command as compose runs it: its own process, configured by GONGKAI_* only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    env.update({f"GONGKAI_{k.upper()}": v for k, v in settings.items()})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "console.cli",
        "setup",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode()


def _at_head(url: str) -> bool:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    finally:
        engine.dispose()


async def _retention(env: WorkflowEnvironment, namespace: str) -> timedelta:
    described = await env.client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=namespace)
    )
    return described.config.workflow_execution_retention_ttl.ToTimedelta()


async def test_setup_migrates_creates_namespace_and_registers_search_attributes(
    local_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'setup.db'}"
    namespace = f"gk-setup-{uuid.uuid4().hex[:8]}"
    settings = {
        "database_url": url,
        "temporal_address": local_env.client.service_client.config.target_host,
        "temporal_namespace": namespace,
        "codec_keys": TEST_KEY,
        "var_dir": str(tmp_path / "var"),
    }

    code, out = await _gongkai_setup("--wait", "60", temporal_retention_hours="2400", **settings)
    assert code == 0, out
    assert f"temporal namespace {namespace} (created): retention 2400 h" in out

    assert _at_head(url)
    assert await _retention(local_env, namespace) == timedelta(hours=2400)
    listed = await local_env.client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    for key in SEARCH_ATTRIBUTES:
        assert listed.custom_attributes[key.name] == int(key.indexed_value_type), key.name

    # Again, as at every `docker compose up`: nothing to create, only the new retention.
    code, out = await _gongkai_setup(temporal_retention_hours="8784", **settings)
    assert code == 0, out
    assert f"temporal namespace {namespace} (exists): retention 8784 h" in out
    assert await _retention(local_env, namespace) == timedelta(hours=8784)


async def test_setup_fails_loudly_when_temporal_never_answers(tmp_path: Path) -> None:
    """A non-zero exit keeps compose from starting workers and API on a half-prepared stack."""
    code, out = await _gongkai_setup(
        "--wait",
        "2",
        database_url=f"sqlite:///{tmp_path / 'down.db'}",
        temporal_address="127.0.0.1:1",
        codec_keys=TEST_KEY,
    )
    assert code == 1, out
    assert "temporal: " in out


def test_setup_without_temporal_only_migrates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Temporal Cloud: the namespace is managed with tcld; setup must not need Temporal at all
    (the address below answers nothing)."""
    url = f"sqlite:///{tmp_path / 'cloud.db'}"
    monkeypatch.setenv("GONGKAI_DATABASE_URL", url)
    monkeypatch.setenv("GONGKAI_TEMPORAL_ADDRESS", "127.0.0.1:1")
    monkeypatch.setenv("GONGKAI_CODEC_KEYS", TEST_KEY)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["setup", "--no-temporal"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "migrations applied" in result.output and "namespace" not in result.output
    assert _at_head(url)
