"""Case numbers, agencies and read-model queries."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import (
    Agency,
    ArchiveRow,
    CaseEventRow,
    CaseNumber,
    CaseNumberBlock,
    CaseRow,
    DocumentRow,
)


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
    (keys come scoped and hashed: api/idempotency.py). Serials come from a block this process
    reserved (:func:`_next_serial`): concurrent starts do not race for the same one."""
    for _ in range(20):
        if idempotency_key:
            with Session(engine) as s:
                seen = s.exec(
                    select(CaseNumber).where(CaseNumber.idempotency_key == idempotency_key)
                ).first()
            if seen is not None:
                return Allocated(seen.case_no, True, seen.request_hash)
        # Taken while no connection is held: reserving a block needs one of its own (holding
        # one here and waiting for another starves the pool under a burst of starts).
        serial = _next_serial(engine, agency.code, year)
        case_no = f"{agency.case_prefix}-{year}-{serial:06d}"
        with Session(engine) as s:
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
            except IntegrityError:
                s.rollback()
                taken = True
            else:
                taken = False
        if taken:
            _taken_back(engine, agency.code, year, serial, idempotency_key)
            continue
        return Allocated(case_no, False, request_hash)
    raise RuntimeError("could not allocate a case number")


# Serials reserved by this process and not yet given, by database, agency and year. A block
# left unused when the process stops is a gap in the numbers, which is harmless (a 发文字号
# series, which must have none, is not numbered this way).
BLOCK = 20
_RESERVED: dict[tuple[str, str, int], list[int]] = {}
_RESERVING = threading.Lock()
_BLOCKS = CaseNumberBlock.__table__  # type: ignore[attr-defined]
_NUMBERS = CaseNumber.__table__  # type: ignore[attr-defined]


def _block_key(engine: Engine, agency: str, year: int) -> tuple[str, str, int]:
    return (str(engine.url), agency, year)


def _next_serial(engine: Engine, agency: str, year: int) -> int:
    with _RESERVING:
        left = _RESERVED.get(_block_key(engine, agency, year))
        if not left:
            left = _RESERVED[_block_key(engine, agency, year)] = list(
                _reserve(engine, agency, year)
            )
        return left.pop(0)


def _taken_back(engine: Engine, agency: str, year: int, serial: int, key: str | None) -> None:
    """A number not given after all. The key came in twice at once (the other request's
    number is read next time round): the serial goes back, first in line. Otherwise the
    serial was given already (a block reserved before the database was restored): the rest
    of the block goes too, and the next number comes from a fresh one."""
    with Session(engine) as s:
        twice = (
            key is not None
            and s.exec(select(CaseNumber.id).where(CaseNumber.idempotency_key == key)).first()
        )
    with _RESERVING:
        if twice:
            _RESERVED.setdefault(_block_key(engine, agency, year), []).insert(0, serial)
        else:
            _RESERVED.pop(_block_key(engine, agency, year), None)


def _reserve(engine: Engine, agency: str, year: int) -> range:
    """The next :data:`BLOCK` serials of the agency's year, reserved in one statement (the
    year's first block starts after any number already given)."""
    for _ in range(5):
        try:
            with engine.begin() as conn:
                end = conn.execute(
                    update(_BLOCKS)
                    .where(_BLOCKS.c.agency == agency, _BLOCKS.c.year == year)
                    .values(next_serial=_BLOCKS.c.next_serial + BLOCK)
                    .returning(_BLOCKS.c.next_serial)
                ).scalar()
                if end is None:
                    last = conn.execute(
                        sa_select(func.max(_NUMBERS.c.serial)).where(
                            _NUMBERS.c.agency == agency, _NUMBERS.c.year == year
                        )
                    ).scalar()
                    end = int(last or 0) + 1 + BLOCK
                    conn.execute(insert(_BLOCKS).values(agency=agency, year=year, next_serial=end))
        except IntegrityError:  # another process opened the year at the same moment
            continue
        return range(end - BLOCK, end)
    raise RuntimeError("could not reserve case numbers")


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
