"""`gongkai report`: the annual report from the read model (GIDR Arts. 49-50)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from console.engine import read_model

report_app = typer.Typer(help="Reports from the read model.", no_args_is_help=True)


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

            whole = full_report(read_model(), agency, year, today)
        else:
            report = annual_report(read_model(), agency, year, today)
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
