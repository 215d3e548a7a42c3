"""The Jinja2 templates of both HTML faces (the workbench and the public portal), with the filters
every page uses: instants in Beijing time, days in Chinese."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from rules.calendar import SHANGHAI, zh_date

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def _beijing(value: datetime | None) -> str:
    """Instants are shown in Beijing time, to the second."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


templates.env.filters["bj"] = _beijing
templates.env.filters["bjdate"] = lambda at: at.astimezone(SHANGHAI).date().isoformat()
templates.env.filters["zh"] = lambda day: zh_date(day) if day else ""
