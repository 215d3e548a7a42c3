"""The `gongkai` command line: up, worker, api, calendar."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from console.agencies import agencies_app
from console.engine import read_model as _engine
from gongkai.files import private_umask
from gongkai.logs import configure_logging
from gongkai.settings import get_settings

app = typer.Typer(
    help="Gongkai 公开: disclosure casework as durable workflows.",
    no_args_is_help=True,
    add_completion=False,
)
calendar_app = typer.Typer(help="The working-day calendar (工作日).", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
app.add_typer(agencies_app, name="agencies")
users_app = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
report_app = typer.Typer(help="Reports from the read model.", no_args_is_help=True)
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


@calendar_app.command("show")
def calendar_show(
    year: int,
    region: Annotated[str | None, typer.Option(help="e.g. CN, or CN-65")] = None,
) -> None:
    """List a year's holidays, make-up working days and overrides, and whether it is official."""
    from store.calendar import load_calendar, overrides

    engine = _engine()
    region = region or get_settings().calendar_region
    cal = load_calendar(engine, region)
    status = cal.year_status(year)
    typer.echo(f"{year} ({region}): {status.value}   calendar revision {cal.revision}")
    if year in cal.official_years:
        typer.echo(f"  source: {cal.official_years[year]}")
    else:
        typer.echo(
            f"  {year}年节假日安排尚未公布：weekends only; internal due dates keep a "
            "2-working-day margin."
        )
    days = [d for d in cal.year_days(year) if d.kind != "weekend"]
    for d in days:
        mark = "WORK" if d.working else "OFF "
        typer.echo(f"  {mark} {d.label}  [{d.kind}]")
    typer.echo(
        f"  {sum(1 for d in days if not d.working)} holiday weekdays, "
        f"{sum(1 for d in days if d.working)} make-up working days"
    )
    rows = overrides(engine, region, year)
    if rows:
        typer.echo("  overrides:")
        for r in rows:
            typer.echo(
                f"    {r.day} {r.kind} by {r.edited_by} at {r.edited_at:%Y-%m-%d %H:%M} "
                f"source={r.source!r} reason={r.reason!r}"
            )


