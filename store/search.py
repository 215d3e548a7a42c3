"""The officers' search box: a case number (whole or part) or two or more characters of what the
case is about (the request, the message's subject), within one agency.

Chinese has no word boundaries, so the match is a plain substring. Three or more characters use
the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL, migration 0010); two characters — a
common Chinese word — cannot use a trigram index and scan the agency's texts, which stays fast at
the sizes measured in bench/bench_search.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from store.models import CaseRow, CaseText

MIN_CHARS = 2
MAX_CHARS = 100
LIMIT = 50
TEXT_LIMIT = 4000


class QueryProblem(ValueError):
    """The query cannot be searched; the message says why, in Chinese."""


def clean_query(q: str) -> str:
    q = " ".join(q.split())
    if len(q) < MIN_CHARS:
        raise QueryProblem(f"请输入至少{MIN_CHARS}个字符。")
    if len(q) > MAX_CHARS:
        raise QueryProblem(f"检索内容不超过{MAX_CHARS}个字符。")
    return q


def like_pattern(q: str) -> str:
    """``q`` as a LIKE pattern for a substring, its own % _ and \\ taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def index_text(
    s: Session | Connection, case_no: str, agency: str, summary: str, received: str | None
) -> None:
    """Keep a case's searchable text: its number, its summary and, once known, the text it was
    received with (kept on later projections, which carry only new events). The number is in
    the text so that one trigram index finds parts of numbers too. Plain statements: this runs
    in every projection of every case."""
    table = CaseText.__table__  # type: ignore[attr-defined]
    row = s.execute(
        sa_select(table.c.text, table.c.agency).where(table.c.case_no == case_no)
    ).first()
    old_text, old_agency = (row[0], row[1]) if row is not None else ("", None)
    parts = old_text.split("\n", 2)
    kept = parts[2] if len(parts) == 3 else ""
    first = received if received is not None else kept
    wanted = "\n".join((case_no, summary, first if first != summary else ""))[:TEXT_LIMIT]
    if row is None:
        s.execute(insert(table).values(case_no=case_no, agency=agency, text=wanted))
    elif old_text != wanted or old_agency != agency:
        s.execute(
            update(table).where(table.c.case_no == case_no).values(text=wanted, agency=agency)
        )


def search_cases(engine: Engine, agency: str, q: str, limit: int = LIMIT) -> list[CaseRow]:
    """The agency's cases whose number contains ``q`` (any letter case) or whose text does:
    numbers first, then the most recently changed."""
    q = clean_query(q)
    limit = max(1, min(limit, 200))
    with Session(engine) as s:
        found = _text_matches(s, engine.dialect.name, agency, q, limit)
        rows = list(s.exec(select(CaseRow).where(col(CaseRow.case_no).in_(found))))
    number = q.upper()
    rows.sort(
        key=lambda r: (
            number not in r.case_no,
            -(r.updated_at or datetime.min.replace(tzinfo=UTC)).timestamp(),
        )
    )
    return rows[:limit]


def _text_matches(s: Session, dialect: str, agency: str, q: str, limit: int) -> list[str]:
    """The case numbers whose text contains ``q``, the most recently changed first."""
    if dialect == "sqlite" and len(q) >= 3:
        # The FTS5 lookup first, then the agency: joined the other way round, SQLite probes the
        # index once per case of the agency.
        match = (
            "t.rowid IN (SELECT rowid FROM case_text_fts WHERE case_text_fts MATCH :phrase) "
            "AND t.agency = :agency"
        )
        params: dict[str, object] = {"phrase": '"' + q.replace('"', '""') + '"'}
    else:
        op = "ILIKE" if dialect == "postgresql" else "LIKE"
        match = f"t.agency = :agency AND t.text {op} :pattern ESCAPE '\\'"
        params = {"pattern": like_pattern(q)}
    sql = text(
        f'SELECT t.case_no FROM case_text t JOIN "case" c ON c.case_no = t.case_no WHERE {match} '
        "ORDER BY c.updated_at DESC LIMIT :limit"
    )
    rows = s.connection().execute(sql, {**params, "agency": agency, "limit": limit})
    return [r[0] for r in rows]
