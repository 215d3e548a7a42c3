"""Operations on the real stack (`gongkai up`): metrics from the API and the worker, `gongkai
doctor` passing and failing, and a backup taken while cases run, restored into an empty var/
after a full stop: the case is back, in the read model and as a running workflow."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from gongkai.metrics import parse, sample
from rules.calendar import SEED_OFFICIAL_YEARS, SHANGHAI
from store.calendar import import_notice
from store.db import make_engine, migrate
from tests.fixtures.scenario import example_notice
from tests.integration.stack import Stack, add_agency, bearer, cli

pytestmark = pytest.mark.integration

APPLICATION = {
    "agency": "SZ-GT",
    "channel": "in_person",
    "applicant": {"name": "张三", "id_number": "110101199003071233", "phone": "13800138000"},
    "description": "2025年某地块建设工程规划许可证及附图",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gongkai(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _doctor_until_healthy(stack: Stack) -> str:
    """The worker may not have polled yet right after start-up."""
    res = _gongkai(stack.env, "doctor")
    for _ in range(30):
        if res.returncode == 0 and "\n✓ Worker" in res.stdout:
            break
        time.sleep(1)
        res = _gongkai(stack.env, "doctor")
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def _official_calendar(var: Path) -> None:
    """Years after the seed get the example notice, so that the doctor's calendar check passes
    whatever year the suite runs in."""
    engine = make_engine(f"sqlite:///{var / 'gongkai.db'}")
    migrate(engine)
    this_year = datetime.now(UTC).astimezone(SHANGHAI).year
    for year in (this_year, this_year + 1):
        if year not in SEED_OFFICIAL_YEARS:
            import_notice(engine, example_notice(year), "test", datetime.now(UTC))
    engine.dispose()


def _wait_for_row(http: httpx.Client, case: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(100):
        items = http.get("/v1/cases", headers=headers).json()["items"]
        row = next((i for i in items if i["case_no"] == case), None)
        if row is not None and row["due_at"] is not None:
            return row  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"{case} never reached the read model with its due date")


async def test_metrics_doctor_and_a_backup_restored_after_a_full_stop(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    stack = Stack(var)
    worker_metrics = _free_port()
    stack.env["GONGKAI_WORKER_METRICS_PORT"] = str(worker_metrics)
    add_agency(stack)
    officer = bearer(stack, "li.officer", name="李经办")
    supervisor = bearer(stack, "wang.chief", "supervisor", name="王主任")
    _official_calendar(var)
    backup = tmp_path / "backup-1"

    stack.start()
    try:
        http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
        res = http.post("/v1/disclosure-requests", json=APPLICATION, headers=officer)
        assert res.status_code == 201, res.text
        case = res.json()["case_no"]
        before = _wait_for_row(http, case, officer)

        # The API's metrics: the request above, the case in the read model.
        m = parse(http.get("/metrics", headers=supervisor).text)
        posted = [("route", "/v1/disclosure-requests"), ("method", "POST"), ("status", "201")]
        assert sample(m, "gongkai_http_requests_total", posted) == 1
        green = [("kind", "disclosure"), ("light", "green")]
        assert sample(m, "gongkai_cases_open", green) == 1
        # The worker's: the Temporal SDK's series from `gongkai worker`, on its own port.
        # The row is written inside the workflow task, whose own latency is recorded when the
        # task completes, a moment later: read the series once it is there (or fail below).
        tasks = [("workflow_type", "DisclosureRequestWorkflow")]
        for _ in range(50):
            w = parse(httpx.get(f"http://127.0.0.1:{worker_metrics}/metrics").text)
            if sample(w, "temporal_workflow_task_execution_latency_count", tasks) >= 1:
                break
            time.sleep(0.1)
        # Registration plans in the workflow and projects in one local activity, the receipt
        # stored with it.
        refreshed = [("activity_type", "project_case")]
        assert sample(w, "temporal_local_activity_execution_latency_count", refreshed) >= 1
        assert sample(w, "temporal_workflow_task_execution_latency_count", tasks) >= 1
        assert sample(w, "temporal_worker_task_slots_available") > 0

        out = _doctor_until_healthy(stack)
        lines = out.splitlines()
        assert [line.split()[1] for line in lines[:8]] == [
            "Temporal",
            "Read",
            "Search",
            "Retention",
            "Calendar",
            "Reconciliation",
            "Codec",
            "Worker",
        ]
        assert all(line.startswith("✓") for line in lines[:8]), out
        assert "server 1." in lines[0] and "366 days" in lines[3]
        assert "1 open case due" in lines[4]
        assert lines[-1] == "All checks passed."

        # One wrong setting: the read model's URL.
        wrong = {**stack.env, "GONGKAI_DATABASE_URL": f"sqlite:///{tmp_path}/nowhere/gk.db"}
        res_wrong = _gongkai(wrong, "doctor")
        assert res_wrong.returncode == 1, res_wrong.stdout
        assert "\n✗ Read model" in res_wrong.stdout and "no database file" in res_wrong.stdout
        assert "\n– Calendar" in res_wrong.stdout and res_wrong.stdout.startswith("✓ Temporal")

        # A backup while everything runs.
        done = cli(stack, "backup", str(backup))
        assert done.count("consistent snapshot") == 2 and "codec.keys" in done
        manifest = json.loads((backup / "manifest.json").read_text())
        assert set(manifest["files"]) == {"gongkai.db", "temporal.db", "codec.keys"}
        refused = _gongkai(stack.env, "restore", str(backup))
        assert refused.returncode == 1 and "stop Gongkai" in refused.stderr
    finally:
        assert stack.stop() == 0

    shutil.rmtree(var)  # a lost disk
    restored = cli(stack, "restore", str(backup))
    assert "restore complete" in restored
    assert sorted(p.name for p in var.iterdir()) == ["codec.keys", "gongkai.db", "temporal.db"]

    stack.start()
    try:
        http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
        after = _wait_for_row(http, case, officer)  # the officer's token came back too
        assert after["due_at"] == before["due_at"] and after["status"] == before["status"]
        view = http.get(f"/v1/cases/{case}", headers=officer)
        assert view.status_code == 200 and view.json()["source"] == "workflow"
        client = await Client.connect(f"127.0.0.1:{stack.grpc}", data_converter=stack.converter())
        handle = client.get_workflow_handle(case)
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        assert (await handle.query("view"))["case_no"] == case  # decrypted: the key came back
        assert "✓ Codec keys" in _doctor_until_healthy(stack)
        # Still alive: an officer action goes through the restored workflow.
        res = http.post(f"/v1/cases/{case}/actions/accept", json={}, headers=officer)
        assert res.status_code == 200, res.text
        for _ in range(50):
            if _wait_for_row(http, case, officer)["status"] == "accepted":
                break
            await asyncio.sleep(0.2)
        assert _wait_for_row(http, case, officer)["status"] == "accepted"
    finally:
        assert stack.stop() == 0


def test_backup_and_restore_refuse_what_would_lose_data(tmp_path: Path) -> None:
    import sqlite3

    from console.backup import BackupError, backup, restore
    from gongkai.settings import Settings

    var = tmp_path / "var"
    var.mkdir()
    settings = Settings(var_dir=var, dev_server_port=_free_port(), api_port=_free_port())
    with pytest.raises(BackupError, match=r"no .*temporal\.db"):
        backup(settings, tmp_path / "b0")
    live = sqlite3.connect(var / "temporal.db", isolation_level=None)
    live.execute("PRAGMA journal_mode=wal")
    live.execute("CREATE TABLE t (x)")
    live.execute("INSERT INTO t VALUES (1)")  # stays in the WAL: the connection is open
    (var / "codec.keys").write_text("k1:AAAA\n")
    done = backup(settings, tmp_path / "b1")
    assert any("consistent snapshot" in line for line in done)
    assert any("gongkai.db does not exist" in line for line in done)
    copy = sqlite3.connect(tmp_path / "b1" / "temporal.db")
    assert copy.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()
    with pytest.raises(BackupError, match="not an empty directory"):
        backup(settings, tmp_path / "b1")

    live.execute("INSERT INTO t VALUES (2)")  # after the backup
    with pytest.raises(BackupError, match="would be replaced"):
        restore(settings, tmp_path / "b1")
    live.close()
    (var / "temporal.db-wal").write_bytes(b"stale")  # a predecessor's WAL must not survive
    done = restore(settings, tmp_path / "b1", force=True)
    aside = next(var.glob("replaced-*"))
    assert {p.name for p in aside.iterdir()} >= {"temporal.db", "temporal.db-wal", "codec.keys"}
    assert not (var / "temporal.db-wal").exists()
    back = sqlite3.connect(var / "temporal.db")
    assert back.execute("SELECT x FROM t").fetchall() == [(1,)]
    back.close()

    (tmp_path / "b1" / "codec.keys").write_text("k1:BBBB\n")
    with pytest.raises(BackupError, match="damaged"):
        restore(settings, tmp_path / "b1", force=True)

    pg = settings.model_copy(update={"database_url": "postgresql+psycopg://u:secret@db/gk"})
    notes = backup(pg, tmp_path / "b2")
    assert "note: the read model is on postgresql: back it up with pg_dump" in notes
    assert not (tmp_path / "b2" / "gongkai.db").exists()


def test_attachments_are_backed_up_and_restored(tmp_path: Path) -> None:
    """The files of cases (var/files, encrypted, by digest) travel with the databases; a
    restore puts back what is missing and leaves what is there (the same name is the same
    content)."""
    import sqlite3

    from console.backup import backup, restore
    from gongkai.settings import Settings

    var = tmp_path / "var"
    var.mkdir()
    settings = Settings(var_dir=var, dev_server_port=_free_port(), api_port=_free_port())
    sqlite3.connect(var / "temporal.db").close()
    (var / "codec.keys").write_text("k1:AAAA\n")
    digest = "ab" + "0" * 62
    (var / "files" / "ab").mkdir(parents=True)
    (var / "files" / "ab" / digest).write_bytes(b"sealed bytes")
    (var / "files" / "ab" / "half.part").write_bytes(b"an upload in progress")
    done = backup(settings, tmp_path / "b")
    assert any("1 attachments" in line for line in done)
    assert (tmp_path / "b" / "files" / "ab" / digest).read_bytes() == b"sealed bytes"
    assert not (tmp_path / "b" / "files" / "ab" / "half.part").exists()
    (var / "files" / "ab" / digest).unlink()
    restore(settings, tmp_path / "b", force=True)
    assert (var / "files" / "ab" / digest).read_bytes() == b"sealed bytes"
    assert (tmp_path / "b" / "files" / "ab").stat().st_mode & 0o077 == 0  # private copies
