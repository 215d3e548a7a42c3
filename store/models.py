"""Read-model tables (SQLModel). Alembic owns the schema: change a table here, then add a
migration under ``store/migrations/versions``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class CalendarYear(SQLModel, table=True):
    """A year made official by an imported State Council notice (LAW.md §6.4)."""

    __tablename__ = "calendar_year"
    __table_args__ = (UniqueConstraint("region", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    region: str = Field(index=True, max_length=16)
    year: int
    status: str = Field(max_length=16)  # official | provisional
    source: str = Field(max_length=500)
    edited_by: str = Field(max_length=100)
    edited_at: datetime


class CalendarDay(SQLModel, table=True):
    """One exceptional day from an imported notice or an administrator's override.

    Rows are never updated: a later row for the same day wins, so the table is its own audit
    trail (who set what, when, from which source, and why)."""

    __tablename__ = "calendar_day"

    id: int | None = Field(default=None, primary_key=True)
    region: str = Field(index=True, max_length=16)
    day: date = Field(index=True)
    kind: str = Field(max_length=16)  # holiday | makeup_workday
    name: str = Field(default="", max_length=200)
    origin: str = Field(max_length=16)  # import | override
    source: str = Field(max_length=500)
    reason: str = Field(default="", max_length=1000)
    edited_by: str = Field(max_length=100)
    edited_at: datetime
