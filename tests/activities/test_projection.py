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


def test_an_answered_view_is_written_once_and_never_over_a_newer_row(
    fresh_engine: Engine,
) -> None:
    """Answer first (workflows ANSWER_FIRST): the API writes an action's view before it
    replies and the workflow catches the same view up a moment later; only a view ahead of the
    row is written, whoever writes it, and a slow writer of an older view changes nothing."""
    from activities.projection import Projection

    def view(seqs: list[int], status: str) -> ProjectCase:
        return _project(seqs, status).model_copy(update={"seq": seqs[-1], "behind_only": True})

    projection = Projection(fresh_engine, Settings())
    projection.project(_project([1, 2]))  # registered, by the workflow
    assert projection.project(view([1, 2, 3], "accepted")) is True  # the API's write
    assert projection.project(view([1, 2, 3], "accepted")) is False  # the catch-up: no more
    assert projection.project(view([1, 2, 3, 4, 5], "assigned")) is True
    assert projection.project(view([1, 2, 3, 4], "accepted")) is False  # late, older: ignored
    # The workflow's own projection at the row's seq is written; a late attempt older than the
    # row (it timed out and committed after its retry and the next step) is not.
    late = _project([1, 2, 3, 4], "accepted").model_copy(update={"seq": 4})
    assert projection.project(late) is False
    assert projection.project(_project([5], "assigned").model_copy(update={"seq": 5})) is True
    with Session(fresh_engine) as s:
        seqs = [e.seq for e in s.exec(select(CaseEventRow)).all()]
        row = s.get(CaseRow, "GK-2026-000009")
    assert sorted(seqs) == [1, 2, 3, 4, 5]
    assert row is not None and row.status == "assigned" and row.last_seq == 5
