"""Shared dependencies of the routes: settings, database engine, Temporal client."""

from __future__ import annotations

from fastapi import HTTPException, Request
from sqlalchemy.engine import Engine
from temporalio.client import Client

from gongkai.settings import Settings
from rules.calendar import WorkCalendar
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
