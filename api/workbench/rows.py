"""A case's read-model row as the workbench's lists show it (the board, 我的案件, 审批, search)."""

from __future__ import annotations

from typing import Any

from rules.calendar import SHANGHAI
from schemas.registry import KINDS, STATUS_NAMES
from store.models import CaseRow

KIND_ZH = {name: spec.zh for name, spec in KINDS.items()}


def item(r: CaseRow) -> dict[str, Any]:
    due_local = r.due_at.astimezone(SHANGHAI) if r.due_at else None
    internal = r.internal_due_at.astimezone(SHANGHAI) if r.internal_due_at else None
    spec = KINDS.get(r.kind)
    return {
        **r.model_dump(),
        "status_zh": spec.status_zh(r.status) if spec else STATUS_NAMES.get(r.status, r.status),
        "due_local": due_local.strftime("%Y-%m-%d %H:%M") if due_local else None,
        "due_day": due_local.date() if due_local else None,
        # shown beside the legal date when alerts count from an earlier one (provisional year)
        "internal_day": internal.date()
        if internal and due_local and internal < due_local
        else None,
    }
