"""`gongkai users`: add users and print their bearer tokens, re-key, disable, list, audit."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated

import typer

from console.engine import read_model

users_app = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)


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

    engine = read_model()
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
        typer.echo(rotate_token(read_model(), username, by))
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
        set_disabled(read_model(), username, True, by)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"user {username} disabled")


@users_app.command("audit")
def users_audit(username: str | None = None) -> None:
    """Who created, disabled, enabled or re-keyed users, and when."""
    from store.users import audit_trail

    for a in audit_trail(read_model(), username):
        typer.echo(
            f"{a.at:%Y-%m-%d %H:%M:%S}  {a.actor:<16} {a.action:<14} {a.username}  {a.detail}"
        )


@users_app.command("list")
def users_list(agency: str | None = None) -> None:
    """List users (token hints only)."""
    from store.users import list_users

    for u in list_users(read_model(), agency):
        state = "disabled" if u.disabled else "active"
        typer.echo(f"{u.agency:10} {u.username:20} {u.role:10} {u.name} [{u.token_hint}…] {state}")
