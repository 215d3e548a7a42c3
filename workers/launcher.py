"""`gongkai up`: the embedded Temporal dev server, the worker and the API, for one machine.

The dev server keeps its state in ``var/temporal.db`` (SQLite, WAL), so cases survive restarts.
Every child runs in its own session: Ctrl-C reaches only this launcher, which stops the API, then
the worker, then the server, in that order. The server's own log goes to ``var/log/temporal.log``
(a file, never a pipe that could fill up and stall it). Everything under ``var/`` is private to
the user running it (gongkai/files.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gongkai.codec import local_key_spec
from gongkai.files import make_private_dir, private_umask, tighten_tree
from gongkai.logs import get_logger
from gongkai.settings import Settings
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
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--sqlite-pragma",
        "busy_timeout=5000",
        "--log-level",
        "warn",
        # The UI decrypts payloads through the API's codec endpoint (supervisors only).
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


def _child(args: list[str], log_file: Path | None = None) -> subprocess.Popen[bytes]:
    out = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if log_file else None
    try:
        return subprocess.Popen(
            args,
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


def _ensure_an_agency(engine: object) -> None:
    """A fresh local install gets one demonstration agency so cases can be registered at once;
    real agencies are added with `gongkai agencies add`."""
    from sqlalchemy.engine import Engine
    from sqlmodel import Session, select

    from store.cases import put_agency
    from store.models import Agency

    assert isinstance(engine, Engine)
    with Session(engine) as s:
        if s.exec(select(Agency)).first() is not None:
            return
    put_agency(
        engine,
        Agency(
            code="DEMO",
            name="示例市人民政府办公室（演示）",
            reconsideration_organ="示例市人民政府",
            court="示例市中级人民法院",
            case_prefix="GK",
        ),
    )
    log.info("added a demonstration agency; add real ones with `gongkai agencies add`", code="DEMO")


def up(settings: Settings) -> int:
    # Before anything is created: the database files, the logs and the key ring hold personal
    # data or decrypt it, so they are this user's only (gongkai/files.py); children inherit it.
    private_umask()
    var = settings.var_dir
    tighten_tree(var)  # files an older version (or a looser umask) left readable by others
    make_private_dir(var / "log")
    for host, port, what in (
        (settings.dev_server_ip, settings.dev_server_port, "Temporal"),
        (settings.dev_server_ip, settings.dev_server_ui_port, "Temporal UI"),
        (settings.api_host, settings.api_port, "API"),
    ):
        if not _port_free(host, port):
            log.error("port in use: is Gongkai already running?", port=port, service=what)
            return 2

    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    from store.db import make_engine, migrate

    engine = make_engine(settings.db_url)
    migrate(engine)
    _ensure_an_agency(engine)
    if not settings.codec_keys:
        local_key_spec(var)  # the local key ring, before any child reads it

    server_log = var / "log" / "temporal.log"
    server = _child(dev_server_command(settings, var / "temporal.db"), server_log)
    children: list[tuple[str, subprocess.Popen[bytes]]] = [("temporal", server)]
    code = 0
    try:
        _wait_for_port(settings.dev_server_ip, settings.dev_server_port, server, 60)
        set_retention(settings)
        env = {
            **os.environ,
            "GONGKAI_TEMPORAL_ADDRESS": f"{settings.dev_server_ip}:{settings.dev_server_port}",
        }
        me = [sys.executable, "-m", "gongkai.cli"]
        children.append(
            (
                "worker",
                subprocess.Popen(
                    [*me, "worker"], env=env, stdin=subprocess.DEVNULL, start_new_session=True
                ),
            )
        )
        children.append(
            (
                "api",
                subprocess.Popen(
                    [*me, "api"], env=env, stdin=subprocess.DEVNULL, start_new_session=True
                ),
            )
        )
        api = settings.api_url
        print(
            "\n  Gongkai is up.\n"
            f"    API docs        {api}/docs\n"
            f"    Dashboard       {api}/\n"
            f"    Health          {api}/health\n"
            f"    Temporal UI     {settings.temporal_ui_url}/namespaces/"
            f"{settings.temporal_namespace}/workflows\n"
            f"    Temporal gRPC   {settings.dev_server_ip}:{settings.dev_server_port}\n"
            f"    Data            {var.resolve()} (server log: {server_log})\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        while not stopping:
            for name, proc in children:
                if proc.poll() is not None:
                    log.error(
                        "process exited; stopping everything", process=name, code=proc.returncode
                    )
                    stopping, code = True, 1
            time.sleep(0.5)
    except (RuntimeError, TimeoutError) as exc:
        log.error("start-up failed", error=str(exc), server_log=str(server_log))
        code = 1
    finally:
        for name, proc in reversed(children):
            _stop(name, proc)
        log.info("all stopped")
    return code
