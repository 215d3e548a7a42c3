"""The real `gongkai up` (dev server + worker + API as child processes) in a temporary directory
on free ports, plus what the benchmarks need around it: the read-model engine, a Temporal client,
users with tokens, and the child processes' CPU time and memory from /proc."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client

from gongkai.settings import Settings
from gongkai.temporal import data_converter
from store.cases import put_agency
from store.db import make_engine, migrate
from store.models import Agency
from store.users import add_user
from tests.integration.stack import Stack as UpStack

AGENCY = "BENCH"


def machine() -> dict[str, Any]:
    """Cores, RAM, CPU model, Python: written into every result file."""
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        # The cores are shared: other processes' load skews every number, so it is recorded.
        "loadavg_1_5_15": [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]],
    }


@dataclass
class Proc:
    pid: int
    name: str

    def _stat(self) -> list[str]:
        raw = Path(f"/proc/{self.pid}/stat").read_text()
        return raw[raw.rindex(")") + 2 :].split()

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far."""
        f = self._stat()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


class Stack(UpStack):
    """`gongkai up` in ``var`` on free ports, as a user starts it (the integration tests'
    stack), with the bench agency, its engine, and the child processes found in /proc."""

    def __init__(self, var: Path) -> None:
        super().__init__(var)
        self.env["GONGKAI_LOG_LEVEL"] = "WARNING"
        # Every request of the portal benchmark comes from 127.0.0.1.
        for limit in ("NEW_CASES", "TRACKING", "POSTS"):
            self.env[f"GONGKAI_PORTAL_{limit}_PER_ADDRESS"] = "1000000"
        self.settings = Settings(
            var_dir=var,
            dev_server_port=self.grpc,
            dev_server_ui_port=self.ui,
            api_port=self.http,
            temporal_address=f"127.0.0.1:{self.grpc}",
        )
        self.engine: Engine = make_engine(self.settings.db_url)
        self.procs: dict[str, Proc] = {}
        self.tokens: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http}"

    def start(self) -> float:  # type: ignore[override]
        """Start `gongkai up`; returns the seconds until /health reported Temporal ok."""
        migrate(self.engine)
        put_agency(
            self.engine,
            Agency(
                code=AGENCY,
                name="基准测试市人民政府办公室",
                reconsideration_organ="基准测试市人民政府",
                court="基准测试市中级人民法院",
                case_prefix="BK",
                officer_email="officer@bench.test",
                supervisor_email="supervisor@bench.test",
            ),
        )
        t = time.perf_counter()
        super().start()
        took = time.perf_counter() - t
        assert self.proc is not None
        for pid in _children(self.proc.pid):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "start-dev" in cmd:
                self.procs["temporal"] = Proc(pid, "temporal dev server")
            elif "console.cli worker" in cmd:
                self.procs["worker"] = Proc(pid, "worker")
            elif "console.cli api" in cmd:
                self.procs["api"] = Proc(pid, "api")
        return took

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return 0
        try:
            return super().stop()
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self.engine.dispose()

    async def client(self, *, bare: bool = False) -> Client:
        """A Temporal client on the stack's server: Gongkai's converter (pydantic + codec), or
        the SDK's default converter (``bare``) for the minimal baseline workflow."""
        if bare:
            return await Client.connect(f"127.0.0.1:{self.grpc}")
        return await Client.connect(
            f"127.0.0.1:{self.grpc}", data_converter=data_converter(self.settings)
        )

    def token(self, username: str, role: str = "officer") -> dict[str, str]:
        """A user of the bench agency (made once) and its Authorization header."""
        if username not in self.tokens:
            _, token = add_user(
                self.engine, username, username, AGENCY, role, datetime.now(UTC), "bench"
            )
            self.tokens[username] = token
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def cpu(self) -> dict[str, float]:
        return {k: p.cpu_seconds() for k, p in self.procs.items()}

    def rss(self) -> dict[str, float]:
        return {k: p.rss_mib() for k, p in self.procs.items()}
