"""A case terminated or deleted from the Temporal UI or CLI never tells the read model: the
reconciliation finds it, marks it lost (red, with an event saying what was found), and
`gongkai doctor` reports it (review finding 13)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from activities.cases import reconcile_with
from schemas.kinds import LOST
from store.db import make_engine, migrate
from store.models import CaseEventRow, CaseRow
from tests.conftest import TEST_SETTINGS
from tests.workflows.helpers import case_input, worker
from workflows.disclosure import DisclosureRequestWorkflow as W

pytestmark = pytest.mark.integration


async def test_a_terminated_case_is_found_flagged_and_reported(
    local_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate(engine)
    tq = f"tq-{uuid.uuid4()}"
    async with worker(local_env, engine, tq, TEST_SETTINGS):
        kept, killed = [case_input(datetime.now(UTC)) for _ in range(2)]
        for inp in (kept, killed):
            handle = await local_env.client.start_workflow(
                W.run, inp, id=inp.case_no, task_queue=tq
            )
            for _ in range(200):
                if (await handle.query(W.view)).documents:
                    break
        await local_env.client.get_workflow_handle(killed.case_no).terminate("误操作")
        # Rows are judged only once their case had time to start (grace period): look later.
        later = datetime.now(UTC) + timedelta(minutes=10)
        assert await reconcile_with(local_env.client, engine, later) == [killed.case_no]
        assert await reconcile_with(local_env.client, engine, later) == []  # once
    with Session(engine) as db:
        lost = db.get(CaseRow, killed.case_no)
        fine = db.get(CaseRow, kept.case_no)
        event = db.exec(
            select(CaseEventRow).where(
                CaseEventRow.case_no == killed.case_no, CaseEventRow.kind == "workflow_lost"
            )
        ).one()
    assert lost is not None and lost.status == LOST and lost.light == "red"
    assert fine is not None and fine.status != LOST
    assert "已在Temporal中被终止" in event.summary
