"""Earlier requests for similar information: Chinese-aware (character bigrams), the agency's
own, the same kind, best first; nothing for a case without text."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from store.cases import ensure_case_row
from store.db import session_scope
from store.search import index_text
from store.similar import similar_requests
from tests.fixtures.rows import case_row

REQUESTS = [
    ("GK-2026-000001", "SZ-GT", "disclosure", "某地块建设工程规划许可证及附图", "GRANTED"),
    ("GK-2026-000002", "SZ-GT", "disclosure", "某地块建设工程规划许可证", "PARTIAL"),
    ("GK-2026-000003", "SZ-GT", "disclosure", "2026年财政预算执行情况", "GRANTED"),
    ("GK-2026-000004", "SZ-GT", "inquiry", "某地块建设工程规划许可证何时公示", None),
    ("HZ-2026-000001", "HZ-GT", "disclosure", "某地块建设工程规划许可证及附图", "GRANTED"),
    ("GK-2026-000009", "SZ-GT", "disclosure", "申请公开某地块的建设工程规划许可证", None),
]


def test_similar_requests_are_found_by_shared_characters(fresh_engine: Engine) -> None:
    for case_no, agency, kind, text, outcome in REQUESTS:
        ensure_case_row(
            fresh_engine,
            case_row(case_no, agency=agency, kind=kind, summary=text, outcome=outcome),
        )
        with session_scope(fresh_engine) as s:
            index_text(s, case_no, agency, text, None)
    found = similar_requests(fresh_engine, "SZ-GT", "GK-2026-000009", "disclosure")
    assert [f.row.case_no for f in found] == ["GK-2026-000002", "GK-2026-000001"]
    assert found[0].score > found[1].score >= 0.3
    assert similar_requests(fresh_engine, "SZ-GT", "GK-2026-000003", "disclosure") == []
    assert similar_requests(fresh_engine, "SZ-GT", "NO-SUCH", "disclosure") == []
