"""`gongkai up` outlives its children: a worker, API or Temporal dev server killed with SIGKILL
is restarted (and the restart logged), the stack keeps registering and progressing cases, and
only Ctrl-C stops the launcher."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.stack import Stack, add_agency, bearer
from tests.integration.test_disclosure_api import APPLICATION
from workers.launcher import Backoff

pytestmark = pytest.mark.integration

COMMANDS = {
    "worker": b"console.cli\0worker",
    "api": b"console.cli\0api",
    "temporal": b"server\0start-dev",
}


def _child(launcher: int, name: str) -> int | None:
    """The pid of the launcher's child running ``name`` (from /proc), if there is one."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == launcher and COMMANDS[name] in cmdline and state != "Z":
            return int(entry.name)
    return None


def _kill_and_wait_for_successor(stack: Stack, name: str) -> int:
    assert stack.proc is not None
    old = _child(stack.proc.pid, name)
    assert old is not None, f"no {name} child of the launcher"
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert stack.proc.poll() is None, "the launcher stopped when its child died"
        new = _child(stack.proc.pid, name)
        if new is not None and new != old:
            return new
        time.sleep(0.2)
    raise AssertionError(f"no new {name} process after SIGKILL:\n{_log(stack)[-3000:]}")


def _log(stack: Stack) -> str:
    return (stack.var / "up.log").read_text()


def _register_and_progress(stack: Stack, headers: dict[str, str]) -> str:
    """A new case is registered, the worker runs it (its view answers the query and its receipt
    is issued) and the read model receives its events."""
    http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
    deadline = time.monotonic() + 90
    while True:  # the API may still be connecting to a restarted server
        res = http.post("/v1/disclosure-requests", json=APPLICATION, headers=headers)
        if res.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert res.status_code == 201, res.text
    case = str(res.json()["case_no"])
    while time.monotonic() < deadline:
        view = http.get(f"/v1/cases/{case}", headers=headers)
        events = http.get(f"/v1/cases/{case}/events", headers=headers)
        if view.status_code == 200 and view.json().get("documents") and events.json():
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"case {case} did not progress: {view.text}\n{_log(stack)[-3000:]}")
    with sqlite3.connect(stack.var / "gongkai.db") as db:
        row = db.execute('SELECT kind, status FROM "case" WHERE case_no = ?', (case,)).fetchone()
    assert row is not None and row[0] == "disclosure", row
    return case


def _healthy(stack: Stack) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            res = httpx.get(f"http://127.0.0.1:{stack.http}/health", timeout=2)
            if res.status_code == 200 and res.json()["temporal"] == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the API did not come back:\n{_log(stack)[-3000:]}")


def test_killed_children_are_restarted_and_the_stack_keeps_serving(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    add_agency(stack)
    headers = bearer(stack, "li.officer")
    stack.start()
    assert stack.proc is not None
    try:
        first = _register_and_progress(stack, headers)

        worker = _kill_and_wait_for_successor(stack, "worker")
        log = _log(stack)
        assert "process exited; restarting in 1 s" in log
        assert "process=worker" in log and "code=-9" in log and "signal=SIGKILL" in log
        assert "process restarted" in log and f"pid={worker}" in log
        _healthy(stack)
        _register_and_progress(stack, headers)

        _kill_and_wait_for_successor(stack, "api")
        _healthy(stack)
        assert _log(stack).count("process exited; restarting in 1 s") == 2
        assert "process=api" in _log(stack)

        # The dev server restarts on the same SQLite file: the cases it held are still there.
        _kill_and_wait_for_successor(stack, "temporal")
        _healthy(stack)
        _register_and_progress(stack, headers)
        view = httpx.get(f"http://127.0.0.1:{stack.http}/v1/cases/{first}", headers=headers)
        assert view.status_code == 200 and view.json()["source"] == "workflow", view.text
        assert "process=temporal" in _log(stack)
        assert stack.proc.poll() is None
        assert _child(stack.proc.pid, "worker") == worker  # the worker lived through it
    finally:
        code = stack.stop()
    assert code == 0  # Ctrl-C is still a clean stop
    assert "all stopped" in _log(stack)
    assert subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True).stdout == b""


def test_restart_delay_doubles_to_a_cap_and_resets_after_a_stable_run() -> None:
    backoff = Backoff(first=1, cap=30, stable=60)
    delays = [backoff.delay(uptime=2) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff.delay(uptime=61) == 1  # it had stayed up: a new crash, not a crash loop
    assert backoff.delay(uptime=0.5) == 2


async def test_a_worker_whose_temporal_worker_fails_exits_to_be_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The launcher restarts processes that exit: a worker process must not stay up, polling
    nothing, after the SDK's worker has failed (a fatal error ends Worker.run)."""
    import asyncio

    from gongkai.settings import Settings
    from workers import worker as process

    class FailingWorker:
        async def run(self) -> None:
            raise RuntimeError("fatal: the namespace is gone")

        async def shutdown(self) -> None:
            raise AssertionError("nothing to shut down: the worker has failed")

    async def connect(*_: object, **__: object) -> object:
        return object()

    async def no_schedules(*_: object) -> None:
        return None

    monkeypatch.setattr(process, "connect_with_retry", connect)
    monkeypatch.setattr(process, "ensure_schedules", no_schedules)
    monkeypatch.setattr(process, "build_worker", lambda *_: FailingWorker())
    settings = Settings(var_dir=tmp_path, worker_metrics_port=0)
    with pytest.raises(RuntimeError, match="namespace is gone"):
        await asyncio.wait_for(process.run_worker(settings), timeout=10)
