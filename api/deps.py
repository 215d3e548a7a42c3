"""Shared dependencies of the routes: settings, database engine, Temporal client."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, HTTPException, Request
from sqlalchemy.engine import Engine
from temporalio.client import Client

from gongkai.settings import Settings
from rules.calendar import WorkCalendar
from schemas.disclosure import Actor, Role
from store.calendar import load_calendar


def settings(request: Request) -> Settings:
    return request.app.state.settings


def engine(request: Request) -> Engine:
    return request.app.state.engine


def calendar(request: Request) -> WorkCalendar:
    s: Settings = request.app.state.settings
    return load_calendar(request.app.state.engine, s.calendar_region)


def temporal(request: Request) -> Client:
    client: Client | None = request.app.state.temporal
    if client is None:
        raise HTTPException(
            503, "The workflow engine (Temporal) is not reachable yet; retry shortly."
        )
    return client


def actor(
    x_actor_id: Annotated[str | None, Header()] = None,
    x_actor_name: Annotated[str | None, Header()] = None,
    x_actor_role: Annotated[str | None, Header()] = None,
    x_actor_agency: Annotated[str | None, Header()] = None,
) -> Actor:
    """Who is acting. Interim: identity headers set by the agency's gateway; bearer tokens with
    hashed storage replace this dependency (issue 4) without changing any route."""
    if not (x_actor_id and x_actor_role and x_actor_agency):
        raise HTTPException(401, "Not authenticated: the request does not say who is acting.")
    try:
        role = Role(x_actor_role)
    except ValueError:
        raise HTTPException(401, f"Unknown role {x_actor_role!r}.") from None
    if role is Role.SYSTEM:
        raise HTTPException(403, "The system role cannot be used through the API.")
    return Actor(id=x_actor_id, name=x_actor_name or x_actor_id, role=role, agency=x_actor_agency)
