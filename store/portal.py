"""The public's keys to their cases: the 查询码 of a case (only its hash is kept), the lockout of a
查询号 after wrong codes, and the short sessions of an applicant who gave the right one.

A wrong code and an unknown number are answered alike — the same work, the same words, the same
lockout — so that no response tells which case numbers exist.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import AccessLock, CaseEventRow, CaseRow, PublicAccess, PublicSession

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
CODE_LENGTH = 16  # 16 × 5 bits = 80 bits
MAX_FAILURES = 5
LOCK = timedelta(minutes=15)
SESSION = timedelta(minutes=30)
_DUMMY = hashlib.sha256(b"gongkai: no such case").hexdigest()


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """As typed: spaces, dashes and letter case do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:64]


def new_code() -> str:
    """A 查询码: 80 random bits, shown once, in groups of four (ABCD-EFGH-JKLM-NPQR)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def issue_code(engine: Engine, case_no: str, at: datetime) -> str:
    code = new_code()
    with session_scope(engine) as s:
        s.merge(PublicAccess(case_no=case_no, code_hash=_hash(normalise_code(code)), created_at=at))
    return code


def check_code(engine: Engine, number: str, code: str, at: datetime) -> str | None:
    """The case number if ``code`` is its 查询码 and the number is not locked; None otherwise
    (unknown number, wrong code, locked: one answer). Five failures lock the number for
    ``LOCK``; a success clears them."""
    number = number.strip().upper()[:64]
    with session_scope(engine) as s:
        lock = s.get(AccessLock, number)
        if lock is not None and lock.locked_until is not None and lock.locked_until > at:
            hmac.compare_digest(_DUMMY, _hash(normalise_code(code)))  # the same work
            return None
        access = s.get(PublicAccess, number)
        expected = access.code_hash if access is not None else _DUMMY
        good = hmac.compare_digest(expected, _hash(normalise_code(code))) and access is not None
        if good:
            if lock is not None:
                s.delete(lock)
            return number
        if lock is None:
            lock = AccessLock(number=number, updated_at=at)
        if lock.locked_until is not None and lock.locked_until <= at:
            lock.failures, lock.locked_until = 0, None  # the last lock has run out
        lock.failures += 1
        lock.updated_at = at
        if lock.failures >= MAX_FAILURES:
            lock.locked_until = at + LOCK
        s.add(lock)
    return None


def open_public_session(engine: Engine, case_no: str, at: datetime) -> tuple[str, str]:
    """(the cookie's token, the CSRF token of the case page's forms)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with session_scope(engine) as s:
        s.add(
            PublicSession(
                id_hash=_hash(token),
                case_no=case_no,
                csrf=csrf,
                created_at=at,
                expires_at=at + SESSION,
            )
        )
    return token, csrf


def public_session(engine: Engine, token: str, at: datetime) -> tuple[str, str] | None:
    """(case number, CSRF token) of a live session, else None."""
    if not token or len(token) > 100:
        return None
    with Session(engine) as s:
        row = s.get(PublicSession, _hash(token))
    if row is None or row.expires_at <= at:
        return None
    return row.case_no, row.csrf


def end_public_session(engine: Engine, token: str) -> None:
    with session_scope(engine) as s:
        row = s.get(PublicSession, _hash(token))
        if row is not None:
            s.delete(row)


def ratings(engine: Engine, agency: str | None) -> list[tuple[str, str, int]]:
    """(officer, score, count) of the applicants' ratings of replies, for the agency's 考核:
    the officer is the one who drafted the reply (submitted it for review)."""
    with Session(engine) as s:
        stmt = (
            select(CaseEventRow.case_no, CaseEventRow.data)
            .join(CaseRow, col(CaseRow.case_no) == col(CaseEventRow.case_no))
            .where(CaseEventRow.kind == "rated")
        )
        if agency:
            stmt = stmt.where(CaseRow.agency == agency)
        rated = {
            case_no: json.loads(data or "{}").get("score", "") for case_no, data in s.exec(stmt)
        }
        drafted = {
            case_no: name
            for case_no, name in s.exec(
                select(CaseEventRow.case_no, CaseEventRow.actor_name)
                .where(
                    col(CaseEventRow.case_no).in_(sorted(rated)),
                    CaseEventRow.kind == "submitted_for_review",
                )
                .order_by(col(CaseEventRow.seq))
            )
        }
    out: dict[tuple[str, str], int] = {}
    for case_no, score in rated.items():
        key = (drafted.get(case_no, "—"), score)
        out[key] = out.get(key, 0) + 1
    return [(officer, score, n) for (officer, score), n in sorted(out.items())]
