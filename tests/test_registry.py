"""The registry of case kinds (schemas/registry.py) is the one place a kind is defined: every
status named in Chinese and classified open or closed, every action an Update of the kind's
workflow with a validator, a role, statuses of the kind and a statutory basis — and no other
module names a kind, so adding one cannot leave a list somewhere behind (docs/kinds.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from temporalio import workflow

from schemas.registry import CLOSED, KINDS, KindSpec

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
SPECS = list(KINDS.values())
# Updates every case answers that are not an officer's step: the calendar broadcast.
SYSTEM_UPDATES = {"recalculate_deadlines"}


@pytest.mark.parametrize("kind", SPECS, ids=[k.kind for k in SPECS])
def test_every_status_is_named_and_classified(kind: KindSpec) -> None:
    values = {st.value for st in kind.status}
    assert kind.closed <= values, kind.closed - values
    assert kind.closed and values - kind.closed  # a kind can be open and can end
    for st in kind.status:
        assert CJK.search(kind.status_zh(st.value)), (kind.kind, st.value)


def test_no_status_is_open_in_one_kind_and_closed_in_another() -> None:
    """The board and the lists filter open cases by one set of closed statuses."""
    for kind in SPECS:
        open_here = {st.value for st in kind.status} - kind.closed
        assert not open_here & CLOSED, (kind.kind, open_here & CLOSED)


@pytest.mark.parametrize("kind", SPECS, ids=[k.kind for k in SPECS])
def test_every_action_is_a_validated_update_of_the_kind(kind: KindSpec) -> None:
    defn = workflow._Definition.from_class(kind.workflow_class)
    assert defn is not None
    values = {st.value for st in kind.status}
    for step in kind.actions:
        update = defn.updates.get(step.update)
        assert update is not None, f"{kind.kind}: no update {step.update}"
        assert update.validator is not None, f"{kind.kind}.{step.update} has no validator"
        assert step.roles and step.statuses <= values, step.name
        assert CJK.search(step.zh) and CJK.search(step.basis), step.name
    steps = {a.update for a in kind.actions}
    assert set(defn.updates) - steps == SYSTEM_UPDATES  # no step the API cannot reach
    assert kind.clocks and all(CJK.search(label) for label in kind.clocks.values())
    assert kind.view.model_fields["kind"].default == kind.kind
    assert CJK.search(kind.zh) and CJK.search(kind.opened_zh)


# Where a kind may be named: its data, its workflow, the registry, the rule packs — and the few
# places whose subject is one kind's own feature.
OWN = {
    "api/routes/comments.py": "consultation",  # public comments on a draft decision
}
FLOORS = ("gongkai", "store", "activities", "api", "workers", "console")


def _literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_no_module_outside_the_registry_names_a_kind() -> None:
    names = {k.kind for k in SPECS} | {k.path for k in SPECS}
    found = []
    for top in FLOORS:
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts:
                continue  # history: what a kind was called when the migration ran
            for name in _literals(path) & names:
                if OWN.get(rel) != name:
                    found.append(f"{rel}: {name!r}")
    assert found == []
