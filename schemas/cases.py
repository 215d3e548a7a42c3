"""A case as the read model holds it for lists and boards: what the workflow projects and what
the API's lists answer (no personal data)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class CaseSummary(BaseModel):
    case_no: str
    kind: str
    agency: str
    officer: str
    status: str
    light: str
    t0: date | None = None
    due_at: datetime | None = None
    internal_due_at: datetime | None = None
    provisional: bool = False
    outcome: str | None = None
    summary: str = ""
    unit: str = ""  # the unit handling it (拟办, 转办), for the public board's lights
    awaiting: str = ""  # a decision a supervisor owes beside the status ("extension")
    applicant_type: str = ""  # the annual report's column (not personal data)
