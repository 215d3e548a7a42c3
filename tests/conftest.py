"""Session fixtures: the read model, the calendar, and real Temporal servers from the packaged
binaries (the time-skipping test server and the dev server); nothing is downloaded."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from gongkai.settings import Settings
from gongkai.temporal import data_converter, temporal_cli, temporal_test_server
from rules.calendar import WorkCalendar, build_calendar
from schemas.search import ALL as SEARCH_ATTRIBUTES
from store.db import make_engine, migrate
from tests import apt, pg
from tests.pg import ThrowawayPostgres
from workers.setup import ensure_search_attributes

# The tests' encryption key: fixed (derived from a public string) so that the histories recorded
# under tests/histories/ can be replayed by later runs. It protects nothing; production keys come
# from GONGKAI_CODEC_KEYS or var/codec.keys.
TEST_KEY = "test1:" + base64.urlsafe_b64encode(
    hashlib.sha256(b"gongkai test key, not a secret").digest()
).decode().rstrip("=")
TEST_SETTINGS = Settings(codec_keys=TEST_KEY)
# How long a test server may take to start: the SDK's default (5 s) is too short on a loaded
# 2-core machine running the suite, where a time-skipping server once took longer.
SERVER_STARTUP = timedelta(seconds=60)


@pytest.fixture(scope="session")
def calendar() -> WorkCalendar:
    return build_calendar()


def _database_url(directory: Path) -> str:
    # CI may point the suite at PostgreSQL; SQLite otherwise.
    return os.environ.get("GONGKAI_TEST_DATABASE_URL") or f"sqlite:///{directory / 'test.db'}"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = make_engine(_database_url(tmp_path_factory.mktemp("db")))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    """A real PostgreSQL server for the session (the production read model), removed after."""
    if not apt.ensure(("postgresql",), pg.available):
        pytest.fail(
            "PostgreSQL binaries (initdb, pg_ctl, postgres) not found: install Debian's "
            "`postgresql` package or set GONGKAI_TEST_PG_BINDIR"
        )
    server = ThrowawayPostgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of its own on each backend the read model supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    server: ThrowawayPostgres = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def fresh_engine(db_url: str) -> Iterator[Engine]:
    """A database of its own (SQLite and PostgreSQL), for tests that change what they read."""
    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest_asyncio.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(),
        data_converter=data_converter(TEST_SETTINGS),
        test_server_startup_timeout=SERVER_STARTUP,
    )
    await ensure_search_attributes(env.client)
    yield env
    await env.shutdown()


async def start_dev_server() -> WorkflowEnvironment:
    """A real Temporal dev server (in memory) from the packaged binary, search attributes
    registered, the tests' converter."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=data_converter(TEST_SETTINGS),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
        dev_server_startup_timeout=SERVER_STARTUP,
    )


@pytest_asyncio.fixture(scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"


@pytest_asyncio.fixture
async def case_env(tmp_path: Path) -> AsyncIterator[Any]:
    """A time-skipping server of its own (tests cannot share a skipping clock), a database with
    the scenario year's example notice imported (so virtual time crosses holidays and make-up
    days), and a worker for every workflow and activity. Afterwards every document the scenario
    rendered is scanned for flaws."""
    from datetime import UTC, datetime

    from store.calendar import import_notice
    from tests.fixtures.scenario import example_notice
    from tests.workflows.helpers import CaseEnv, scan_documents, worker

    eng = make_engine(f"sqlite:///{tmp_path / 'cases.db'}")
    migrate(eng)
    import_notice(eng, example_notice(), "test", datetime.now(UTC))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(),
        data_converter=data_converter(TEST_SETTINGS),
        test_server_startup_timeout=SERVER_STARTUP,
    )
    await ensure_search_attributes(env.client)
    tq = f"tq-{uuid.uuid4()}"
    async with worker(env, eng, tq):
        yield CaseEnv(env, eng, tq)
    await env.shutdown()
    # Every document the scenario issued reads cleanly: no "None", no empty citation, no
    # placeholder left unreplaced.
    scan_documents(eng)
    eng.dispose()
