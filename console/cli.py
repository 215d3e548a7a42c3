"""The `gongkai` command line: up, worker, api, setup, doctor, backup and restore here; the
command groups in their own modules (calendar: console/calendars.py, agencies, users, report)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from console.agencies import agencies_app
from console.calendars import calendar_app
from console.engine import read_model as _engine
from console.reports import report_app
from console.users import users_app
from gongkai.files import private_umask
from gongkai.logs import configure_logging
from gongkai.settings import get_settings

app = typer.Typer(
    help="Gongkai 公开: disclosure casework as durable workflows.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(calendar_app, name="calendar")
app.add_typer(agencies_app, name="agencies")
app.add_typer(users_app, name="users")
app.add_typer(report_app, name="report")


@app.callback()
def _setup() -> None:
    s = get_settings()
    configure_logging(s.log_format, s.log_level)


@app.command()
def up() -> None:
    """Start the embedded Temporal dev server, the worker and the API (what `make run` does)."""
    from workers.launcher import up as run_up

    _exit(run_up(get_settings()))


@app.command()
def worker() -> None:
    """Run the Temporal worker against the configured server."""
    from workers.worker import run_worker

    asyncio.run(run_worker(get_settings()))
    _exit(0)


@app.command()
def api() -> None:
    """Run the HTTP API (uvicorn) against the configured server and database."""
    from workers.api_server import run_api

    run_api(get_settings())
    _exit(0)


@app.command()
def setup(
    temporal: Annotated[
        bool,
        typer.Option(
            help="Also create the namespace, set its retention and register the search "
            "attributes (--no-temporal on Temporal Cloud, where tcld does that)."
        ),
    ] = True,
    wait: Annotated[int, typer.Option(help="seconds to wait for Temporal to answer")] = 120,
) -> None:
    """Prepare a deployment: migrations, Temporal namespace, retention, search attributes.

    Run before the workers and the API start: applies the database migrations, creates the
    Temporal namespace if missing, gives it GONGKAI_TEMPORAL_RETENTION_HOURS of retention and
    registers Gongkai's search attributes. Safe to repeat (compose.yaml runs it at every start).
    """
    from schemas.search import ALL
    from workers.setup import prepare_namespace

    settings = get_settings()
    _engine().dispose()
    typer.echo("read model: migrations applied")
    if not temporal:
        return
    try:
        created = asyncio.run(prepare_namespace(settings, wait_seconds=wait))
    except Exception as exc:
        typer.echo(f"temporal: {exc.__class__.__name__}: {exc}", err=True)
        _exit(1)
    typer.echo(
        f"temporal namespace {settings.temporal_namespace} "
        f"({'created' if created else 'exists'}): retention "
        f"{settings.temporal_retention_hours} h; search attributes "
        f"{', '.join(key.name for key in ALL)}"
    )
    _exit(0)  # compose waits for exit code 0, which the SDK's threads can spoil at finalisation


@app.command()
def doctor(
    timeout: Annotated[float, typer.Option(help="seconds to wait for each service")] = 5.0,
) -> None:
    """Check this installation: Temporal, read model, search attributes, retention, calendar,
    codec keys, worker. Exit code 1 when a check fails (docs/operations.md)."""
    from console.doctor import diagnose, exit_code, summary

    checks = asyncio.run(diagnose(get_settings(), timeout))
    for check in checks:
        typer.echo(check.line())
    typer.echo(summary(checks))
    _exit(exit_code(checks))


@app.command()
def backup(
    dest: Annotated[Path, typer.Argument(help="a new directory for the backup")],
) -> None:
    """Copy var/temporal.db, the SQLite read model and var/codec.keys into DEST, consistently,
    while Gongkai runs (docs/operations.md)."""
    from console.backup import backup as run_backup

    _carry_out("backup", lambda: run_backup(get_settings(), dest), str(dest))


@app.command()
def restore(
    src: Annotated[Path, typer.Argument(help="a directory made by `gongkai backup`")],
    force: Annotated[
        bool, typer.Option(help="replace existing files (kept aside in var/replaced-<time>/)")
    ] = False,
) -> None:
    """Put a backup's files back in place; Gongkai must be stopped (docs/operations.md)."""
    from console.backup import restore as run_restore

    _carry_out(
        "restore",
        lambda: run_restore(get_settings(), src, force=force),
        "start Gongkai with `gongkai up`, then run `gongkai doctor`.",
    )


def _carry_out(what: str, run: Callable[[], list[str]], complete: str) -> None:
    """Print what a backup or a restore did, or why it was refused (exit code 1)."""
    from console.backup import BackupError

    try:
        done = run()
    except BackupError as exc:
        typer.echo(f"{what} refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in done:
        typer.echo(line)
    typer.echo(f"{what} complete: {complete}")


def _exit(code: int) -> None:
    # Skip interpreter finalisation: the Temporal SDK's Rust threads can abort it (sdk-python#300).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    # Before any command creates a file: the read model, the key ring and the logs under var/
    # are this user's only (gongkai/files.py). Here, not in the callback, so that a program
    # running a command in-process (tests, CliRunner) keeps its own umask.
    private_umask()
    app()


if __name__ == "__main__":
    main()