@calendar_app.command("set")
def calendar_set(
    day: Annotated[datetime, typer.Argument(formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
    kind: Annotated[str, typer.Argument(help="holiday | workday")],
    source: Annotated[str, typer.Option(help="the notice or decision behind the change")],
    reason: Annotated[str, typer.Option(help="why the day changes")],
    by: Annotated[str, typer.Option(help="who makes the change")] = os.environ.get("USER", "admin"),
    name: Annotated[str, typer.Option(help="name shown in explanations")] = "",
    region: Annotated[str | None, typer.Option()] = None,
    notify: Annotated[bool, typer.Option(help="tell running cases to recompute")] = True,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list every deadline that would move; store nothing")
    ] = False,
    override_reason: Annotated[
        str,
        typer.Option(help="why deadlines already told to applicants may be shortened"),
    ] = "",
) -> None:
    """Override one day (a local closure, a correction): stored with source, reason, who, when.
    First every open deadline that would move is listed (old → new, per case and clock); a
    change that would shorten a date already told to an applicant is refused unless
    --override-reason says why. Then the read model shows the new dates at once and the running
    cases catch up."""
    from rules.calendar import DayKind
    from store.calendar import set_day
    from store.recompute import apply, preview_day, refusal

    kinds = {"holiday": DayKind.HOLIDAY, "workday": DayKind.MAKEUP_WORKDAY}
    if kind not in kinds:
        raise typer.BadParameter("kind must be 'holiday' or 'workday'")
    if len(override_reason) > 500:
        raise typer.BadParameter("--override-reason: 不超过500字")
    engine, region = _engine(), region or get_settings().calendar_region
    now = datetime.now(UTC)
    started = time.perf_counter()
    preview = preview_day(engine, region, day.date(), kinds[kind], now, name=name)
    preview_s = time.perf_counter() - started
    # A dry run lists every move; otherwise the first 50 (each is in its case's history).
    _print_moves(preview, "would move" if dry_run else "moves", None if dry_run else 50)
    if dry_run:
        typer.echo("--dry-run: nothing stored.")
        return
    if preview.shortening and not override_reason.strip():
        typer.echo(refusal(preview), err=True)
        raise typer.Exit(2)
    if override_reason.strip():
        reason = f"{reason}（缩短已告知期限的理由：{override_reason.strip()}）"
    if len(reason) > 1000:
        raise typer.BadParameter("理由与缩短期限的理由合计不超过1000字。")
    try:
        set_day(
            engine,
            day.date(),
            kinds[kind],
            source=source,
            reason=reason,
            edited_by=by,
            at=now,
            name=name,
            region=region,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"{day.date()} is now a {kind} ({source}; {reason}; by {by}).")
    started = time.perf_counter()
    # The stored calendar is the one previewed (the same rows and this day): its moves are the
    # preview's. A case that acted in between is re-projected by its own workflow, told below.
    written = apply(engine, preview)
    typer.echo(
        f"read model: {written} open cases show their new due dates "
        f"({time.perf_counter() - started:.1f} s after {preview_s:.1f} s of recomputation)."
    )
    if notify:
        zh = "休息日" if kind == "holiday" else "工作日"
        _recalculate_open_cases(f"{day.date()}调整为{zh}（{source}：{reason}）", [day.year], by)


def _print_moves(preview: Any, verb: str, limit: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from rules.calendar import local_date

    cases = {m.case_no for m in preview.moves}
    typer.echo(
        f"{preview.scanned} open cases looked at; this change {verb} {len(preview.moves)} "
        f"deadlines in {len(cases)} cases ({len(preview.shortening)} earlier than told to the "
        "applicant)."
    )
    if preview.unplanned:
        typer.echo(
            f"{preview.unplanned} open cases were opened before their rows kept their clocks: "
            "not previewed; their workflows plan on the new calendar when told (or before any "
            "rung fires)."
        )
    if not preview.moves:
        return
    table = Table("case", "agency", "clock", "old due", "new due", "told")
    for m in preview.moves[:limit]:
        table.add_row(
            m.case_no,
            m.agency,
            m.clock,
            str(local_date(m.old_due_at)) if m.old_due_at else "—",
            str(local_date(m.new_due_at)) if m.new_due_at else "—",
            str(m.told or ""),
        )
    Console(highlight=False).print(table)
    if limit is not None and len(preview.moves) > limit:
        typer.echo(f"… and {len(preview.moves) - limit} more.")


@calendar_app.command("import")
def calendar_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="notice TOML file")],
    by: Annotated[str, typer.Option(help="who imports")] = os.environ.get("USER", "admin"),
    notify: Annotated[bool, typer.Option(help="tell running cases to recompute")] = True,
) -> None:
    """Import a year's holiday notice (docs/calendar.md): the year becomes official."""
    from pydantic import ValidationError

    from rules.notice import parse_notice
    from store.calendar import import_notice

    try:
        notice = parse_notice(file)
    except (ValidationError, ValueError) as exc:
        typer.echo(f"{file}: not a valid holiday notice:\n{exc}", err=True)
        raise typer.Exit(2) from exc
    n = import_notice(_engine(), notice, by, datetime.now(UTC))
    typer.echo(f"{notice.year} ({notice.region}) is now official: {n} days from {notice.source}.")
    if notify:
        _recalculate_open_cases(
            f"导入{notice.year}年节假日安排（{notice.source}）", [notice.year], by
        )


@users_app.command("add")
def users_add(
    username: str,
    agency: Annotated[str, typer.Option(help="agency code")],
    role: Annotated[str, typer.Option(help="officer | supervisor | admin | superadmin")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    unit: Annotated[
        str, typer.Option(help="the unit (科室) the person belongs to; empty: the GI office")
    ] = "",
    by: Annotated[str, typer.Option(help="who creates the user")] = os.environ.get("USER", "admin"),
) -> None:
    """Create a user and print its bearer token (shown once; only its hash is stored)."""
    from store.cases import get_agency
    from store.users import add_user

    engine = _engine()
    if get_agency(engine, agency) is None:
        raise typer.BadParameter(f"unknown agency {agency!r}; add it with `gongkai agencies add`")
    try:
        _, token = add_user(
            engine, username, name or username, agency, role, datetime.now(UTC), by, unit
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} ({role}, {agency}) created. Token (shown once):")
    typer.echo(token)


@users_app.command("token")
def users_token(
    username: str,
    by: Annotated[str, typer.Option(help="who re-keys the user")] = os.environ.get("USER", "admin"),
) -> None:
    """Issue a new token for a user; the old one and their dashboard sessions stop working."""
    from store.users import rotate_token

    try:
        typer.echo(rotate_token(_engine(), username, by))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


@users_app.command("disable")
def users_disable(
    username: str,
    by: Annotated[str, typer.Option(help="who disables the user")] = os.environ.get(
        "USER", "admin"
    ),
) -> None:
    """Disable a user: its token and dashboard sessions stop working at once."""
    from store.users import set_disabled

    try:
        set_disabled(_engine(), username, True, by)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} disabled")


@users_app.command("audit")
def users_audit(username: str | None = None) -> None:
    """Who created, disabled, enabled or re-keyed users, and when."""
    from store.users import audit_trail

    for a in audit_trail(_engine(), username):
        typer.echo(
            f"{a.at:%Y-%m-%d %H:%M:%S}  {a.actor:<16} {a.action:<14} {a.username}  {a.detail}"
        )


