"""The read model's projection of a case (store/models.py): its row, its new events, its
running clocks, its search text, its applicant's digests and its new documents, written in one
transaction of plain statements (no ORM unit of work: this runs on every step of every case).

Idempotent: a retried attempt finds its events (case + seq) and documents (case + document +
seq) already there and writes nothing twice.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import case, func, insert, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import select

from activities.deadlines import plan_case_clocks
from activities.documents import dated, render_request, store_document
from gongkai import metrics
from gongkai.settings import Settings
from rules.calendar import local_date
from rules.clock import Reading, case_due
from schemas.activities import PlannedClocks, ProjectCase, RefreshCase, RenderDocument
from schemas.case import CaseEvent
from schemas.deadlines import ClockPlan
from store import applicants
from store.models import CaseClocks, CaseEventRow, CaseRow
from store.recompute import clocks_json
from store.search import index_text

# Events that conclude a case for the annual report (store/report.py): the reply, or a closing
# without one (Art. 30 deemed abandoned, 109号 fee unpaid, withdrawal).
CONCLUDING_EVENTS = frozenset({"replied", "deemed_abandoned", "processing_stopped", "withdrawn"})

_CASE = CaseRow.__table__  # type: ignore[attr-defined]
_EVENT = CaseEventRow.__table__  # type: ignore[attr-defined]
_CLOCKS = CaseClocks.__table__  # type: ignore[attr-defined]


class Projection:
    """Writes cases into the read model (the activities project_case and refresh_case)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._applicant_keys: dict[str, bytes] | None = None

    def applicant_keys(self) -> dict[str, bytes]:
        """The keys of the applicants' digests (derived from the codec keys, once)."""
        if self._applicant_keys is None:
            from gongkai.temporal import applicant_keys

            self._applicant_keys = applicant_keys(self.settings)
        return self._applicant_keys

    def refresh(self, req: RefreshCase) -> ClockPlan:
        """Plan the case's running clocks on the calendar, then project it with the due date
        that plan gives."""
        plan = plan_case_clocks(self.engine, req.plan)
        due = case_due(
            req.due_clocks, req.plan.clocks, {**req.kept, **plan.readings}, req.internal_clocks
        )
        row = req.project.row.model_copy(
            update={
                "due_at": due.due_at,
                "internal_due_at": due.internal_due_at,
                "provisional": due.provisional,
            }
        )
        documents = [dated(d, plan.readings) for d in req.project.documents]
        self.project(
            req.project.model_copy(
                update={"row": row, "explanation": due.explanation, "documents": documents}
            ),
            clocks=clocks_json(
                req.plan.region,
                req.due_clocks,
                req.plan.clocks,
                plan.readings,
                _told(req.told, req.project.documents, plan.readings),
                req.internal_clocks,
            ),
        )
        return plan

    def project(self, req: ProjectCase, clocks: str | None = None) -> bool:
        """The row updated, new events inserted (a retried attempt finds them there), the
        search text kept, new documents stored; with the workflow's plan (``req.planned``), the
        row's copy of the running clocks and the due dates in the documents from it. A view
        written only if the read model is behind it (an action's answer, written by the API and
        caught up by the workflow) claims the row first and writes nothing when it is not;
        whether it wrote."""
        no = req.row.case_no
        if req.planned is not None:
            clocks, req = _with_plan(req, req.planned)
        # Rendered before the transaction: the read model's write lock (SQLite has one for
        # every process) is held for the statements only.
        htmls = [render_request(d) for d in req.documents]
        with self.engine.begin() as conn:
            if req.seq and not _claim(conn, no, req.seq, strictly=req.behind_only):
                return False
            inserted = _insert_events(conn, no, req.events)
            concluded = next(
                (local_date(e.at) for e in inserted if e.kind in CONCLUDING_EVENTS), None
            )
            _upsert_row(conn, req, inserted, concluded)
            if clocks is not None:
                _keep_clocks(conn, no, clocks)
            received = next((e.summary for e in req.events if e.seq == 1), None)
            index_text(conn, no, req.row.agency, req.row.summary, received)
            if req.applicant is not None:  # Art. 36(6): who applied, as keyed digests only
                applicants.record(conn, no, req.row.agency, req.applicant, self.applicant_keys())
            for doc, html in zip(req.documents, htmls, strict=True):
                store_document(conn, doc, html)
        # After the commit: a failed attempt counts nothing, and its retry finds them known.
        metrics.escalations_projected_here(req.row.kind, inserted, req.at)
        return True


