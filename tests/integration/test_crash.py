"""Faults for real: the worker is killed with SIGKILL in the middle of a burst of escalations and
started again. Afterwards every case is complete, every action that returned success is in its
history, and every escalation, notification and document happened exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from rules.calendar import SHANGHAI
from schemas import disclosure as s
from store.db import make_engine, migrate
from store.models import CaseEventRow, DocumentRow, OutboxRow
from tests.conftest import TEST_KEY
from tests.workflows.helpers import OFFICER, case_input
from workflows.disclosure import DisclosureRequestWorkflow as W

pytestmark = pytest.mark.integration
CASES = 40
RUNGS = ("amber", "red", "overdue", "very_overdue")


def _worker(env: WorkflowEnvironment, db_url: str, tq: str, log: Path) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "GONGKAI_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "GONGKAI_DATABASE_URL": db_url,
        "GONGKAI_CODEC_KEYS": TEST_KEY,
        "GONGKAI_TEMPORAL_TASK_QUEUE": tq,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gongkai.cli", "worker"],
        env=environ,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


async def test_worker_killed_mid_burst_loses_nothing_and_repeats_nothing(
    local_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(db_url)
    migrate(engine)
    tq, log = f"crash-{uuid.uuid4()}", tmp_path / "worker.log"
    worker = _worker(local_env, db_url, tq, log)
    # Applications received on 2026-09-15 and registered only now: all four rungs of the reply
    # clock are due at once, so each case runs a burst of activities.
    handles = []
    for _ in range(CASES):
        inp = case_input(datetime(2026, 9, 15, 10, tzinfo=SHANGHAI))
        handles.append(
            await local_env.client.start_workflow(W.run, inp, id=inp.case_no, task_queue=tq)
        )
    accepted = []
    for h in handles[:5]:  # officer actions that returned success before the crash
        for _ in range(100):
            if (await h.query(W.view)).status is s.Status.REGISTERED:
                break
            await asyncio.sleep(0.1)
        await h.execute_update(W.accept, s.Accept(actor=OFFICER))
        accepted.append(h.id)
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL
    worker = _worker(local_env, db_url, tq, log)
    try:
        for h in handles:
            for _ in range(600):
                v = await h.query(W.view)
                if len([r for r in v.fired if r.clock == "reply"]) == len(RUNGS):
                    break
                await asyncio.sleep(0.1)
            assert [r.rung for r in v.fired if r.clock == "reply"] == list(RUNGS), h.id
        # Let the last projections land, then read the database.
        await asyncio.sleep(2)
        with Session(engine) as db:
            events = db.exec(select(CaseEventRow)).all()
            outbox = db.exec(select(OutboxRow)).all()
            docs = db.exec(select(DocumentRow)).all()
        per_case = Counter((e.case_no, e.data) for e in events if e.kind == "escalation")
        assert all(n == 1 for n in per_case.values())
        reply_rungs = [k for k in per_case if '"clock": "reply"' in k[1]]
        assert len(reply_rungs) == CASES * len(RUNGS)
        keys = [o.key for o in outbox]
        assert len(keys) == len(set(keys))
        # amber: officer (1); red: officer + supervisor (2); overdue: supervisor + urging notice
        # (2); very overdue: head + urging notice (2); the late correction-notice warning (1).
        warnings = len(per_case) - len(reply_rungs)
        assert len(keys) == CASES * 7 + warnings
        doc_keys = [(d.case_no, d.name, d.seq) for d in docs]
        assert len(doc_keys) == len(set(doc_keys))
        assert sum(1 for d in docs if d.name == "urging_notice") == CASES * 2
        for case_no in accepted:
            assert any(e.case_no == case_no and e.kind == "accepted" for e in events)
        for h in handles:
            await h.terminate("test done")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        engine.dispose()
