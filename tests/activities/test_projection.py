"""The read-model projection is idempotent: a retried activity never duplicates a row."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.cases import CaseActivities
from gongkai.settings import Settings
from schemas.activities import ProjectCase, RenderDocument
from schemas.case import CaseEvent
from schemas.cases import CaseSummary
from schemas.disclosure import Status
from store.models import CaseEventRow, CaseRow, DocumentRow


def _project(seqs: list[int], status: str = "registered") -> ProjectCase:
    at = datetime(2026, 9, 15, 2, tzinfo=UTC)
    return ProjectCase(
        row=CaseSummary(
            case_no="GK-2026-000009",
            kind="disclosure",
            agency="SZ-GT",
            officer="li",
            status=status,
            light="green",
            t0=date(2026, 9, 15),
            due_at=datetime(2026, 10, 19, 15, 59, 59, tzinfo=UTC),
        ),
        events=[
            CaseEvent(
                seq=i,
                at=at,
                kind="k",
                actor_id="li",
                actor_name="李",
                status=Status.REGISTERED,
                summary=f"event {i}",
            )
            for i in seqs
        ],
        at=at,
    )


def test_retried_projection_writes_each_event_once(fresh_engine: Engine) -> None:
    acts = CaseActivities(fresh_engine, Settings())
    env = ActivityEnvironment()
    env.run(acts.project_case, _project([1, 2]))
    env.run(acts.project_case, _project([1, 2]))  # retry of the same attempt
    env.run(acts.project_case, _project([2, 3], status="accepted"))
    with Session(fresh_engine) as s:
        seqs = [e.seq for e in s.exec(select(CaseEventRow)).all()]
        row = s.get(CaseRow, "GK-2026-000009")
    assert sorted(seqs) == [1, 2, 3]
    assert row is not None and row.status == "accepted" and row.last_seq == 3
    assert row.t0 == date(2026, 9, 15)


def test_retried_document_is_rendered_once(fresh_engine: Engine) -> None:
    acts = CaseActivities(fresh_engine, Settings())
    req = RenderDocument(
        case_no="GK-2026-000009",
        name="urging_notice",
        seq=7,
        at=datetime.now(UTC),
        context={
            "agency": {"name": "某局"},
            "issued_on": "2026-10-20",
            "unit": "规划处",
            "t0": "2026-09-15",
            "officer": "李经办",
            "clock_zh": "答复期限",
            "due": "2026-10-19",
            "status_zh": "拟办中",
            "overdue": True,
            "rung": "已逾期",
            "kind_zh": "政府信息公开申请",
            "basis": "《政府信息公开条例》第三十三条",
        },
    )
    env = ActivityEnvironment()
    first = env.run(acts.render_document, req)
    env.run(acts.render_document, req)
    with Session(fresh_engine) as s:
        docs = s.exec(select(DocumentRow)).all()
    assert len(docs) == 1 and first.title == "催办通知书"
    assert "已超过法定期限" in docs[0].html and "2026年10月19日" in docs[0].html
