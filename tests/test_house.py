"""The house's rooms stay small (STYLE.md): every product module at most 500 lines and every
function at most 80 (the generated client, migrations, tests and benchmarks excepted)."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE_LINES = 500
FUNCTION_LINES = 80
EXEMPT = ("client/", "tests/", "bench/", "store/migrations/")


def _product_modules() -> list[str]:
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [f for f in files if not f.startswith(EXEMPT) and (ROOT / f).exists()]


def _too_big() -> set[str]:
    found = set()
    for name in _product_modules():
        source = (ROOT / name).read_text(encoding="utf-8")
        if len(source.splitlines()) > MODULE_LINES:
            found.add(name)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                if node.end_lineno - node.lineno + 1 > FUNCTION_LINES:
                    found.add(f"{name}:{node.name}")
    return found


def test_every_module_and_function_is_a_small_room() -> None:
    found = _too_big()
    assert found == set(), f"over {MODULE_LINES} lines / {FUNCTION_LINES} per function"
