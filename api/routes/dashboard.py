"""Where the workbench's pages were before they became the package ``api/workbench/``: the names
other modules still import from here (issue 25). Import them from their homes instead:
``api.templating`` (templates), ``api.csrf`` (same-origin and CSRF checks) and
``api.workbench.*``."""

from __future__ import annotations

from api.csrf import csrf_ok
from api.csrf import same_origin as _same_origin
from api.templating import templates
from api.workbench.board import LIST_LIMIT
from api.workbench.board import board_data as _board
from api.workbench.forecast import forecast
from api.workbench.session import page_actor
from schemas.registry import labels as clock_labels

__all__ = [
    "LIST_LIMIT",
    "_board",
    "_same_origin",
    "clock_labels",
    "csrf_ok",
    "forecast",
    "page_actor",
    "templates",
]
