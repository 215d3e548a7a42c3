"""`gongkai doctor` against the real dev server (local_env) and a SQLite read model: each check
passes, warns or fails for the reason it names, and only failures make the exit code 1."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from console.doctor import FAIL, OK, SKIP, WARN, Check, diagnose, exit_code
from gongkai.codec import new_key_spec
from gongkai.settings import Settings
from rules.calendar import SHANGHAI, due_instant
from schemas.deadlines import StatutoryTimerInput
from store.calendar import import_notice
from store.db import make_engine, migrate, session_scope
from store.models import CaseRow
from tests.conftest import TEST_KEY
from tests.fixtures.scenario import example_notice
from workers.worker import WORKFLOWS, activities
from workflows.timer import StatutoryTimerWorkflow

pytestmark = pytest.mark.integration

THIS_YEAR = datetime.now(UTC).astimezone(SHANGHAI).year
OFFICIAL = THIS_YEAR + 3  # made official below by importing its (example) notice
PROVISIONAL = THIS_YEAR + 4  # no notice yet, as next year's usually is
MISSING = 2005  # no notice, and the year has long begun (the seed starts in 2008)


@pytest.fixture
def read_model(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'gongkai.db'}")
    migrate(engine)
    import_notice(engine, example_notice(OFFICIAL), "test", datetime.now(UTC))
    yield engine
    engine.dispose()


def _settings(env: WorkflowEnvironment, engine: Engine, **kw: object) -> Settings:
    values: dict[str, object] = {
        "var_dir": Path(str(engine.url.database)).parent,
        "database_url": str(engine.url),
        "temporal_address": env.client.service_client.config.target_host,
        "temporal_task_queue": f"doctor-{uuid.uuid4()}",
        "codec_keys": TEST_KEY,
        "temporal_retention_hours": 24,  # the dev server's default: 1 day
        **kw,
    }
    return Settings(**values)  # type: ignore[arg-type]


def _case(engine: Engine, case_no: str, due_year: int, status: str = "registered") -> None:
    due = due_instant(datetime(due_year, 6, 15).date())
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        s.add(
            CaseRow(
                case_no=case_no,
                kind="disclosure",
                agency="SZ-GT",
                officer="li",
                status=status,
                light="green",
                t0=(due - timedelta(days=28)).date(),
                due_at=due,
                created_at=now,
                updated_at=now,
            )
        )


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


async def test_a_healthy_installation_passes_with_a_warning_for_the_missing_worker(
    local_env: WorkflowEnvironment, read_model: Engine
) -> None:
    _case(read_model, "GK-1", OFFICIAL)
    _case(read_model, "GK-2", MISSING, status="replied")  # closed: its calendar no longer matters
    checks = await diagnose(_settings(local_env, read_model))
    c = _by_name(checks)
    assert [x.name for x in checks] == [
        "Temporal",
        "Read model",
        "Search attributes",
        "Retention",
        "Calendar",
        "Reconciliation",
        "Codec keys",
        "Worker",
    ]
    assert c["Temporal"].mark == OK and ", server 1." in c["Temporal"].detail
    assert "namespace default" in c["Temporal"].detail
    assert c["Read model"].mark == OK and "migrations at head" in c["Read model"].detail
    assert c["Search attributes"].mark == OK and "GkDueAt" in c["Search attributes"].detail
    assert c["Retention"].mark == OK and c["Retention"].detail.startswith("1 day")
    assert c["Calendar"].mark == OK, c["Calendar"].detail
    assert c["Calendar"].detail == (
        f"1 open case due {OFFICIAL}-06-15 … {OFFICIAL}-06-15, all in official years"
    )
    assert c["Reconciliation"].mark == OK  # GK-1 was registered a moment ago: not yet judged
    assert c["Codec keys"].mark == OK and "encrypting with test1" in c["Codec keys"].detail
    assert c["Worker"].mark == WARN and "no worker polls task queue" in c["Worker"].detail
    assert exit_code(checks) == 0  # warnings do not fail
    assert checks[0].line().startswith("✓ Temporal           127.0.0.1:")


async def test_a_polling_worker_is_seen(local_env: WorkflowEnvironment, read_model: Engine) -> None:
    settings = _settings(local_env, read_model)
    async with Worker(
        local_env.client,
        task_queue=settings.temporal_task_queue,
        workflows=WORKFLOWS,
        activities=activities(read_model),
        activity_executor=ThreadPoolExecutor(1),
    ):
        for _ in range(20):
            worker = _by_name(await diagnose(settings))["Worker"]
            if worker.mark == OK:
                break
        assert worker.mark == OK, worker.detail
        assert "1 workflow / 1 activity pollers" in worker.detail


async def test_calendar_provisional_years_warn_and_missing_years_fail(
    local_env: WorkflowEnvironment, read_model: Engine
) -> None:
    _case(read_model, "GK-1", OFFICIAL)
    _case(read_model, "GK-2", PROVISIONAL)
    settings = _settings(local_env, read_model)
    calendar = _by_name(await diagnose(settings))["Calendar"]
    assert calendar.mark == WARN
    assert f"1 in {PROVISIONAL}, provisional until its notice is published" in calendar.detail
    assert "GK-2" in calendar.detail and "GK-1" not in calendar.detail

    _case(read_model, "GK-3", MISSING)
    checks = await diagnose(settings)
    calendar = _by_name(checks)["Calendar"]
    assert calendar.mark == FAIL
    assert calendar.detail.startswith(f"3 open cases due {MISSING}-06-15 … {PROVISIONAL}-06-15")
    assert f"1 in {MISSING}, which has begun without its notice" in calendar.detail
    assert exit_code(checks) == 1


async def test_short_retention_fails(local_env: WorkflowEnvironment, read_model: Engine) -> None:
    checks = await diagnose(_settings(local_env, read_model, temporal_retention_hours=24 * 366))
    retention = _by_name(checks)["Retention"]
    assert retention.mark == FAIL
    assert retention.detail.startswith("1 day (configured: at least 366 days)")
    assert "--retention 8784h" in retention.detail
    assert exit_code(checks) == 1


async def test_a_wrong_database_url_fails_and_skips_the_calendar(
    local_env: WorkflowEnvironment, read_model: Engine, tmp_path: Path
) -> None:
    wrong = f"sqlite:///{tmp_path / 'elsewhere' / 'gongkai.db'}"
    checks = await diagnose(_settings(local_env, read_model, database_url=wrong))
    c = _by_name(checks)
    assert c["Read model"].mark == FAIL and "no database file" in c["Read model"].detail
    assert c["Calendar"].mark == SKIP
    assert c["Temporal"].mark == OK
    assert exit_code(checks) == 1
    assert not (tmp_path / "elsewhere").exists()  # asking creates nothing

    (tmp_path / "empty.db").touch()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    read = _by_name(await diagnose(_settings(local_env, read_model, database_url=empty)))
    assert read["Read model"].mark == FAIL
    assert "no migrations applied" in read["Read model"].detail


async def test_unreachable_temporal_and_no_keys(tmp_path: Path, read_model: Engine) -> None:
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=str(read_model.url),
        temporal_address="127.0.0.1:1",
    )
    checks = await diagnose(settings, wait=2)
    c = _by_name(checks)
    assert c["Temporal"].mark == FAIL and "connection refused" in c["Temporal"].detail
    assert c["Codec keys"].mark == FAIL and "codec.keys is missing" in c["Codec keys"].detail
    assert [c[n].mark for n in ("Search attributes", "Retention", "Worker")] == [SKIP] * 3
    assert c["Read model"].mark == OK
    assert not (tmp_path / "var").exists()  # no key ring was made by asking


async def test_keys_that_cannot_read_the_newest_case_fail(
    local_env: WorkflowEnvironment, read_model: Engine
) -> None:
    handle = await local_env.client.start_workflow(
        StatutoryTimerWorkflow.run,
        StatutoryTimerInput(name="reply", kind="disclosure", period="reply"),
        id=f"doctor-keys-{uuid.uuid4()}",
        task_queue=f"doctor-{uuid.uuid4()}",  # no worker: only its encrypted input matters
    )
    try:
        other = _settings(local_env, read_model, codec_keys=new_key_spec("k9"))
        for _ in range(50):  # visibility is eventually consistent
            codec = _by_name(await diagnose(other))["Codec keys"]
            if codec.mark == FAIL:
                break
            await asyncio.sleep(0.2)
        assert codec.mark == FAIL
        assert f"the newest case {handle.id} is encrypted with test1" in codec.detail
        assert codec.detail.startswith("1 from GONGKAI_CODEC_KEYS (k9); encrypting with k9")
        same = _by_name(await diagnose(_settings(local_env, read_model)))["Codec keys"]
        assert same.mark == OK
    finally:
        await handle.terminate("test done")
