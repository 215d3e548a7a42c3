"""How a calendar change is told to the running workflows (workflows/broadcast.py), without a
server: a statutory timer always by its bare signal, a case by the Update (recalculate) or by the
signal carrying the change (catch up in the background); a case that fails is counted apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from temporalio.service import RPCError, RPCStatusCode

from schemas.deadlines import CalendarChange, Recalculation
from workflows.broadcast import TIMER, recalculate_open_cases, signal_open_cases

CHANGE = CalendarChange(reason="2027-10-08调整为工作日", years=[2027])


@dataclass
class _Listed:
    id: str
    run_id: str | None
    workflow_type: str


@dataclass
class _Count:
    count: int


@dataclass
class _Handle:
    wf_id: str
    told: list[tuple[str, str, Any]]
    closed: bool = False

    async def signal(self, name: str, arg: Any = None) -> None:
        if self.closed:
            raise RPCError("workflow execution already completed", RPCStatusCode.NOT_FOUND, b"")
        self.told.append((self.wf_id, name, arg))

    async def execute_update(self, name: str, arg: Any, result_type: Any) -> Recalculation:
        if self.closed:
            raise RPCError("workflow execution already completed", RPCStatusCode.NOT_FOUND, b"")
        self.told.append((self.wf_id, name, arg))
        return Recalculation(case_no=self.wf_id)


@dataclass
class _Client:
    running: list[_Listed]
    closed: set[str] = field(default_factory=set)
    told: list[tuple[str, str, Any]] = field(default_factory=list)

    async def count_workflows(self, query: str) -> _Count:
        return _Count(len(self.running))

    async def _list(self) -> AsyncIterator[_Listed]:
        for wf in self.running:
            yield wf

    def list_workflows(self, query: str) -> AsyncIterator[_Listed]:
        return self._list()

    def get_workflow_handle(self, wf_id: str, run_id: str | None = None) -> _Handle:
        return _Handle(wf_id, self.told, wf_id in self.closed)


def _client() -> _Client:
    running = [
        _Listed("T-1", None, TIMER),
        _Listed("C-1", "r1", "DisclosureRequestWorkflow"),
        _Listed("C-2", "r2", "InquiryWorkflow"),
    ]
    return _Client(running, closed={"C-2"})


async def test_recalculation_asks_cases_by_update_and_timers_by_signal() -> None:
    client = _client()
    result = await recalculate_open_cases(client, CHANGE)  # type: ignore[arg-type]
    assert sorted(client.told, key=str) == sorted(
        [("T-1", "calendar_changed", None), ("C-1", "recalculate_deadlines", CHANGE)], key=str
    )
    assert result.told == 2
    assert [wf_id for wf_id, _ in result.failed] == ["C-2"]


async def test_catching_up_signals_cases_with_the_change_and_timers_bare() -> None:
    client = _client()
    seen: list[tuple[int, int]] = []
    told = await signal_open_cases(client, CHANGE, progress=lambda d, t: seen.append((d, t)))  # type: ignore[arg-type]
    assert sorted(client.told, key=str) == sorted(
        [("T-1", "calendar_changed", None), ("C-1", "calendar_changed", CHANGE)], key=str
    )
    assert told == 2
    assert len(seen) == 3


def test_two_changes_before_a_case_runs_keep_the_notice_the_first_owed() -> None:
    """A notice import (each case tells its officer) and a `calendar set` (one digest) reach a
    case before it runs: the case plans once, on the newer change, and still tells its officer
    (the digest did not list the first change's moves)."""
    from workflows.disclosure import DisclosureRequestWorkflow as W

    case = W.__new__(W)  # the handler only records what it was told
    case.calendar_change = None
    imported = CalendarChange(reason="导入2027年节假日安排", years=[2027])
    digested = CalendarChange(reason="2027-10-08调整为工作日", years=[2027], digested=True)
    case.calendar_changed(imported)
    case.calendar_changed(digested)
    assert case.calendar_dirty and case.woken
    assert case.calendar_change is not None and case.calendar_change.reason == digested.reason
    assert not case.calendar_change.digested  # the import's notice is still owed
    case.calendar_change = None
    case.calendar_changed(digested)
    assert case.calendar_change is not None and case.calendar_change.digested  # alone: digested
