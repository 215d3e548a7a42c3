"""`gongkai up`: the embedded Temporal dev server, the worker and the API, for one machine.

The dev server keeps its state in ``var/temporal.db`` (SQLite, WAL), so cases survive restarts.
Every child runs in its own session: Ctrl-C reaches only this launcher, which stops the API, then
the worker, then the server, in that order. A child that exits otherwise (a crash, the OOM
killer, a stray ``kill``) is restarted after 1 s, then 2, 4, ... up to 30 s while it keeps
failing; only Ctrl-C or SIGTERM stops the launcher. The server's own log goes to
``var/log/temporal.log`` (a file, never a pipe that could fill up and stall it). Everything under
``var/`` is private to the user running it (gongkai/files.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.codec import local_key_spec
from gongkai.files import make_private_dir, private_umask, tighten_tree
from gongkai.logs import get_logger
from gongkai.settings import UI_PATH, Settings
from gongkai.temporal import temporal_cli
from schemas.search import ALL as SEARCH_ATTRIBUTES

log = get_logger(__name__)

_SA_TYPES = {2: "Keyword", 6: "Datetime", 1: "Text", 3: "Int", 4: "Double", 5: "Bool"}


def dev_server_command(settings: Settings, db_file: Path) -> list[str]:
    cmd = [
        temporal_cli(),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        "--ip",
        settings.dev_server_ip,
        "--port",
        str(settings.dev_server_port),
        "--ui-port",
        str(settings.dev_server_ui_port),
        # Both on loopback by default: anyone who reaches them can read and act on cases.
        "--ui-ip",
        settings.dev_server_ip,
        # Under /temporal, so the API can serve it on its own origin (api/routes/temporal_ui.py).
        "--ui-public-path",
        UI_PATH,
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--sqlite-pragma",
        "busy_timeout=5000",
        "--log-level",
        "warn",
        # The UI decrypts payloads through the API's codec endpoint (supervisors only); opened
        # through the API (/temporal) it is same-origin, so the dashboard session goes along.
        "--ui-codec-endpoint",
        f"{settings.api_url}/codec",
    ]
    if settings.temporal_namespace != "default":
        cmd += ["--namespace", settings.temporal_namespace]
    for key in SEARCH_ATTRIBUTES:
        cmd += ["--search-attribute", f"{key.name}={_SA_TYPES[int(key.indexed_value_type)]}"]
    return cmd


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _wait_for_port(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Temporal dev server exited with code {proc.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"the Temporal dev server did not open {host}:{port} in {timeout:.0f}s")


def set_retention(settings: Settings) -> None:
    """The dev server's namespaces keep closed histories only 1 day; casework needs longer."""
    address = f"{settings.dev_server_ip}:{settings.dev_server_port}"
    for _ in range(30):
        res = subprocess.run(
            [
                temporal_cli(),
                "operator",
                "namespace",
                "update",
                "-n",
                settings.temporal_namespace,
                "--retention",
                f"{settings.temporal_retention_hours}h",
                "--address",
                address,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if res.returncode == 0:
            log.info(
                "namespace retention set",
                namespace=settings.temporal_namespace,
                hours=settings.temporal_retention_hours,
            )
            return
        time.sleep(1)
    raise RuntimeError(f"could not set namespace retention: {res.stderr.strip()}")


def _child(
    args: list[str], log_file: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    out = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if log_file else None
    try:
        return subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            start_new_session=True,
        )
    finally:
        if out is not None:
            os.close(out)  # the child has its own copy


def _stop(name: str, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    log.info("stopping", process=name)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        log.warning("killing", process=name, after_seconds=timeout)
        proc.kill()
        proc.wait()


@dataclass
class Backoff:
    """How long to wait before restarting a process that exited: ``first`` seconds, doubling
    at each exit up to ``cap``; a process that had stayed up ``stable`` seconds starts again
    from ``first`` (one crash a day is not a crash loop)."""

    first: float = 1.0
    cap: float = 30.0
    stable: float = 60.0
    _next: float = 0.0

    def delay(self, uptime: float) -> float:
        if not self._next or uptime >= self.stable:
            self._next = self.first
        delay = self._next
        self._next = min(delay * 2, self.cap)
        return delay


@dataclass
class Child:
    """One supervised process: restarted, with backoff, whenever it exits."""

    name: str
    args: list[str]
    log_file: Path | None = None
    env: dict[str, str] | None = None
    backoff: Backoff = field(default_factory=Backoff)
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float | None = None
    restarts: int = 0

    def spawn(self, now: float) -> None:
        self.proc = _child(self.args, self.log_file, self.env)
        self.started, self.restart_at = now, None

    def tend(self, now: float) -> None:
        """Notice an exit and schedule the restart; restart once its time has come."""
        if self.restart_at is None:
            assert self.proc is not None
            code = self.proc.poll()
            if code is None:
                return
            _reap_session(self.proc)
            wait = self.backoff.delay(now - self.started)
            self.restart_at = now + wait
            log.error(
                f"process exited; restarting in {wait:g} s",
                process=self.name,
                code=code,
                **({"signal": name} if (name := _signal_name(code)) else {}),
            )
        if now < self.restart_at:
            return
        try:
            self.spawn(now)
        except OSError as exc:  # e.g. the executable is gone: keep trying, as slowly
            wait = self.backoff.delay(0)
            self.restart_at = now + wait
            log.error(
                f"could not restart; trying again in {wait:g} s", process=self.name, error=str(exc)
            )
            return
        self.restarts += 1
        assert self.proc is not None
        log.warning(
            "process restarted", process=self.name, pid=self.proc.pid, restarts=self.restarts
        )

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.name, self.proc)


def _signal_name(code: int) -> str | None:
    """SIGKILL for -9: Popen's return code of a process killed by a signal."""
    try:
        return signal.Signals(-code).name if code < 0 else None
    except ValueError:
        return None


def _reap_session(proc: subprocess.Popen[bytes]) -> None:
    """Kill whatever the exited process left behind in its session (its process group), so
    that a restarted server never shares its database with an orphan of the last one."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _ensure_an_agency(engine: object) -> None:
    """A fresh local install gets one demonstration agency so cases can be registered at once;
    real agencies are added with `gongkai agencies add`."""
    from sqlalchemy.engine import Engine
    from sqlmodel import Session, select

    from store.agencies import DEMO
    from store.cases import put_agency
    from store.models import Agency

    assert isinstance(engine, Engine)
    with Session(engine) as s:
        if s.exec(select(Agency)).first() is not None:
            return
    put_agency(
        engine,
        Agency(
            code=DEMO,
            name="示例市人民政府办公室（演示）",
            reconsideration_organ="示例市人民政府",
            court="示例市中级人民法院",
            case_prefix="GK",
        ),
    )
    # The portal stops offering it once a real agency is added; `agencies disable DEMO`
    # retires it.
    log.info("added a demonstration agency; add real ones with `gongkai agencies add`", code=DEMO)


def up(settings: Settings) -> int:
    # Before anything is created: the database files, the logs and the key ring hold personal
    # data or decrypt it, so they are this user's only (gongkai/files.py); children inherit it.
    private_umask()
    var = settings.var_dir
    tighten_tree(var)  # files an older version (or a looser umask) left readable by others
    make_private_dir(var / "log")
    if not _ports_free(settings):
        return 2

    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    _prepare_data(settings)

    server_log = var / "log" / "temporal.log"
    # The dev server is restarted like the others, on the same file: SQLite in WAL mode
    # recovers a killed writer's database on the next open, which is what a user's second
    # `gongkai up` would do anyway; `_reap_session` first makes sure no orphan of the dead
    # server still has it open.
    server = Child("temporal", dev_server_command(settings, var / "temporal.db"), server_log)
    children = [server]
    server.spawn(time.monotonic())
    code = 0
    try:
        assert server.proc is not None
        _wait_for_port(settings.dev_server_ip, settings.dev_server_port, server.proc, 60)
        set_retention(settings)
        env = _children_env(settings)
        me = [sys.executable, "-m", "console.cli"]
        for name in ("worker", "api"):
            child = Child(name, [*me, name], env=env)
            child.spawn(time.monotonic())
            children.append(child)
        _announce(settings, env["GONGKAI_TEMPORAL_UI_UPSTREAM"], server_log)
        # Only Ctrl-C or SIGTERM ends this loop: a process that exits is restarted.
        while not stopping:
            now = time.monotonic()
            for child in children:
                child.tend(now)
            time.sleep(0.5)
    except (RuntimeError, TimeoutError) as exc:
        log.error("start-up failed", error=str(exc), server_log=str(server_log))
        code = 1
    finally:
        for child in reversed(children):
            child.stop()
        log.info("all stopped")
    return code


def _ports_free(settings: Settings) -> bool:
    """Whether the server's, the UI's and the API's ports are free (says which one is not)."""
    for host, port, what in (
        (settings.dev_server_ip, settings.dev_server_port, "Temporal"),
        (settings.dev_server_ip, settings.dev_server_ui_port, "Temporal UI"),
        (settings.api_host, settings.api_port, "API"),
    ):
        if not _port_free(host, port):
            log.error("port in use: is Gongkai already running?", port=port, service=what)
            return False
    return True


def _prepare_data(settings: Settings) -> None:
    """The read model migrated (with an agency to start from) and the key ring made, before
    any child opens them."""
    from store.db import make_engine, migrate

    engine = make_engine(settings.db_url)
    migrate(engine)
    _ensure_an_agency(engine)
    if not settings.codec_keys:
        local_key_spec(settings.var_dir)  # the local key ring, before any child reads it


def _children_env(settings: Settings) -> dict[str, str]:
    """The worker's and the API's environment: the dev server's address and its UI's."""
    return {
        **os.environ,
        "GONGKAI_TEMPORAL_ADDRESS": f"{settings.dev_server_ip}:{settings.dev_server_port}",
        "GONGKAI_TEMPORAL_UI_UPSTREAM": settings.temporal_ui_upstream
        or f"http://{settings.dev_server_ip}:{settings.dev_server_ui_port}",
    }


def _announce(settings: Settings, ui_upstream: str, server_log: Path) -> None:
    """Where everything is, printed once it has all started."""
    served = settings.model_copy(update={"temporal_ui_upstream": ui_upstream})
    api = settings.api_url
    print(
        "\n  Gongkai is up.\n"
        f"    API docs        {api}/docs\n"
        f"    Dashboard       {api}/\n"
        f"    Public portal   {api}/public/\n"
        f"    Health          {api}/health\n"
        f"    Temporal UI     {served.temporal_ui_url}/namespaces/"
        f"{settings.temporal_namespace}/workflows\n"
        f"    Temporal gRPC   {settings.dev_server_ip}:{settings.dev_server_port}\n"
        f"    Data            {settings.var_dir.resolve()} (server log: {server_log})\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )
