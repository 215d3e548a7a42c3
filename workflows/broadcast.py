"""How a calendar change reaches every open case: a client-side broadcast of the
``recalculate_deadlines`` Update to the running workflows whose clocks may touch the changed
years (their ``GkHorizon``), with progress, used by `gongkai calendar` and the admin API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio.client import Client, WorkflowHandle

from schemas.deadlines import CalendarChange, Recalculation
from schemas.registry import KINDS

TIMER = "StatutoryTimerWorkflow"
# The workflows that keep statutory clocks (a calendar change concerns them and nothing else):
# every case kind of the registry, and the single statutory timer.
CLOCKED_WORKFLOW_TYPES = (*(spec.workflow.partition(":")[2] for spec in KINDS.values()), TIMER)
# How one way of telling reaches a case (a timer is always told by its signal), and what is done
# with the outcome: ``settle(workflow id, telling, total)`` awaits the telling.
Handle = WorkflowHandle[Any, Any]
Settle = Callable[[str, Awaitable[None], int], Awaitable[None]]


def open_cases_query(years: list[int] | None = None) -> str:
    """Visibility query for the running workflows whose clocks may touch the changed years. A
    case indexes its horizon (``GkHorizon``): the latest instant it is still waiting for (due
    dates, escalation rungs, lapses, the inactivity reminder). A change to year Y can only move
    instants of a case whose horizon is on or after 1 January Y. A paused clock has no instants
    yet; it is planned on the calendar of the day it resumes. Workflows that index no horizon
    (statutory timers, cases started before it existed) are always included."""
    types = ", ".join(f"'{t}'" for t in CLOCKED_WORKFLOW_TYPES)
    query = f"ExecutionStatus = 'Running' AND WorkflowType IN ({types})"
    if years:
        from rules.calendar import SHANGHAI

        first = datetime(min(years), 1, 1, tzinfo=SHANGHAI).isoformat()
        query += f" AND (GkHorizon >= '{first}' OR GkHorizon IS NULL)"
    return query


@dataclass
class CalendarRecalculation:
    """What a calendar change did to the running cases."""

    told: int = 0
    moved: list[Recalculation] = field(default_factory=list)  # the cases with moves only
    failed: list[tuple[str, str]] = field(default_factory=list)


async def recalculate_open_cases(
    client: Client,
    change: CalendarChange,
    *,
    concurrency: int = 16,
    answer_within: float = 30,
    progress: Callable[[int, int], None] | None = None,
) -> CalendarRecalculation:
    """Tell every open case whose clocks touch ``change.years`` to recompute its deadlines now
    (the ``recalculate_deadlines`` Update: each case records old → new due dates and the reason
    in its history and tells its officer). Statutory timers get the ``calendar_changed`` signal.
    A case that closes meanwhile is skipped and logged; ``progress(done, total)`` is called as
    cases answer."""
    from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateFailedError
    from temporalio.service import RPCError

    from gongkai.logs import get_logger
    from schemas.deadlines import Recalculation

    log = get_logger(__name__)
    result = CalendarRecalculation()
    done = 0

    async def ask(handle: Handle) -> None:
        answer = await asyncio.wait_for(
            handle.execute_update("recalculate_deadlines", change, result_type=Recalculation),
            timeout=answer_within,
        )
        if answer.moved:
            result.moved.append(answer)

    async def settle(wf_id: str, telling: Awaitable[None], total: int) -> None:
        nonlocal done
        try:
            await telling
            result.told += 1
        except (TimeoutError, RPCTimeoutOrCancelledError):
            # No worker is serving it, or it is busy retrying an activity: it recomputes on
            # the new calendar at its next statutory moment or action.
            log.warning("no answer from case", workflow_id=wf_id, seconds=answer_within)
            result.failed.append((wf_id, f"no answer within {answer_within:.0f} s"))
        except (WorkflowUpdateFailedError, RPCError) as exc:  # e.g. closed meanwhile
            log.warning("could not recalculate", workflow_id=wf_id, error=str(exc))
            result.failed.append((wf_id, str(exc)))
        except Exception as exc:  # one case must never stop the others
            log.exception("recalculation failed", workflow_id=wf_id)
            result.failed.append((wf_id, f"{exc.__class__.__name__}: {exc}"))
        done += 1
        if progress is not None:
            progress(done, max(total, done))

    await _each_open_case(client, change.years, concurrency, ask, settle)
    return result


async def _each_open_case(
    client: Client,
    years: list[int],
    concurrency: int,
    tell_case: Callable[[Handle], Awaitable[None]],
    settle: Settle,
) -> None:
    """Tell every running workflow whose clocks may touch ``years``, ``concurrency`` at a time:
    a statutory timer by the ``calendar_changed`` signal (it answers no Update), a case by
    ``tell_case``; ``settle`` awaits each telling and counts or logs its outcome."""
    query = open_cases_query(years)
    total = (await client.count_workflows(query)).count
    gate = asyncio.Semaphore(concurrency)

    async def gated(wf_id: str, run_id: str | None, wf_type: str) -> None:
        async with gate:
            handle = client.get_workflow_handle(wf_id, run_id=run_id)
            telling = handle.signal("calendar_changed") if wf_type == TIMER else tell_case(handle)
            await settle(wf_id, telling, total)

    await asyncio.gather(
        *[
            asyncio.create_task(gated(wf.id, wf.run_id, wf.workflow_type))
            async for wf in client.list_workflows(query)
        ]
    )


async def signal_open_cases(
    client: Client,
    change: CalendarChange,
    *,
    concurrency: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Tell every open case whose clocks touch ``change.years`` that the calendar changed (the
    ``calendar_changed`` signal, not waiting for an answer): each plans again, records what
    moved and tells its officer at the rate the engine allows. The read model already shows
    the new dates (store/recompute.py), and a rung about to fire re-plans first, so a case not
    yet reached is never escalated on a stale date. Returns how many were told."""
    from temporalio.service import RPCError

    from gongkai.logs import get_logger

    log = get_logger(__name__)
    told = 0

    async def tell(handle: Handle) -> None:
        await handle.signal("calendar_changed", change)

    async def settle(wf_id: str, telling: Awaitable[None], total: int) -> None:
        nonlocal told
        try:
            await telling
            told += 1
        except RPCError as exc:  # closed meanwhile: nothing left to move
            log.warning("could not tell case", workflow_id=wf_id, error=str(exc))
        if progress is not None:
            progress(told, max(total, told))

    await _each_open_case(client, change.years, concurrency, tell, settle)
    return told
