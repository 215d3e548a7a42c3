"""The `gongkai` command line: up, worker, api, calendar."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gongkai.logs import configure_logging

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
from gongkai.settings import get_settings

app = typer.Typer(
    help="Gongkai 公开: disclosure casework as durable workflows.",
    no_args_is_help=True,
    add_completion=False,
)
calendar_app = typer.Typer(help="The working-day calendar (工作日).", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
agencies_app = typer.Typer(help="Agencies handling cases.", no_args_is_help=True)
app.add_typer(agencies_app, name="agencies")
users_app = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


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


def _engine() -> Engine:
    from store.db import make_engine, migrate

    engine = make_engine(get_settings().db_url)
    migrate(engine)
    return engine


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
) -> None:
    """Override one day (a local closure, a correction): stored with source, reason, who, when."""
    from rules.calendar import DayKind
    from store.calendar import set_day

    kinds = {"holiday": DayKind.HOLIDAY, "workday": DayKind.MAKEUP_WORKDAY}
    if kind not in kinds:
        raise typer.BadParameter("kind must be 'holiday' or 'workday'")
    try:
        set_day(
            _engine(),
            day.date(),
            kinds[kind],
            source=source,
            reason=reason,
            edited_by=by,
            at=datetime.now(UTC),
            name=name,
            region=region or get_settings().calendar_region,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"{day.date()} is now a {kind} ({source}; {reason}; by {by}).")
    if notify:
        _notify_calendar_changed()


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
        _notify_calendar_changed()


@agencies_app.command("add")
def agencies_add(
    code: str,
    name: Annotated[str, typer.Option(help="the agency's full name")],
    reconsideration_organ: Annotated[str, typer.Option(help="行政复议机关, named in replies")],
    court: Annotated[str, typer.Option(help="the court for administrative litigation")],
    case_prefix: Annotated[str, typer.Option(help="case numbers: PREFIX-YEAR-SERIAL")] = "GK",
    officer_email: str = "",
    supervisor_email: str = "",
    head_email: str = "",
    jurisdiction: str = "CN",
    region: str = "CN",
) -> None:
    """Add or update an agency."""
    from store.cases import put_agency
    from store.models import Agency

    put_agency(
        _engine(),
        Agency(
            code=code,
            name=name,
            reconsideration_organ=reconsideration_organ,
            court=court,
            case_prefix=case_prefix,
            officer_email=officer_email,
            supervisor_email=supervisor_email,
            head_email=head_email,
            jurisdiction=jurisdiction,
            region=region,
        ),
    )
    typer.echo(f"agency {code} ({name}) saved; case numbers {case_prefix}-YYYY-NNNNNN")


@users_app.command("add")
def users_add(
    username: str,
    agency: Annotated[str, typer.Option(help="agency code")],
    role: Annotated[str, typer.Option(help="officer | supervisor | admin")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    by: Annotated[str, typer.Option(help="who creates the user")] = os.environ.get("USER", "admin"),
) -> None:
    """Create a user and print its bearer token (shown once; only its hash is stored)."""
    from store.cases import get_agency
    from store.users import add_user

    engine = _engine()
    if get_agency(engine, agency) is None:
        raise typer.BadParameter(f"unknown agency {agency!r}; add it with `gongkai agencies add`")
    try:
        _, token = add_user(engine, username, name or username, agency, role, datetime.now(UTC), by)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} ({role}, {agency}) created. Token (shown once):")
    typer.echo(token)


@users_app.command("token")
def users_token(username: str) -> None:
    """Issue a new token for a user; the old one stops working."""
    from store.users import rotate_token

    try:
        typer.echo(rotate_token(_engine(), username))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable a user: its token stops working at once."""
    from store.users import set_disabled

    set_disabled(_engine(), username, True)
    typer.echo(f"user {username} disabled")


@users_app.command("list")
def users_list(agency: str | None = None) -> None:
    """List users (token hints only)."""
    from store.users import list_users

    for u in list_users(_engine(), agency):
        state = "disabled" if u.disabled else "active"
        typer.echo(f"{u.agency:10} {u.username:20} {u.role:10} {u.name} [{u.token_hint}…] {state}")


def _notify_calendar_changed() -> None:
    """Signal every running workflow to recompute its due dates (best effort)."""
    from gongkai.temporal import connect, signal_calendar_changed

    async def _run() -> int:
        client = await asyncio.wait_for(connect(get_settings()), timeout=5)
        return await signal_calendar_changed(client)

    try:
        n = asyncio.run(_run())
        typer.echo(f"{n} running workflows told to recompute their deadlines.")
    except Exception as exc:
        typer.echo(
            f"Temporal not reachable ({exc.__class__.__name__}); running cases will use "
            "the new calendar at their next recomputation.",
            err=True,
        )


def _exit(code: int) -> None:
    # Skip interpreter finalisation: the Temporal SDK's Rust threads can abort it (sdk-python#300).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
