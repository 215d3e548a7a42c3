"""Nothing under var/ is readable by another user of the machine: `gongkai up` and every CLI
command create files 0600 and directories 0700 (SQLite's -wal and -shm included), and files an
older version left readable are tightened at start, with a log line for each."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gongkai.files import tighten_tree
from store.db import make_engine, migrate
from tests.integration.stack import Stack, add_agency, bearer
from tests.integration.test_disclosure_api import APPLICATION

pytestmark = pytest.mark.integration

OTHERS = stat.S_IRWXG | stat.S_IRWXO


def _exposed(root: Path) -> list[str]:
    """Every path under ``root`` (itself included) that group or others can read, write or
    enter, with its mode."""
    found = []
    for here, _dirs, files in os.walk(root):
        for path in [Path(here), *(Path(here) / f for f in files)]:
            mode = path.lstat().st_mode
            if mode & OTHERS and not stat.S_ISLNK(mode):
                found.append(f"{path} {stat.filemode(mode)}")
    return sorted(set(found))


def test_everything_under_var_is_private_to_its_user(tmp_path: Path) -> None:
    var = tmp_path / "var"
    # What an earlier version left behind: a world-readable read model and log directory.
    old = os.umask(0o022)
    try:
        var.mkdir(mode=0o755)
        engine = make_engine(f"sqlite:///{var / 'gongkai.db'}")
        migrate(engine)
        engine.dispose()
        (var / "gongkai.db").chmod(0o644)
        (var / "log").mkdir(mode=0o755)
        (var / "log" / "temporal.log").write_text("old log\n")
        (var / "log" / "temporal.log").chmod(0o644)
    finally:
        os.umask(old)
    assert len(_exposed(var)) == 4

    stack = Stack(var)
    add_agency(stack)
    headers = bearer(stack, "li.officer")
    stack.start()
    try:
        http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
        res = http.post("/v1/disclosure-requests", json=APPLICATION, headers=headers)
        assert res.status_code == 201, res.text
        case = res.json()["case_no"]
        for _ in range(150):
            if http.get(f"/v1/cases/{case}/events", headers=headers).json():
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the case's events never reached the read model")
        present = {p.name for p in var.iterdir()}
        assert {"gongkai.db", "temporal.db", "codec.keys", "log", "up.log"} <= present
        assert {"gongkai.db-wal", "temporal.db-wal"} <= present, present  # written to by now
        assert _exposed(var) == []
    finally:
        assert stack.stop() == 0
    assert _exposed(var) == []
    made_private = {
        line.rsplit("path=", 1)[1]
        for line in (var / "up.log").read_text().splitlines()
        if "was readable by other users: made private" in line
    }
    assert made_private == {
        str(p) for p in (var, var / "gongkai.db", var / "log", var / "log" / "temporal.log")
    } | {str(var / "up.log")}  # up.log: made by the test (Stack), before `gongkai up` ran


def test_cli_commands_create_private_files(tmp_path: Path) -> None:
    """A command run before the first `gongkai up` (adding an agency) makes the read model."""
    var = tmp_path / "fresh"
    env = {**os.environ, "GONGKAI_VAR_DIR": str(var)}
    env.pop("GONGKAI_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "console.cli", "users", "list"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert (var / "gongkai.db").is_file()
    assert _exposed(var) == []


def test_tightening_never_follows_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not Gongkai's")
    outside.chmod(0o644)
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    (var / "link").symlink_to(outside)
    (var / "loose").write_text("x")
    (var / "loose").chmod(0o664)
    assert tighten_tree(var) == [var / "loose"]
    assert stat.S_IMODE((var / "loose").stat().st_mode) == 0o600
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644
