"""Requests for rule packs, shared by workflows and activities."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from rules.packs import CaseKind


class SelectPack(BaseModel):
    kind: CaseKind
    jurisdiction: str = "CN"
    on: date
