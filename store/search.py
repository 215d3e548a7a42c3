"""The officers' search box: a case number (whole or part) or two or more characters of what the
case is about (the request, the message's subject), within one agency.

Chinese has no word boundaries, so the match is a plain substring. Three or more characters use
the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL, migration 0010). Two characters — a
common Chinese word — cannot use a trigram index: on SQLite they use an index of every text's
pairs of adjacent characters (migration 0019, kept here), and the candidates it finds are checked
against the text itself; on PostgreSQL they scan the agency's texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, literal_column, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from store.models import CaseRow, CaseText

MIN_CHARS = 2
MAX_CHARS = 100
LIMIT = 50
TEXT_LIMIT = 4000
PAIRS = "case_text_fts_pairs"  # SQLite: FTS5, unicode61, contentless (migration 0019)


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


def pairs(text: str) -> str:
    """Every two adjacent characters of ``text`` once, space-separated: FTS5's unicode61
    tokenizer indexes each pair as a word (a run of Chinese characters would otherwise be one
    word), so a two-character query is looked up instead of scanned."""
    found = (text[i : i + 2] for i in range(len(text) - 1))
    return " ".join(dict.fromkeys(p for p in found if p.isalnum()))


def index_text(
    s: Session | Connection, case_no: str, agency: str, summary: str, received: str | None
) -> None:
    """Keep a case's searchable text: its number, its summary and, once known, the text it was
    received with (kept on later projections, which carry only new events). The number is in
    the text so that one trigram index finds parts of numbers too. Plain statements: this runs
    in every projection of every case."""
    table = CaseText.__table__  # type: ignore[attr-defined]
    sqlite = _dialect(s) == "sqlite"
    rowid: Any = literal_column("rowid" if sqlite else "0")
    row = s.execute(
        sa_select(table.c.text, table.c.agency, rowid).where(table.c.case_no == case_no)
    ).first()
    old_text, old_agency = (row[0], row[1]) if row is not None else ("", None)
    parts = old_text.split("\n", 2)
    kept = parts[2] if len(parts) == 3 else ""
    first = received if received is not None else kept
    wanted = "\n".join((case_no, summary, first if first != summary else ""))[:TEXT_LIMIT]
    if row is None:
        s.execute(insert(table).values(case_no=case_no, agency=agency, text=wanted))
        if sqlite:
            index_pairs(s, [case_no])
    elif old_text != wanted or old_agency != agency:
        s.execute(
            update(table).where(table.c.case_no == case_no).values(text=wanted, agency=agency)
        )
        if sqlite and old_text != wanted:
            # A contentless index forgets only what it was given: delete the old pairs only if
            # this row was indexed (a row written without them, e.g. by a process older than
            # migration 0019, has none; deleting absent values would corrupt the index).
            indexed = f"SELECT 1 FROM {PAIRS}_docsize WHERE id = :r"
            if s.execute(text(indexed), {"r": row[2]}).first() is not None:
                s.execute(
                    text(f"INSERT INTO {PAIRS}({PAIRS}, rowid, pairs) VALUES ('delete', :r, :p)"),
                    {"r": row[2], "p": pairs(old_text)},
                )
            index_pairs(s, [case_no])


def index_pairs(s: Session | Connection, case_nos: Sequence[str]) -> None:
    """SQLite: put these cases' texts into the index of character pairs. Whoever writes
    case_text rows other than `index_text` (a bulk load) calls this for them."""
    query = text("SELECT rowid, text FROM case_text WHERE case_no IN :c").bindparams(
        bindparam("c", expanding=True)
    )
    for start in range(0, len(case_nos), 5000):
        found = s.execute(query, {"c": list(case_nos[start : start + 5000])}).all()
        rows = [{"r": r, "p": pairs(t)} for r, t in found]
        if rows:
            s.execute(text(f"INSERT INTO {PAIRS}(rowid, pairs) VALUES (:r, :p)"), rows)


def _dialect(s: Session | Connection) -> str:
    return s.get_bind().dialect.name if isinstance(s, Session) else s.dialect.name


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
    params: dict[str, object] = {"pattern": like_pattern(q)}
    if dialect == "sqlite" and len(q) == 2 and q.isalnum():
        # The pairs index finds every text holding both characters side by side (its tokenizer
        # folds letter case like LIKE does); the text itself confirms the match.
        match = (
            f"t.rowid IN (SELECT rowid FROM {PAIRS} WHERE {PAIRS} MATCH :phrase) "
            "AND t.agency = :agency AND t.text LIKE :pattern ESCAPE '\\'"
        )
        params["phrase"] = f'"{q}"'
    elif dialect == "sqlite" and len(q) >= 3:
        # The FTS5 lookup first, then the agency: joined the other way round, SQLite probes the
        # index once per case of the agency.
        match = (
            "t.rowid IN (SELECT rowid FROM case_text_fts WHERE case_text_fts MATCH :phrase) "
            "AND t.agency = :agency"
        )
        params = {"phrase": '"' + q.replace('"', '""') + '"'}
    else:
        op = "ILIKE" if dialect == "postgresql" else "LIKE"
        match = f"t.agency = :agency AND t.text {op} :pattern ESCAPE '\\'"
    sql = text(
        f'SELECT t.case_no FROM case_text t JOIN "case" c ON c.case_no = t.case_no WHERE {match} '
        "ORDER BY c.updated_at DESC LIMIT :limit"
    )
    rows = s.connection().execute(sql, {**params, "agency": agency, "limit": limit})
    return [r[0] for r in rows]
