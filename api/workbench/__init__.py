"""The workbench: the staff face's server-rendered pages (Jinja2, no front-end build step), one
resource per module. Routes are thin; what they show comes from the registry, the read model
(store/) and the case's workflow, and every step goes through the same checks as the API."""

from __future__ import annotations

from fastapi import APIRouter

from api.workbench import (
    attachments,
    board,
    calendar,
    case,
    forecast,
    queues,
    ratings,
    registration,
    search,
    session,
    steps,
)
from api.workbench.session import install

# In this order: /cases/new is registration's before /cases/{case_no} is the case page's.
routers: tuple[APIRouter, ...] = (
    session.router,
    board.router,
    registration.router,
    case.router,
    steps.router,
    queues.router,
    forecast.router,
    search.router,
    ratings.router,
    attachments.router,
    calendar.router,
)

__all__ = ["install", "routers"]
