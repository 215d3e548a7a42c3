"""The documentation cannot drift: every example in README.md and docs/ marked ``tested`` runs
here, in the order a reader meets it, against a real stack (`gongkai up` on free ports in a
temporary directory) — and some claims the docs make are checked against the code.

Marking an example: the fence's info string holds the word ``tested``::

    ```sh tested                      → run by bash (errexit, pipefail); curl fails on an HTTP error
    ```python tested                  → run by the project's Python
    ```toml tested file=NAME          → written to NAME first, for the examples that use it

Each runs in one scratch directory (its HOME too) with the stack's settings in the environment;
``localhost:8000`` / ``127.0.0.1:8000`` mean the stack's API and ``.venv/bin/`` the project's
virtualenv. ``$TOKEN`` is a DEMO officer's token and ``$SUPERVISOR_TOKEN`` a DEMO supervisor's,
as a reader following README would hold them.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import apt
from tests.integration.stack import Stack, cli

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.M | re.S)
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Example:
    page: Path
    line: int
    lang: str
    options: tuple[str, ...]
    body: str

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    def option(self, key: str) -> str | None:
        return next((o.split("=", 1)[1] for o in self.options if o.startswith(f"{key}=")), None)


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            options = tuple(m.group(2).split())
            if "tested" in options:
                line = text.count("\n", 0, m.start()) + 1
                found.append(Example(page, line, m.group(1), options, m.group(3)))
    return found


EXAMPLES = examples()
FILES = [e for e in EXAMPLES if e.option("file")]
RUNS = [e for e in EXAMPLES if not e.option("file")]


class Reader:
    """The stack and a scratch directory, as a reader of the docs has them."""

    def __init__(self, stack: Stack, home: Path) -> None:
        self.stack, self.home = stack, home
        self.env = {
            **stack.env,
            "HOME": str(home),
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "TOKEN": _token(stack, "docs.officer", "officer"),
            "SUPERVISOR_TOKEN": _token(stack, "docs.chief", "supervisor"),
        }

    def localise(self, body: str) -> str:
        port = str(self.stack.http)
        body = re.sub(r"\b(localhost|127\.0\.0\.1):8000\b", f"127.0.0.1:{port}", body)
        return body.replace(".venv/bin/", f"{VENV_BIN}/")

    def run(self, example: Example) -> subprocess.CompletedProcess[str]:
        body = self.localise(example.body)
        if example.lang == "sh":
            # curl answers an HTTP error with a failure, as the reader would notice one.
            # inherit_errexit: a failure inside $(...) fails the example too.
            prelude = (
                "shopt -s inherit_errexit\n"
                'curl() { command curl --fail-with-body --silent --show-error "$@" && echo; }\n'
            )
            args = ["bash", "-e", "-o", "pipefail", "-c", prelude + body]
        elif example.lang == "python":
            args = [sys.executable, "-c", body]
        else:
            raise AssertionError(f"{example.name}: no way to run a {example.lang} example")
        return subprocess.run(
            args, cwd=self.home, env=self.env, capture_output=True, text=True, timeout=120
        )


def _token(stack: Stack, username: str, role: str) -> str:
    out = cli(stack, "users", "add", username, "--agency", "DEMO", "--role", role)
    return out.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reader]:
    if not apt.ensure(("curl",), lambda: shutil.which("curl") is not None):
        pytest.fail("the docs' examples use curl: install Debian's `curl` package")
    stack = Stack(tmp_path_factory.mktemp("docs-stack"))
    stack.start()  # a fresh install: the DEMO agency is made on the first start
    home = tmp_path_factory.mktemp("docs-reader")
    for example in FILES:
        (home / str(example.option("file"))).write_text(example.body, encoding="utf-8")
    try:
        yield Reader(stack, home)
    finally:
        assert stack.stop() == 0


def test_the_docs_have_examples_to_run() -> None:
    tested = {e.page.name for e in RUNS}
    assert {"README.md", "annual-report.md", "operations.md"} <= tested
    assert len(RUNS) >= 6


@pytest.mark.parametrize("example", RUNS, ids=[e.name for e in RUNS])
def test_example_runs(reader: Reader, example: Example) -> None:
    done = reader.run(example)
    assert done.returncode == 0, (
        f"{example.name} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    if example.lang == "python" and "extend" in example.body:
        assert "409" in done.stdout and "负责人" in done.stdout  # the refusal it shows


# -- claims ---------------------------------------------------------------------------------


def _backticked(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


# Files the worked example in docs/kinds.md would add (a sixth kind).
PLANNED = {"schemas/proactive.py", "workflows/proactive.py"}


def test_files_the_docs_name_exist() -> None:
    missing = [
        f"{page.name}: {ref}"
        for page in PAGES
        for ref in _backticked(page.read_text(encoding="utf-8"))
        # (``../shared/…`` is the developers' copy beside the checkout, not part of it)
        if re.fullmatch(r"[\w./-]+/[\w.-]+\.(py|toml|md|sh|yaml)", ref)
        and not ref.startswith("../")
        and not (ROOT / ref).exists()
        and not (page.parent / ref).exists()
        and ref not in PLANNED
    ]
    assert missing == []


def _defined() -> set[str]:
    names: set[str] = set()
    for top in ("gongkai", "rules", "schemas", "store", "activities", "workflows", "api"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(node.name)
    return names


# Calls the docs name that belong to the Temporal SDK or server, or the standard library.
FOREIGN = {
    "metric_meter",
    "now",
    "imports_passed_through",
    "PollerBehaviorAutoscaling",
    "deprecate_patch",
    "SetMaxOpenConns",  # the Temporal server's own (Go)
}


def test_functions_the_docs_name_exist() -> None:
    defined = _defined()
    missing = []
    for page in PAGES:
        for ref in _backticked(page.read_text(encoding="utf-8")):
            call = re.fullmatch(r"(?:[\w.]+\.)?(\w+)\(.*\)", ref)
            if call and call.group(1) not in defined | FOREIGN:
                missing.append(f"{page.name}: {ref}")
    assert missing == []


def test_the_escalation_lag_histogram_spans_what_operations_md_says() -> None:
    from gongkai.metrics import ESCALATION_LAG_BUCKETS

    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    m = re.search(
        r"`gongkai_escalation_lag_seconds` \| histogram \(([\d.]+) s … (\d+) days\)", text
    )
    assert m is not None
    assert float(m.group(1)) == min(ESCALATION_LAG_BUCKETS)
    assert int(m.group(2)) * 86400 == max(ESCALATION_LAG_BUCKETS)


def test_the_public_endpoints_are_the_ones_security_md_lists() -> None:
    """An API operation without an Authorization parameter is open to everyone: the list in
    docs/security.md names exactly those (and the pages that need no sign-in)."""
    from console.client_gen import openapi

    spec: dict[str, Any] = openapi()
    public = {
        f"{method.upper()} {path}" if method != "get" else path
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        if not any(p["name"].lower() == "authorization" for p in op.get("parameters", []))
    }
    row = next(
        line
        for line in (ROOT / "docs" / "security.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| public endpoints |")
    )
    listed = {ref for ref in _backticked(row) if ref.startswith(("/", "GET ", "POST "))}
    assert public <= listed, public - listed
    pages = {"/docs", "/redoc", "/openapi.json", "/login", "/static/", "/public/", "/display"}
    pages.add("/favicon.ico")
    assert listed - public == pages
