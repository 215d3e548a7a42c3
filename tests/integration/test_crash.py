"""Faults for real, in the middle of a burst of escalations: the worker is killed with SIGKILL and
started again; the Temporal dev server is killed with SIGKILL and started again on the same SQLite
file; the read model's PostgreSQL server is stopped and started again. Afterwards every case is
complete, every officer action that returned success is in its history, and every escalation,
notification and document happened exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from gongkai.settings import Settings
from gongkai.temporal import data_converter
from rules.calendar import SHANGHAI
from schemas import disclosure as s
from store.db import make_engine, migrate
from store.models import CaseEventRow, DocumentRow, OutboxRow
from tests.conftest import TEST_KEY, TEST_SETTINGS
from tests.pg import ThrowawayPostgres
from tests.workflows.helpers import OFFICER, case_input
from workers.launcher import dev_server_command
from workflows.disclosure import DisclosureRequestWorkflow as W

pytestmark = pytest.mark.integration
CASES = 40
RUNGS = ("amber", "red", "overdue", "very_overdue")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Rig:
    """A dev server on a SQLite file, a worker process and a read model, each killable."""

    def __init__(self, tmp: Path, db_url: str) -> None:
        self.tmp, self.db_url = tmp, db_url
        self.settings = Settings(
            dev_server_port=_free_port(), dev_server_ui_port=_free_port(), api_port=_free_port()
        )
        self.address = f"127.0.0.1:{self.settings.dev_server_port}"
        self.task_queue = f"crash-{uuid.uuid4()}"
        self.log = (tmp / "processes.log").open("ab")
        self.server: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    @property
    def worker(self) -> subprocess.Popen[bytes]:
        return self.workers[-1]

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [*dev_server_command(self.settings, self.tmp / "temporal.db"), "--headless"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.server.poll() is None, "the dev server exited"
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.settings.dev_server_port)) == 0:
                    return
            time.sleep(0.2)
        raise AssertionError("the dev server did not start")

    def start_worker(self) -> subprocess.Popen[bytes]:
        environ = {
            **os.environ,
            "GONGKAI_TEMPORAL_ADDRESS": self.address,
            "GONGKAI_DATABASE_URL": self.db_url,
            "GONGKAI_CODEC_KEYS": TEST_KEY,
            "GONGKAI_TEMPORAL_TASK_QUEUE": self.task_queue,
            "GONGKAI_WORKER_METRICS_PORT": "0",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "console.cli", "worker"],
            env=environ,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.workers.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen[bytes] | None) -> None:
        assert proc is not None and proc.poll() is None, "already dead before the fault"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL

    def stop(self) -> None:
        for proc in (*self.workers, self.server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.log.close()


async def _query(handle: WorkflowHandle[Any, Any]) -> s.CaseView:
    """Query, riding out the seconds in which the server is coming back."""
    for _ in range(300):
        try:
            return await handle.query(W.view)
        except RPCError:
            await asyncio.sleep(0.2)
    raise AssertionError(f"{handle.id} did not answer")


async def _burst_with_fault(
    rig: Rig, engine: Engine, fault: Callable[[], Awaitable[None]], workers: int = 1
) -> None:
    rig.start_server()
    for _ in range(workers):
        rig.start_worker()
    client = await _connect(rig.address)
    # Applications received on 2026-09-15 and registered only now: all four rungs of the reply
    # clock are due at once, so each case runs a burst of activities.
    handles = []
    for _ in range(CASES):
        inp = case_input(datetime(2026, 9, 15, 10, tzinfo=SHANGHAI))
        handles.append(
            await client.start_workflow(W.run, inp, id=inp.case_no, task_queue=rig.task_queue)
        )
    accepted = []
    for h in handles[:5]:  # officer actions that returned success before the fault
        for _ in range(100):
            if (await h.query(W.view)).status is s.Status.REGISTERED:
                break
            await asyncio.sleep(0.1)
        await h.execute_update(W.accept, s.Accept(actor=OFFICER))
        accepted.append(h.id)
    await fault()
    for h in handles:
        for _ in range(900):
            v = await _query(h)
            if len([r for r in v.fired if r.clock == "reply"]) == len(RUNGS):
                break
            await asyncio.sleep(0.1)
        assert [r.rung for r in v.fired if r.clock == "reply"] == list(RUNGS), h.id
    # The last projections land shortly after the last rung: read until they are all there.
    expected_docs = CASES * 2
    for _ in range(300):
        with Session(engine) as db:
            events = db.exec(select(CaseEventRow)).all()
            outbox = db.exec(select(OutboxRow)).all()
            docs = db.exec(select(DocumentRow)).all()
        per_case = Counter((e.case_no, e.data) for e in events if e.kind == "escalation")
        reply_rungs = [k for k in per_case if '"clock": "reply"' in k[1]]
        urging = sum(1 for d in docs if d.name == "urging_notice")
        # An accept sent straight to the workflow (no API wrote its answer) reaches the read
        # model with the case's catch-up (ANSWER_FIRST), after the fault if it came first.
        told = {e.case_no for e in events if e.kind == "accepted"}
        if (
            len(reply_rungs) == CASES * len(RUNGS)
            and urging == expected_docs
            and told >= set(accepted)
        ):
            break
        await asyncio.sleep(0.2)
    assert all(n == 1 for n in per_case.values())
    assert len(reply_rungs) == CASES * len(RUNGS)
    keys = [o.key for o in outbox]
    assert len(keys) == len(set(keys))
    # amber: officer (1); red: officer + supervisor (2); overdue: supervisor + urging notice
    # (2); very overdue: head + urging notice (2); the late correction-notice warning (1); and
    # the applicant, told of the registration (1).
    warnings = len(per_case) - len(reply_rungs)
    assert len(keys) == CASES * 7 + warnings + CASES
    assert sum(1 for k in keys if k.endswith(":applicant")) == CASES
    doc_keys = [(d.case_no, d.name, d.seq) for d in docs]
    assert len(doc_keys) == len(set(doc_keys))
    assert urging == expected_docs
    for case_no in accepted:
        assert any(e.case_no == case_no and e.kind == "accepted" for e in events)
        answer = await _query(client.get_workflow_handle(case_no))
        assert answer.status is not s.Status.REGISTERED
    for h in handles:
        await h.terminate("test done")


async def _connect(address: str) -> Client:
    """A client of the just-started dev server: its port answers a moment before its frontend
    is healthy ("Frontend is not healthy yet"), on a loaded machine for a few seconds."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return await Client.connect(address, data_converter=data_converter(TEST_SETTINGS))
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def _sqlite(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(url)
    migrate(engine)
    return url, engine


async def test_worker_killed_mid_burst_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    url, engine = _sqlite(tmp_path)
    rig = Rig(tmp_path, url)

    async def fault() -> None:
        rig.kill(rig.worker)
        rig.start_worker()

    try:
        await _burst_with_fault(rig, engine, fault)
    finally:
        rig.stop()
        engine.dispose()


async def test_dev_server_killed_and_restarted_on_its_file_loses_nothing(tmp_path: Path) -> None:
    url, engine = _sqlite(tmp_path)
    rig = Rig(tmp_path, url)

    async def fault() -> None:
        await asyncio.sleep(0.5)  # into the burst
        rig.kill(rig.server)
        await asyncio.sleep(1)
        rig.start_server()  # same SQLite file, same port; the worker reconnects by itself

    try:
        await _burst_with_fault(rig, engine, fault)
        assert rig.worker.poll() is None, "the worker gave up"
    finally:
        rig.stop()
        engine.dispose()


async def test_database_stopped_briefly_loses_nothing(
    tmp_path: Path, postgres: ThrowawayPostgres
) -> None:
    url = postgres.new_database()
    engine = make_engine(url)
    migrate(engine)
    rig = Rig(tmp_path, url)

    async def fault() -> None:
        await asyncio.sleep(0.5)  # into the burst
        postgres.pause()  # projections, documents and the outbox fail and are retried
        await asyncio.sleep(3)
        postgres.resume()

    try:
        await _burst_with_fault(rig, engine, fault)
        assert rig.worker.poll() is None, "the worker gave up"
    finally:
        rig.stop()
        engine.dispose()


async def test_two_workers_on_one_queue_one_killed_the_other_finishes(tmp_path: Path) -> None:
    """Horizontal scaling: two worker processes share the task queue; one is killed mid-run and
    not restarted; the survivor takes over its cases and finishes everything exactly once."""
    url, engine = _sqlite(tmp_path)
    rig = Rig(tmp_path, url)

    async def fault() -> None:
        await asyncio.sleep(0.5)  # into the burst, both workers busy
        rig.kill(rig.workers[0])

    try:
        await _burst_with_fault(rig, engine, fault, workers=2)
        assert rig.workers[1].poll() is None
    finally:
        rig.stop()
        engine.dispose()
