"""The activities of casework, as the worker registers them (workers/worker.py) and the workflows
call them (``CaseActivities.notify``…): each delegates to the room that does the work — the
read-model projection (activities/projection.py), the documents (activities/documents.py), the
notifications (activities/notify.py), proactive disclosure's records (activities/proactive.py)
and the reconciliation (activities/reconcile.py); case numbers and the archive are here.

Every activity is idempotent: a retried attempt finds its row already written (keys: case +
sequence, case + document + sequence, the notification key) and does nothing twice.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities import proactive
from activities.documents import DOCUMENT_TITLES, render, store_document
from activities.failures import final_on_bad_input
from activities.notify import Outbox
from activities.projection import CONCLUDING_EVENTS, Projection
from activities.reconcile import reconcile_with
from gongkai.logs import get_logger
from gongkai.settings import Settings
from rules.calendar import local_date
from schemas.activities import (
    AlertAdmins,
    ArchiveCase,
    CatalogueEntryIn,
    CountComments,
    FlushOutbox,
    NewCaseNumber,
    Notify,
    ProjectCase,
    Reconcile,
    RefreshCase,
    RenderDocument,
)
from schemas.case import DocumentRef
from schemas.deadlines import ClockPlan
from store.db import session_scope
from store.models import ArchiveRow, CaseRow

# Imported from here by the workflows, the case page, the doctor and the tests.
__all__ = ["CONCLUDING_EVENTS", "DOCUMENT_TITLES", "CaseActivities", "reconcile_with", "render"]

log = get_logger(__name__)


class CaseActivities:
    def __init__(self, engine: Engine, settings: Settings, client: Client | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.client = client
        self.projection = Projection(engine, settings)
        self.outbox = Outbox(engine, settings)

    @activity.defn
    @final_on_bad_input
    def project_case(self, req: ProjectCase) -> None:
        """Upsert the case row, append its new events and store its new documents (idempotent
        by case + seq, and case + document + seq)."""
        self.projection.project(req)

    @activity.defn
    @final_on_bad_input
    def refresh_case(self, req: RefreshCase) -> ClockPlan:
        """Plan the case's running clocks on the calendar, then project it with the due date
        that plan gives: one local activity per step of a case instead of two."""
        return self.projection.refresh(req)

    @activity.defn
    @final_on_bad_input
    def render_document(self, req: RenderDocument) -> DocumentRef:
        """A document as its own activity (histories from before documents were stored with
        the case's projection)."""
        with self.engine.begin() as conn:
            return store_document(conn, req)

    @activity.defn
    @final_on_bad_input
    async def notify(self, req: Notify) -> str:
        """Write the notification to the outbox once and deliver it (activities/notify.py)."""
        return await self.outbox.deliver(req)

    @activity.defn
    async def flush_outbox(self, req: FlushOutbox) -> int:
        """Send the SMS that waited for the quiet hours to end (every ten minutes, a Schedule);
        returns how many went out. One that fails stays for the next round."""
        return await self.outbox.flush(req.at)

    @activity.defn
    @final_on_bad_input
    async def alert_admins(self, req: AlertAdmins) -> str:
        """Log the alert and put it in the outbox for the administrators (sent like any
        notification when SMTP is configured)."""
        log.warning("administrators alerted", topic=req.topic, subject=req.subject)
        return await self.notify(
            Notify(
                key=req.key,
                case_no=req.topic,
                recipient_role="admin",
                recipient=self.settings.admin_email,
                subject=req.subject,
                body=req.body,
                at=req.at,
            )
        )

    @activity.defn
    @final_on_bad_input
    def record_catalogue(self, req: CatalogueEntryIn) -> None:
        """A proactive item's catalogue entry: a published version (idempotent by case and
        version), or the whole item withdrawn or repealed (its rows stay, marked)."""
        proactive.record_catalogue(self.engine, req)

    @activity.defn
    @final_on_bad_input
    def count_comments(self, req: CountComments) -> int:
        """Public comments on a draft decision: the workflow learns the count, not each one."""
        return proactive.count_comments(self.engine, req.case_no)

    @activity.defn
    @final_on_bad_input
    def new_case_number(self, req: NewCaseNumber) -> str:
        """A case number for a case opened by another case (idempotent by key)."""
        from schemas.registry import KINDS
        from store.cases import allocate_case_no, ensure_case_row, get_agency

        agency = get_agency(self.engine, req.agency)
        if agency is None:
            raise ApplicationError(f"没有代码为“{req.agency}”的机关。", non_retryable=True)
        allocated = allocate_case_no(self.engine, agency, local_date(req.at).year, req.at, req.key)
        ensure_case_row(
            self.engine,
            CaseRow(
                case_no=allocated.case_no,
                kind=KINDS[req.kind].kind,
                agency=agency.code,
                officer="",
                status=KINDS[req.kind].create.INITIAL_STATUS,  # type: ignore[attr-defined]
                light="green",
                created_at=req.at,
                updated_at=req.at,
            ),
        )
        return allocated.case_no

    @activity.defn
    @final_on_bad_input
    async def reconcile(self, req: Reconcile) -> list[str]:
        """Open read-model rows whose workflow is not running (terminated, failed, timed out,
        cancelled, or gone): flagged lost. Returns their case numbers."""
        if self.client is None:
            raise RuntimeError("reconcile needs a Temporal client")
        return await reconcile_with(self.client, self.engine, req.at, req.grace_minutes)

    @activity.defn
    @final_on_bad_input
    async def archive_case(self, req: ArchiveCase) -> int:
        """Export the case's full Temporal history with its live view (documents stay in the
        document table), so the file outlives Temporal's retention."""
        if self.client is None:
            raise RuntimeError("archive_case needs a Temporal client")
        history = await self.client.get_workflow_handle(req.case_no).fetch_history()
        history_json = history.to_json()
        await asyncio.to_thread(self._archive_write, req, history_json)
        return len(history.events)

    def _archive_write(self, req: ArchiveCase, history_json: str) -> None:
        with session_scope(self.engine) as s:
            row = s.get(ArchiveRow, req.case_no) or ArchiveRow(
                case_no=req.case_no, archived_at=req.at, history_json="", view_json=""
            )
            row.history_json, row.view_json, row.archived_at = history_json, req.view_json, req.at
            s.add(row)
