"""`gongkai calendar`: show a year, change a day, import a year's holiday notice — and tell the
open cases whose deadlines move (docs/calendar.md)."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from console.engine import read_model
from gongkai.settings import get_settings

calendar_app = typer.Typer(help="The working-day calendar (工作日).", no_args_is_help=True)


@calendar_app.command("show")
def calendar_show(
    year: int,
    region: Annotated[str | None, typer.Option(help="e.g. CN, or CN-65")] = None,
) -> None:
    """List a year's holidays, make-up working days and overrides, and whether it is official."""
    from store.calendar import load_calendar, overrides

    engine = read_model()
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
    engine, region = read_model(), region or get_settings().calendar_region
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
        said = f"{day.date()}调整为{zh}（{source}：{reason}）"
        # One digest per agency when the read model lists every move (otherwise a notice per
        # case, as before: a case opened before rows kept clocks is not in the preview).
        digested = not preview.unplanned and _tell_officers(engine, preview, said, region, now)
        _recalculate_open_cases(said, [day.year], by, digested=digested)


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
    n = import_notice(read_model(), notice, by, datetime.now(UTC))
    typer.echo(f"{notice.year} ({notice.region}) is now official: {n} days from {notice.source}.")
    if notify:
        _recalculate_open_cases(
            f"导入{notice.year}年节假日安排（{notice.source}）", [notice.year], by
        )


def _tell_officers(engine: Any, preview: Any, reason: str, region: str, now: datetime) -> bool:
    """One digest per agency of the deadlines the change moved (store/digest.py); False if
    they could not be written (the cases then tell their officers one by one)."""
    from activities.notify import deliver_all
    from store.digest import digests

    try:
        notes = digests(engine, preview, reason, region, now)
        said = asyncio.run(deliver_all(engine, get_settings(), notes))
    except Exception as exc:
        typer.echo(f"officers' digests not written ({exc.__class__.__name__})", err=True)
        return False
    kept = len(said) - said.count("sent")
    typer.echo(
        f"officers told: {len(said)} digest(s), one per agency with moved deadlines"
        + (f" ({kept} kept in the outbox: no SMTP, no address or not sent yet)." if kept else ".")
    )
    return True


def _recalculate_open_cases(
    reason: str, years: list[int], by: str, *, digested: bool = False
) -> None:
    """Tell every open case whose clocks touch ``years`` to recompute its deadlines, with a
    progress bar, then print the deadlines that moved (old → new); ``digested``: the officers
    were told by one digest per agency, the cases send no notice of their own."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from gongkai.temporal import connect
    from store.calendar import calendar_change
    from workflows.broadcast import recalculate_open_cases

    region = get_settings().calendar_region
    change = calendar_change(
        read_model(), region, reason, years, by, datetime.now(UTC), digested=digested
    )
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
