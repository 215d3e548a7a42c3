"""The officers' search on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm) alike: Chinese
substrings of two or more characters, case numbers whole or in part and in any letter case,
only the agency's own cases, and the query's own % and _ taken literally."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from store.cases import ensure_case_row
from store.db import session_scope
from store.search import QueryProblem, index_text, search_cases
from tests.fixtures.rows import case_row

CASES = [
    (
        "GK-2026-000001",
        "SZ-GT",
        "某地块建设工程规划许可证及附图",
        "收到申请（网上）：请公开某地块建设工程规划许可证及附图，地块编号 A-12",
    ),
    ("GK-2026-000002", "SZ-GT", "2026年财政预算执行情况", None),
    (
        "GK-2026-000013",
        "SZ-GT",
        "某路段何时修缮",
        "收到留言（咨询）：某路段何时修缮，交规划处办理。",
    ),
    ("HZ-2026-000001", "HZ-GT", "某地块建设工程规划许可证", None),
    ("GK-2026-000020", "SZ-GT", "占比100%_的统计口径", None),
]


@pytest.fixture
def indexed(fresh_engine: Engine) -> Engine:
    for case_no, agency, summary, received in CASES:
        ensure_case_row(fresh_engine, case_row(case_no, agency=agency, summary=summary))
        with session_scope(fresh_engine) as s:
            index_text(s, case_no, agency, summary, received)
    return fresh_engine


def found(engine: Engine, q: str, agency: str = "SZ-GT") -> list[str]:
    return sorted(r.case_no for r in search_cases(engine, agency, q))


def test_chinese_substrings_of_two_or_more_characters(indexed: Engine) -> None:
    assert found(indexed, "规划许可") == ["GK-2026-000001"]  # trigram index
    assert found(indexed, "规划") == ["GK-2026-000001", "GK-2026-000013"]  # two characters
    assert found(indexed, "地块编号") == ["GK-2026-000001"]  # the request as received
    assert found(indexed, "预算执行") == ["GK-2026-000002"]
    assert found(indexed, "  财政   预算 ") == []  # spaces are kept as one space
    assert found(indexed, "a-12") == ["GK-2026-000001"]  # Latin letters in any case


def test_case_numbers_whole_or_in_part_and_only_the_agencys_own(indexed: Engine) -> None:
    assert found(indexed, "gk-2026-000001") == ["GK-2026-000001"]
    assert found(indexed, "000001") == ["GK-2026-000001"]  # not HZ-2026-000001
    assert found(indexed, "000001", "HZ-GT") == ["HZ-2026-000001"]
    assert found(indexed, "许可证", "HZ-GT") == ["HZ-2026-000001"]
    assert found(indexed, "修缮", "HZ-GT") == []


def test_wildcards_in_the_query_are_literal(indexed: Engine) -> None:
    assert found(indexed, "0%_") == ["GK-2026-000020"]
    assert found(indexed, "%%") == []
    assert found(indexed, "__") == []


def test_a_reprojected_case_keeps_its_received_text(indexed: Engine) -> None:
    with session_scope(indexed) as s:  # a later projection carries no received event
        index_text(s, "GK-2026-000001", "SZ-GT", "某地块建设工程规划许可证及附图（已答复）", None)
    assert found(indexed, "地块编号") == ["GK-2026-000001"]
    assert found(indexed, "已答复") == ["GK-2026-000001"]


@pytest.mark.parametrize("q", ["规", " ", "x" * 101])
def test_queries_too_short_or_too_long_are_refused_in_chinese(indexed: Engine, q: str) -> None:
    with pytest.raises(QueryProblem, match="字符"):
        search_cases(indexed, "SZ-GT", q)


def test_the_trigram_index_exists_on_each_backend(indexed: Engine) -> None:
    from sqlalchemy import text

    with indexed.connect() as conn:
        if indexed.dialect.name == "sqlite":
            sql = "SELECT count(*) FROM sqlite_master WHERE name = 'case_text_fts'"
        else:
            sql = "SELECT count(*) FROM pg_indexes WHERE indexname = 'case_text_trgm'"
        assert conn.execute(text(sql)).scalar() == 1


def test_two_characters_are_looked_up_and_confirmed_by_the_text(indexed: Engine) -> None:
    """Two characters (a common Chinese word) cannot use a trigram index: on SQLite they use
    the index of character pairs (migration 0019), kept in step when a text changes; what it
    finds is checked against the text, in letter case as LIKE folds it."""
    from sqlalchemy import text

    assert found(indexed, "12") == ["GK-2026-000001"]  # 地块编号 A-12
    assert found(indexed, "gk") == [c for c, a, _s, _r in sorted(CASES) if a == "SZ-GT"]
    assert found(indexed, "附图") == ["GK-2026-000001"]
    with session_scope(indexed) as s:  # the summary changes; the received text is kept
        index_text(s, "GK-2026-000002", "SZ-GT", "2026年财政决算", None)
    assert found(indexed, "预算") == []
    assert found(indexed, "决算") == ["GK-2026-000002"]
    if indexed.dialect.name != "sqlite":
        return  # PostgreSQL scans the agency's texts for two characters
    with indexed.connect() as conn:
        pairs = "SELECT count(*) FROM case_text_fts_pairs WHERE case_text_fts_pairs MATCH :p"
        assert conn.execute(text(pairs), {"p": '"预算"'}).scalar() == 0  # the old pair is gone
        assert conn.execute(text(pairs), {"p": '"决算"'}).scalar() == 1
        plan = conn.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT rowid FROM case_text_fts_pairs "
                "WHERE case_text_fts_pairs MATCH '\"规划\"'"
            )
        ).all()
        assert "VIRTUAL TABLE INDEX" in " ".join(str(r[-1]) for r in plan)
    # A text written without its pairs (by a process older than migration 0019): the next
    # change indexes it without deleting what was never there, and it is found.
    with indexed.begin() as conn:
        conn.execute(
            text("INSERT INTO case_text (case_no, agency, text) VALUES ('OLD-1', 'SZ-GT', :t)"),
            {"t": "OLD-1\n旧案"},
        )
    with session_scope(indexed) as s:
        index_text(s, "OLD-1", "SZ-GT", "旧案卷宗", None)
    check = "INSERT INTO case_text_fts_pairs(case_text_fts_pairs) VALUES ('integrity-check')"
    with indexed.connect() as conn:
        assert conn.execute(text(pairs), {"p": '"卷宗"'}).scalar() == 1
        conn.execute(text(check))  # raises if the index were corrupt
