"""Answer first, project after (issue 25), on the dev server: an officer's action that issues
no document is answered by the workflow's Update with no local activity in between; the API
writes the case's new view into the read model before it replies (what the officer reads
next is there at once), and the workflow's own catch-up a moment later writes nothing twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import EventType

from store.models import CaseEventRow, CaseRow
from tests.api.test_repeat_requests import ZHANG, _open
from tests.portal.conftest import Portal
from workflows.case_state import PROJECT_AFTER


def _events(portal: Portal, case: str) -> list[int]:
    with Session(portal.engine) as db:
        return list(
            db.exec(
                select(CaseEventRow.seq)
                .where(CaseEventRow.case_no == case)
                .order_by(col(CaseEventRow.seq))
            ).all()
        )


async def test_the_answer_comes_before_the_projection_and_is_read_back_at_once(
    portal: Portal,
) -> None:
    case = await _open(portal, ZHANG)
    async with portal.staff() as api:
        res = await api.post(f"/v1/disclosure-requests/{case}/actions/accept", json={})
        assert res.status_code == 200, res.text
        answer = res.json()
        # The view the workflow answered with is the API's to write, never the caller's to see.
        assert set(answer) == {"status", "seq", "message"} and answer["status"] == "accepted"
        # Read back at once, no waiting: the row and the event are there before the reply.
        with Session(portal.engine) as db:
            row = db.get(CaseRow, case)
            assert row is not None and row.status == "accepted" and row.last_seq == answer["seq"]
        assert _events(portal, case)[-1] == answer["seq"]
        assert (await api.get(f"/v1/cases/{case}")).json()["status"] == "accepted"

    handle = portal.app.state.temporal.get_workflow_handle(case)
    history = (await handle.fetch_history()).events
    accepted = next(
        i
        for i, e in enumerate(history)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    )
    completed = next(
        i
        for i, e in enumerate(history)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
    )
    between = [history[i].event_type for i in range(accepted, completed)]
    assert EventType.EVENT_TYPE_MARKER_RECORDED not in between  # no local activity on the way

    # The workflow's catch-up runs PROJECT_AFTER later: its timer fires, it finds the read
    # model already has the view, and the events stay as they were, each once.
    catch_up = False
    for _ in range(int(PROJECT_AFTER.total_seconds() * 20) + 100):
        history = (await handle.fetch_history()).events
        catch_up = any(
            e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED for e in history[completed:]
        )
        if catch_up:
            break
        await asyncio.sleep(0.05)
    assert catch_up, "the workflow never caught its answered view up"
    assert _events(portal, case) == list(range(1, answer["seq"] + 1))
    with Session(portal.engine) as db:
        row = db.get(CaseRow, case)
        assert row is not None and row.status == "accepted" and row.last_seq == answer["seq"]


async def test_an_answer_the_api_could_not_write_is_caught_up_by_the_case(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read model refused the API's write (busy, unreachable): the action is done all the
    same, so the officer is answered (200, not "try again", which would repeat it), and the
    case writes the view itself PROJECT_AFTER later."""
    from sqlalchemy.exc import OperationalError

    from api.routes import casework

    case = await _open(portal, ZHANG)

    class Refusing(casework.Projection):
        def project(self, *_: object, **__: object) -> bool:
            raise OperationalError("UPDATE case …", {}, Exception("database is locked"))

    monkeypatch.setattr(casework, "Projection", Refusing)
    async with portal.staff() as api:
        res = await api.post(f"/v1/disclosure-requests/{case}/actions/accept", json={})
        assert res.status_code == 200, res.text
    seq = res.json()["seq"]
    assert seq not in _events(portal, case)  # not written by the API
    for _ in range(int(PROJECT_AFTER.total_seconds() * 20) + 100):
        if seq in _events(portal, case):
            break
        await asyncio.sleep(0.05)
    assert _events(portal, case) == list(range(1, seq + 1))
    with Session(portal.engine) as db:
        row = db.get(CaseRow, case)
        assert row is not None and row.status == "accepted"
