"""`gongkai up` in a temporary directory on free ports: the real stack, as a user starts it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from temporalio.converter import DataConverter

from gongkai.settings import Settings
from gongkai.temporal import data_converter


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    def __init__(self, var: Path, database_url: str | None = None) -> None:
        self.var = var
        self.grpc, self.ui, self.http = _free_port(), _free_port(), _free_port()
        self.env = {
            **os.environ,
            "GONGKAI_VAR_DIR": str(var),
            "GONGKAI_DEV_SERVER_PORT": str(self.grpc),
            "GONGKAI_DEV_SERVER_UI_PORT": str(self.ui),
            "GONGKAI_API_PORT": str(self.http),
            "GONGKAI_TEMPORAL_ADDRESS": f"127.0.0.1:{self.grpc}",
        }
        self.env.pop("GONGKAI_DATABASE_URL", None)
        if database_url:  # the read model on PostgreSQL; SQLite under var/ otherwise
            self.env["GONGKAI_DATABASE_URL"] = database_url
        self.proc: subprocess.Popen[bytes] | None = None

    def converter(self) -> DataConverter:
        """The stack's own converter: its key ring is var/codec.keys, made by `gongkai up`."""
        return data_converter(Settings(var_dir=self.var))

    def start(self) -> None:
        log = open(self.var / "up.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "console.cli", "up"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.var / "up.log").read_text()
            try:
                body = httpx.get(f"http://127.0.0.1:{self.http}/health", timeout=2).json()
                if body.get("temporal") == "ok":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(
            "gongkai up did not become healthy:\n" + (self.var / "up.log").read_text()
        )

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)  # what Ctrl-C does
        return self.proc.wait(60)


def cli(stack: Stack, *args: str) -> str:
    res = subprocess.run(
        [sys.executable, "-m", "console.cli", *args],
        env=stack.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def add_agency(stack: Stack, code: str = "SZ-GT", prefix: str = "GK") -> None:
    cli(
        stack,
        "agencies",
        "add",
        code,
        "--name",
        "某市规划和自然资源局",
        "--reconsideration-organ",
        "某市人民政府",
        "--court",
        "某市某区人民法院",
        "--case-prefix",
        prefix,
        "--supervisor-email",
        "supervisor@agency.test",
    )


def bearer(
    stack: Stack, username: str, role: str = "officer", agency: str = "SZ-GT", name: str = ""
) -> dict[str, str]:
    """Create a user with `gongkai users add` and return its Authorization header."""
    out = cli(
        stack,
        "users",
        "add",
        username,
        "--agency",
        agency,
        "--role",
        role,
        "--name",
        name or username,
    )
    token = out.strip().splitlines()[-1]
    assert token.startswith("gk_")
    return {"Authorization": f"Bearer {token}"}
