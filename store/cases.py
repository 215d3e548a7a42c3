"""Case numbers, agencies and read-model queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import Agency, ArchiveRow, CaseEventRow, CaseNumber, CaseRow, DocumentRow


@dataclass(frozen=True)
class Allocated:
    case_no: str
    existing: bool  # the idempotency key was seen before
    request_hash: str | None = None  # of the request that first used the key


def allocate_case_no(
    engine: Engine,
    agency: Agency,
    year: int,
    at: datetime,
    idempotency_key: str | None,
    request_hash: str | None = None,
) -> Allocated:
    """The next case number of an agency for a year; the same key always gets the same number
    (keys come scoped and hashed: api/idempotency.py)."""
    for _ in range(20):
        with Session(engine) as s:
            if idempotency_key:
                seen = s.exec(
                    select(CaseNumber).where(CaseNumber.idempotency_key == idempotency_key)
                ).first()
                if seen is not None:
                    return Allocated(seen.case_no, True, seen.request_hash)
            last = s.exec(
                select(func.max(CaseNumber.serial)).where(
                    CaseNumber.agency == agency.code, CaseNumber.year == year
                )
            ).one()
            serial = int(last or 0) + 1
            case_no = f"{agency.case_prefix}-{year}-{serial:06d}"
            s.add(
                CaseNumber(
                    agency=agency.code,
                    year=year,
                    serial=serial,
                    case_no=case_no,
                    idempotency_key=idempotency_key,
                    request_hash=request_hash,
                    created_at=at,
                )
            )
            try:
                s.commit()
            except IntegrityError:  # a concurrent request took the serial (or the key): retry
                s.rollback()
                continue
            return Allocated(case_no, False, request_hash)
    raise RuntimeError("could not allocate a case number")


def get_agency(engine: Engine, code: str) -> Agency | None:
    with Session(engine) as s:
        return s.get(Agency, code)


def put_agency(engine: Engine, agency: Agency) -> None:
    """Add or update an agency. Case numbers are unique across agencies, so their prefixes are
    too: a prefix another agency uses is refused (ValueError, in words for the administrator).
    Prefixes are letters and digits in upper case: applicants type case numbers in any case and
    the portal reads them in upper case."""
    prefix = agency.case_prefix.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,16}", prefix):
        raise ValueError(
            f"案件编号前缀“{agency.case_prefix}”无效：只能由1至16个字母或数字组成（如 GK）。"
        )
    agency.case_prefix = prefix
    with session_scope(engine) as s:
        other = s.exec(
            select(Agency).where(
                Agency.case_prefix == agency.case_prefix, Agency.code != agency.code
            )
        ).first()
        if other is not None:
            raise ValueError(
                f"案件编号前缀“{agency.case_prefix}”已由机关{other.code}使用；"
                "请用 --case-prefix 另选一个（如机关代码的字母）。"
            )
        s.merge(agency)


def _storable(key: str, limit: int = 64) -> bool:
    """A key a database can even be asked about (PostgreSQL refuses NUL in any string)."""
    return len(key) <= limit and "\x00" not in key


def get_case(engine: Engine, case_no: str) -> CaseRow | None:
    if not _storable(case_no):
        return None
    with Session(engine) as s:
        return s.get(CaseRow, case_no)


@dataclass
class CaseFilter:
    kind: str | None = None
    status: str | None = None
    light: str | None = None
    agency: str | None = None
    officer: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    limit: int = 50
    offset: int = 0


def list_cases(engine: Engine, f: CaseFilter) -> tuple[int, list[CaseRow]]:
    q = select(CaseRow)
    for field, value in (
        ("kind", f.kind),
        ("status", f.status),
        ("light", f.light),
        ("agency", f.agency),
        ("officer", f.officer),
    ):
        if value is not None:
            q = q.where(getattr(CaseRow, field) == value)
    if f.due_before is not None:
        q = q.where(col(CaseRow.due_at) < f.due_before)
    if f.due_after is not None:
        q = q.where(col(CaseRow.due_at) > f.due_after)
    with Session(engine) as s:
        total = s.exec(select(func.count()).select_from(q.subquery())).one()
        rows = s.exec(
            q.order_by(col(CaseRow.due_at).is_(None), col(CaseRow.due_at), col(CaseRow.case_no))
            .offset(f.offset)
            .limit(f.limit)
        ).all()
    return int(total), list(rows)


def case_events(engine: Engine, case_no: str) -> list[CaseEventRow]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(CaseEventRow)
                .where(CaseEventRow.case_no == case_no)
                .order_by(col(CaseEventRow.seq))
            ).all()
        )


def case_document(
    engine: Engine, case_no: str, name: str, seq: int | None = None
) -> DocumentRow | None:
    if not (_storable(case_no) and _storable(name)):
        return None
    with Session(engine) as s:
        q = select(DocumentRow).where(DocumentRow.case_no == case_no, DocumentRow.name == name)
        if seq is not None:
            q = q.where(DocumentRow.seq == seq)
        return s.exec(q.order_by(col(DocumentRow.seq).desc())).first()


def ensure_case_row(engine: Engine, row: CaseRow) -> None:
    """The case is visible in lists from the moment it is registered; the workflow's projection
    fills in the rest."""
    with session_scope(engine) as s:
        if s.get(CaseRow, row.case_no) is None:
            s.add(row)


def archived(engine: Engine, case_no: str) -> ArchiveRow | None:
    """The case file exported when it was archived (it outlives Temporal's retention)."""
    if not _storable(case_no):
        return None
    with Session(engine) as s:
        return s.get(ArchiveRow, case_no)
