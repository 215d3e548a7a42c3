"""Recorded histories of every workflow kind replay against the current code with the production
data converter (pydantic + AES-GCM codec). A change to workflow logic that would break running
cases fails here: guard it with ``workflow.patched`` (docs/changing-workflows.md).

Record anew (after an intended, patched change) with:
    GONGKAI_RECORD_HISTORIES=1 .venv/bin/pytest tests/workflows
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from gongkai.temporal import data_converter
from schemas import registry
from tests.conftest import TEST_SETTINGS
from workers.worker import WORKFLOWS

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
# Every case kind of the registry has a recorded history.
KINDS = {cls.__name__ for cls in registry.workflows()}


def _files() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    """A recorded history under its own workflow ID (payloads are bound to it); histories
    recorded before payloads were bound carry none and replay under their file's name."""
    recorded = json.loads(path.read_text())
    workflow_id = recorded.pop("workflowId", path.stem)
    return WorkflowHistory.from_json(workflow_id, recorded)


async def _histories() -> AsyncIterator[WorkflowHistory]:
    for path in _files():
        yield load(path)


def test_every_kind_has_recorded_histories() -> None:
    kinds = set()
    for path in _files():
        first = json.loads(path.read_text())["events"][0]
        attrs = first.get("workflowExecutionStartedEventAttributes", {})
        kinds.add(attrs.get("workflowType", {}).get("name"))
    assert kinds >= KINDS


async def test_recorded_histories_replay_with_the_production_converter() -> None:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(TEST_SETTINGS))
    results = await replayer.replay_workflows(_histories(), raise_on_replay_failure=False)
    assert results.replay_failures == {}
    assert len(_files()) >= 10


def test_released_generations_never_change() -> None:
    """A case started with a generation replays with the patches that generation listed when
    it started: a released generation's list is pinned here. A new patch is asked for by itself
    (workflow.patched) until a new generation lists it (workflows/casework.py)."""
    from workflows.casework import GENERATIONS

    released = {
        "generation-2026-12": {
            "local-plan-project",
            "continue-as-new",
            "horizon-indexed",
            "calendar-moves-recorded",
            "validate-in-turn",
            "abandonment-letter",
            "tell-moved-due",
            "pack-by-t0",
            "art35-notice",
            "refresh-in-one-step",
            "documents-projected",
            "index-when-changed",
            "timer-kept",
            "notify-local",
            "recheck-before-rung",
            "pack-by-ref",
            "documents-dated-by-plan",
        },
        "generation-2026-12-07": {
            "local-plan-project",
            "continue-as-new",
            "horizon-indexed",
            "calendar-moves-recorded",
            "validate-in-turn",
            "abandonment-letter",
            "tell-moved-due",
            "pack-by-t0",
            "art35-notice",
            "refresh-in-one-step",
            "documents-projected",
            "index-when-changed",
            "timer-kept",
            "notify-local",
            "recheck-before-rung",
            "pack-by-ref",
            "documents-dated-by-plan",
            "officer-on-first-step",
            "applicant-notices",
            "duties-on-fixed-dates",
            "quarters-on-fixed-dates",
            "interpretation-and-light-per-version",
            "closing-notice-with-remedies",
            "reply-from-submission",
        },
    }
    released["generation-2026-12-08"] = released["generation-2026-12-07"] | {
        "plan-in-workflow",
        "actions-wait-for-the-first-turn",
    }
    released["generation-2026-12-09"] = released["generation-2026-12-08"] | {
        "answer-first",
        "calendar-told",
    }
    listed = dict(GENERATIONS)
    for name, patches in released.items():
        assert set(listed[name]) == patches, name
    # The kinds' own patch names, as their modules spell them.
    from workflows import disclosure, obligations, press_plan, proactive

    kinds_own = {
        obligations.FIXED_DATES,
        press_plan.FIXED_QUARTERS,
        proactive.PER_VERSION,
        disclosure.CLOSING_NOTICE,
        disclosure.SUBMISSION_PATCH,
    }
    assert kinds_own <= listed["generation-2026-12-07"]
    # Newest first: the question a new case asks first is the newest generation.
    assert [g for g, _ in GENERATIONS] == sorted(listed, reverse=True)