@users_app.command("list")
def users_list(agency: str | None = None) -> None:
    """List users (token hints only)."""
    from store.users import list_users

    for u in list_users(_engine(), agency):
        state = "disabled" if u.disabled else "active"
        typer.echo(f"{u.agency:10} {u.username:20} {u.role:10} {u.name} [{u.token_hint}…] {state}")


@report_app.command("annual")
def report_annual(
    year: int,
    agency: Annotated[str, typer.Option(help="agency code")],
    format: Annotated[str, typer.Option(help="text | csv | html | json")] = "text",
    output: Annotated[Path | None, typer.Option(help="write to this file, not stdout")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="all six parts (default: part 三 alone)")
    ] = False,
) -> None:
    """The annual report (GIDR Arts. 49-50; 30号 format): part 三 by applicant type, or with
    --full all six parts as the portal publishes them."""
    from rules.calendar import SHANGHAI
    from store.report import ReportError, annual_report, to_csv, to_text

    if format not in ("text", "csv", "html", "json"):
        raise typer.BadParameter("format must be text, csv, html or json", param_hint="--format")
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    try:
        if full:
            from store.annual import full_report

            whole = full_report(_engine(), agency, year, today)
        else:
            report = annual_report(_engine(), agency, year, today)
    except ReportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if full:
        text = _full_text(whole, format)
    elif format == "csv":
        text = to_csv(report)
    elif format == "html":
        from api.routes.reports import render_html

        text = render_html(report)
    elif format == "json":
        text = report.model_dump_json(indent=2)
    else:
        text = to_text(report)
    if output is None:
        typer.echo(text.removeprefix("\ufeff"), nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{output}: annual report {year} of {agency} ({format}).")


def _full_text(report: Any, format: str) -> str:
    from store import annual

    if format == "csv":
        return annual.to_csv(report)
    if format == "html":
        from api.annual_report import render_full

        return render_full(report, standalone=True)
    if format == "json":
        return str(report.model_dump_json(indent=2))
    return annual.to_text(report)


def _recalculate_open_cases(reason: str, years: list[int], by: str) -> None:
    """Tell every open case whose clocks touch ``years`` to recompute its deadlines, with a
    progress bar, then print the deadlines that moved (old → new)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from gongkai.temporal import connect
    from schemas.deadlines import CalendarChange
    from store.calendar import load_calendar
    from workflows.broadcast import recalculate_open_cases

    revision = load_calendar(_engine(), get_settings().calendar_region).revision
    change = CalendarChange(reason=reason[:500], years=years, revision=revision, by=by)
    console = Console(stderr=False, highlight=False)

    async def _run() -> Any:
        client = await asyncio.wait_for(connect(get_settings()), timeout=5)
        with Progress(
            TextColumn("recomputing open deadlines"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("cases", total=None)
            return await recalculate_open_cases(
                client,
                change,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )

    try:
        result = asyncio.run(_run())
    except Exception as exc:
        typer.echo(
            f"Temporal not reachable ({exc.__class__.__name__}); running cases will use "
            "the new calendar at their next recomputation.",
            err=True,
        )
        return
    moves = [(r.case_no, m) for r in result.moved for m in r.moved]
    typer.echo(
        f"{result.told} open cases recomputed; {len(result.moved)} had deadlines moved "
        f"({len(moves)} clocks); {len(result.failed)} could not be reached."
    )
    if moves:
        table = Table("case", "clock", "old due", "new due")
        for case_no, m in moves[:50]:
            table.add_row(case_no, f"{m.clock_zh} ({m.clock})", m.old_text, m.new_text)
        console.print(table)
        if len(moves) > 50:
            typer.echo(f"… and {len(moves) - 50} more (each is in its case's history).")
    for wf_id, error in result.failed:
        typer.echo(f"  not recomputed: {wf_id}: {error}", err=True)


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
    from console.backup import BackupError
    from console.backup import backup as run_backup

    try:
        done = run_backup(get_settings(), dest)
    except BackupError as exc:
        typer.echo(f"backup refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in done:
        typer.echo(line)
    typer.echo(f"backup complete: {dest}")


@app.command()
def restore(
    src: Annotated[Path, typer.Argument(help="a directory made by `gongkai backup`")],
    force: Annotated[
        bool, typer.Option(help="replace existing files (kept aside in var/replaced-<time>/)")
    ] = False,
) -> None:
    """Put a backup's files back in place; Gongkai must be stopped (docs/operations.md)."""
    from console.backup import BackupError
    from console.backup import restore as run_restore

    try:
        done = run_restore(get_settings(), src, force=force)
    except BackupError as exc:
        typer.echo(f"restore refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in done:
        typer.echo(line)
    typer.echo("restore complete: start Gongkai with `gongkai up`, then run `gongkai doctor`.")


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
