"""The house's floors: each package imports only packages on its own floor or below, and no
module imports itself back through others. A new upward import or cycle fails here.

    console/     the `gongkai` command: CLI, doctor, backup
    workers/     processes: the worker, `gongkai up`, the API server, setup, schedules
    api/         HTTP: routes, dashboard, metrics
    workflows/   durable processes (and the client-side calendar broadcast)
    activities/  side effects
    store/       the read model
    schemas/     data shared by every layer, and the registry of case kinds
    rules/       statutory time and the law's data
    gongkai/     foundations: settings, logs, codec, files, Temporal connection, telemetry
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {
    "gongkai": 0,
    "rules": 1,
    "schemas": 2,
    "store": 3,
    "activities": 4,
    "workflows": 5,
    "api": 6,
    "workers": 7,
    "console": 8,
    "bench": 9,
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Project module → the project modules it imports (at any depth of the code, typing
    imports included: a layer's types belong to its floor too)."""
    graph: dict[str, set[str]] = defaultdict(set)
    modules = {
        _module(p): p
        for top in FLOORS
        for p in (ROOT / top).rglob("*.py")
        if "migrations" not in p.parts
    }
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                if target.split(".")[0] in FLOORS and target in modules and target != name:
                    graph[name].add(target)
        graph.setdefault(name, set())
    return graph


def test_no_package_imports_a_package_above_it() -> None:
    upward = sorted(
        f"{a} -> {b}"
        for a, targets in _imports().items()
        for b in targets
        if FLOORS[b.split(".")[0]] > FLOORS[a.split(".")[0]]
    )
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_floors_name_every_package() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {"bench"}
    assert packages - {"tests"} == set(FLOORS)


def test_the_client_stands_alone() -> None:
    """client/gongkai_client is published on its own: it speaks to the API over HTTP and
    imports nothing of the server (only httpx and pydantic)."""
    found = []
    for path in (ROOT / "client" / "gongkai_client").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                else []
            )
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FLOORS]
    assert found == []