def _with_plan(req: ProjectCase, planned: PlannedClocks) -> tuple[str, ProjectCase]:
    told = _told(planned.told, req.documents, planned.readings)
    clocks = clocks_json(
        planned.region,
        planned.due_clocks,
        planned.clocks,
        planned.readings,
        told,
        planned.internal_clocks,
    )
    documents = [dated(d, planned.readings) for d in req.documents]
    return clocks, req.model_copy(update={"documents": documents})


def _claim(conn: Connection, case_no: str, seq: int, *, strictly: bool) -> bool:
    """May a view of the case with ``seq`` events be written: is the row behind it (``strictly``:
    an answered view, written by whichever of the API and the workflow comes first) or not
    ahead of it (the workflow's own projection), or missing? Claimed in the same statement,
    which locks the row first for every writer (one lock order: row, then events): a view
    older than the row — a late attempt, a slow writer — writes nothing."""
    behind = _CASE.c.last_seq < seq if strictly else _CASE.c.last_seq <= seq
    claimed = conn.execute(
        update(_CASE).where(_CASE.c.case_no == case_no, behind).values(last_seq=seq)
    ).rowcount
    if claimed:
        return True
    there = conn.execute(select(_CASE.c.case_no).where(_CASE.c.case_no == case_no)).first()
    return there is None


def _upsert_row(
    conn: Connection, req: ProjectCase, inserted: list[CaseEvent], concluded: date | None
) -> None:
    no = req.row.case_no
    values: dict[str, Any] = {**req.row.model_dump(), "updated_at": req.at}
    if inserted:
        top = max(e.seq for e in inserted)
        values["last_seq"] = case((_CASE.c.last_seq < top, top), else_=_CASE.c.last_seq)
    if concluded is not None:  # the annual report's year (Art. 50)
        values["concluded_on"] = func.coalesce(_CASE.c.concluded_on, concluded)
    if req.explanation is not None:
        values["due_explanation"] = req.explanation.model_dump_json()
    done = conn.execute(update(_CASE).where(_CASE.c.case_no == no).values(values))
    if done.rowcount == 0:  # not opened through the API (a case made by another)
        row = CaseRow(**req.row.model_dump(), created_at=req.at, updated_at=req.at)
        row.last_seq = max((e.seq for e in inserted), default=0)
        row.concluded_on = concluded
        if req.explanation is not None:
            row.due_explanation = req.explanation.model_dump_json()
        conn.execute(insert(_CASE).values(row.model_dump()))


def _keep_clocks(conn: Connection, case_no: str, clocks: str) -> None:
    """The case's running clocks, as planned in this step (store/recompute.py)."""
    done = conn.execute(update(_CLOCKS).where(_CLOCKS.c.case_no == case_no).values(clocks=clocks))
    if done.rowcount == 0:
        conn.execute(insert(_CLOCKS).values(case_no=case_no, clocks=clocks))


def _insert_events(conn: Connection, case_no: str, events: list[CaseEvent]) -> list[CaseEvent]:
    """Insert the case's events not there yet (by case + seq), in two statements whatever
    their number; the ones that were new."""
    if not events:
        return []
    there = set(
        conn.execute(
            select(_EVENT.c.seq).where(
                _EVENT.c.case_no == case_no, _EVENT.c.seq.in_([e.seq for e in events])
            )
        ).scalars()
    )
    new = [e for e in events if e.seq not in there]
    if new:
        conn.execute(
            insert(_EVENT),
            [
                {
                    "case_no": case_no,
                    "seq": e.seq,
                    "at": e.at,
                    "occurred_at": e.occurred_at,
                    "kind": e.kind,
                    "actor_id": e.actor_id,
                    "actor_name": e.actor_name,
                    "status": e.status,
                    "summary": e.summary[:2000],  # the column's limit (PostgreSQL refuses more)
                    "data": json.dumps(e.data, ensure_ascii=False, default=str),
                }
                for e in new
            ],
        )
    return new


def _told(
    told: dict[str, date], documents: list[RenderDocument], readings: dict[str, Reading]
) -> dict[str, date]:
    """The due dates told to the applicant: the workflow's, and those of the documents issued
    in this step that state a clock's date (the receipt)."""
    told = dict(told)
    for doc in documents:
        reading = readings.get(doc.dated_by) if doc.dated_by else None
        if reading is not None and reading.due_date is not None:
            told[doc.dated_by] = reading.due_date
    return told
