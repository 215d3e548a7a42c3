"""A case terminated or deleted from the Temporal UI or CLI never tells the read model: the
reconciliation finds it, marks it lost (red, with an event saying what was found), and
`gongkai doctor` reports it (review finding 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from activities.cases import reconcile_with
from schemas.registry import LOST
from store.models import CaseEventRow, CaseRow
from tests.security.conftest import Running

pytestmark = pytest.mark.integration


async def test_a_terminated_case_is_found_flagged_and_reported(running: Running) -> None:
    env, engine = running.env, running.engine
    kept, killed = await running.case(), await running.case()
    await env.client.get_workflow_handle(killed).terminate("误操作")
    # Rows are judged only once their case had time to start (grace period): look later.
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert await reconcile_with(env.client, engine, later) == [killed]
    assert await reconcile_with(env.client, engine, later) == []  # once
    with Session(engine) as db:
        lost = db.get(CaseRow, killed)
        fine = db.get(CaseRow, kept)
        event = db.exec(
            select(CaseEventRow).where(
                CaseEventRow.case_no == killed, CaseEventRow.kind == "workflow_lost"
            )
        ).one()
    assert lost is not None and lost.status == LOST and lost.light == "red"
    assert fine is not None and fine.status != LOST
    assert "已在Temporal中被终止" in event.summary
