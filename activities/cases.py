"""Side effects of casework: the read-model projection, documents, notifications, the archive.

Every activity is idempotent: a retried attempt finds its row already written (keys: case +
sequence, case + document + sequence, the notification key) and does nothing twice.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import case, func, insert, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities import mail, sms
from activities.deadlines import plan_case_clocks
from activities.failures import final_on_bad_input
from gongkai import metrics
from gongkai.logs import get_logger
from gongkai.settings import Settings
from rules.calendar import local_date, zh_date
from rules.clock import Reading, case_due
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
from schemas.case import CaseEvent, DocumentRef
from schemas.deadlines import ClockPlan
from store import applicants
from store.db import session_scope
from store.models import ArchiveRow, CaseClocks, CaseEventRow, CaseRow, DocumentRow, OutboxRow
from store.recompute import clocks_json
from store.search import index_text

log = get_logger(__name__)
TEMPLATES = Path(__file__).parent / "templates"

DOCUMENT_TITLES = {
    "receipt": "政府信息公开申请登记回执",
    "correction_notice": "补正告知书",
    "extension_notice": "延期答复告知书",
    "deadline_change_notice": "答复期限调整告知书",
    "fixed_date_notice": "延迟答复告知书",
    "abandonment_notice": "视为放弃申请告知书",
    "processing_stopped_notice": "不再处理政府信息公开申请告知书",
    "consultation_letter": "征求意见书",
    "reply": "政府信息公开申请答复书",
    "urging_notice": "催办通知书",
    "inquiry_reply": "网民留言答复",
    "release": "信息发布稿",
    "comment_notice": "公开征求意见公告",
    "adoption_report": "公众意见采纳情况说明",
    "decision_notice": "重大行政决策公布",
}


# Events that conclude a case for the annual report (store/report.py): the reply, or a closing
# without one (Art. 30 deemed abandoned, 109号 fee unpaid, withdrawal).
CONCLUDING_EVENTS = frozenset({"replied", "deemed_abandoned", "processing_stopped", "withdrawn"})


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


def _zh(value: Any) -> Any:
    """A date in a letter (GB/T 9704-2012: 2026年12月7日); anything else as it is."""
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return zh_date(date.fromisoformat(text))
        except ValueError:
            return value
    return value


_env.filters["zh"] = _zh


def render(name: str, context: dict[str, Any]) -> str:
    return _env.get_template(f"{name}.html").render(doc_title=DOCUMENT_TITLES[name], **context)


_CASE = CaseRow.__table__  # type: ignore[attr-defined]
_EVENT = CaseEventRow.__table__  # type: ignore[attr-defined]
_DOCUMENT = DocumentRow.__table__  # type: ignore[attr-defined]
_CLOCKS = CaseClocks.__table__  # type: ignore[attr-defined]


def _keep_clocks(conn: Connection, case_no: str, clocks: str) -> None:
    """The case's running clocks, as planned in this step (store/recompute.py)."""
    done = conn.execute(update(_CLOCKS).where(_CLOCKS.c.case_no == case_no).values(clocks=clocks))
    if done.rowcount == 0:
        conn.execute(insert(_CLOCKS).values(case_no=case_no, clocks=clocks))


def _insert_event(conn: Connection, case_no: str, e: CaseEvent) -> bool:
    """Insert one event of the case unless it is there (by case + seq); whether it was new."""
    found = conn.execute(
        select(_EVENT.c.id).where(_EVENT.c.case_no == case_no, _EVENT.c.seq == e.seq)
    ).first()
    if found is not None:
        return False
    conn.execute(
        insert(_EVENT).values(
            case_no=case_no,
            seq=e.seq,
            at=e.at,
            occurred_at=e.occurred_at,
            kind=e.kind,
            actor_id=e.actor_id,
            actor_name=e.actor_name,
            status=e.status,
            summary=e.summary[:2000],  # the column's limit (PostgreSQL refuses more)
            data=json.dumps(e.data, ensure_ascii=False, default=str),
        )
    )
    return True


def _told(req: RefreshCase, plan: ClockPlan) -> dict[str, date]:
    """The due dates told to the applicant: the workflow's, and those of the documents issued
    in this step that state a clock's date (the receipt)."""
    told = dict(req.told)
    for doc in req.project.documents:
        reading = plan.readings.get(doc.dated_by) if doc.dated_by else None
        if reading is not None and reading.due_date is not None:
            told[doc.dated_by] = reading.due_date
    return told


def _dated(doc: RenderDocument, readings: dict[str, Reading]) -> RenderDocument:
    """A document that states a clock's due date, with the date of the plan just made."""
    reading = readings.get(doc.dated_by) if doc.dated_by else None
    if reading is None:
        return doc
    dated = {
        "reply_due": str(reading.due_date),
        "provisional": reading.provisional,
        "provisional_note": "；".join(reading.explanation.lines[-2:-1]),
    }
    return doc.model_copy(update={"context": {**doc.context, **dated}})


def _store_document(conn: Connection, req: RenderDocument) -> DocumentRef:
    """Render and store a case's document once (by case + name + seq)."""
    title = DOCUMENT_TITLES[req.name]
    existing = conn.execute(
        select(_DOCUMENT.c.id).where(
            _DOCUMENT.c.case_no == req.case_no,
            _DOCUMENT.c.name == req.name,
            _DOCUMENT.c.seq == req.seq,
        )
    ).first()
    if existing is None:
        html = render(req.name, {"case_no": req.case_no, **req.context})
        conn.execute(
            insert(_DOCUMENT).values(
                case_no=req.case_no,
                name=req.name,
                seq=req.seq,
                title=title,
                html=html,
                created_at=req.at,
            )
        )
    return DocumentRef(name=req.name, title=title, seq=req.seq)


class CaseActivities:
    def __init__(self, engine: Engine, settings: Settings, client: Client | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.client = client
        self._applicant_keys: dict[str, bytes] | None = None

    def applicant_keys(self) -> dict[str, bytes]:
        """The keys of the applicants' digests (derived from the codec keys, once)."""
        if self._applicant_keys is None:
            from gongkai.temporal import applicant_keys

            self._applicant_keys = applicant_keys(self.settings)
        return self._applicant_keys

    @activity.defn
    @final_on_bad_input
    def project_case(self, req: ProjectCase) -> None:
        """Upsert the case row, append its new events and store its new documents (idempotent
        by case + seq, and case + document + seq)."""
        self._project(req)

    @activity.defn
    @final_on_bad_input
    def refresh_case(self, req: RefreshCase) -> ClockPlan:
        """Plan the case's running clocks on the calendar, then project it with the due date
        that plan gives: one local activity per step of a case instead of two."""
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
        documents = [_dated(d, plan.readings) for d in req.project.documents]
        self._project(
            req.project.model_copy(
                update={"row": row, "explanation": due.explanation, "documents": documents}
            ),
            clocks=clocks_json(
                req.plan.region,
                req.due_clocks,
                req.plan.clocks,
                plan.readings,
                _told(req, plan),
                req.internal_clocks,
            ),
        )
        return plan

    def _project(self, req: ProjectCase, clocks: str | None = None) -> None:
        """One transaction of plain statements (no ORM unit of work: this runs on every step
        of every case): the row updated, new events inserted (a retried attempt finds them
        there), the search text kept, new documents stored."""
        no = req.row.case_no
        with self.engine.begin() as conn:
            inserted = [e for e in req.events if _insert_event(conn, no, e)]
            concluded = next(
                (local_date(e.at) for e in inserted if e.kind in CONCLUDING_EVENTS), None
            )
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
            if clocks is not None:
                _keep_clocks(conn, no, clocks)
            received = next((e.summary for e in req.events if e.seq == 1), None)
            index_text(conn, no, req.row.agency, req.row.summary, received)
            if req.applicant is not None:  # Art. 36(6): who applied, as keyed digests only
                applicants.record(conn, no, req.row.agency, req.applicant, self.applicant_keys())
            for doc in req.documents:
                _store_document(conn, doc)
        # After the commit: a failed attempt counts nothing, and its retry finds them known.
        metrics.escalations_projected_here(req.row.kind, inserted, req.at)

    @activity.defn
    @final_on_bad_input
    def render_document(self, req: RenderDocument) -> DocumentRef:
        """A document as its own activity (histories from before documents were stored with
        the case's projection)."""
        with self.engine.begin() as conn:
            return _store_document(conn, req)

    @activity.defn
    @final_on_bad_input
    async def notify(self, req: Notify) -> str:
        """Write the notification to the outbox once and deliver it: by e-mail (SMTP, when
        configured) and, when there is a phone number and a gateway, by SMS — outside the
        quiet hours unless it is urgent (activities/sms.py). Each channel is delivered once:
        a retry resends only what has not gone out."""
        if req.link:
            track = f"{self.settings.api_url}/public/track"
            req = req.model_copy(
                update={"body": f"{req.body}\n查询办理进度：{track}（查询号{req.case_no}）"}
            )
        status = await self._by_email(req)
        if req.phone and self.settings.sms_gateway_url:
            await self._by_sms(req)
        return status

    async def _by_email(self, req: Notify) -> str:
        row_id, status = await asyncio.to_thread(self._outbox_insert, req, "email", None)
        if status != "pending":
            return status
        if not req.recipient:
            await asyncio.to_thread(self._outbox_mark, row_id, "no_address", "")
            return "no_address"
        if not self.settings.smtp_host:
            return "pending"  # kept in the outbox; nothing configured to send it
        try:
            await self._send(req)
        except Exception as exc:
            await asyncio.to_thread(self._outbox_mark, row_id, "pending", str(exc)[:900])
            raise  # retried by Temporal with backoff
        await asyncio.to_thread(self._outbox_mark, row_id, "sent", "")
        return "sent"

    async def _by_sms(self, req: Notify) -> str:
        later = None if req.urgent else sms.after_quiet_hours(req.at)
        body = req.body
        if req.attachment is not None and req.recipient:
            body += f"\n{DOCUMENT_TITLES[req.attachment.name]}已发送至您的电子邮箱。"
        sms_req = req.model_copy(
            update={
                "key": f"{req.key}:sms",
                "recipient": req.phone,
                "body": body,
                "attachment": None,
            }
        )
        row_id, status = await asyncio.to_thread(self._outbox_insert, sms_req, "sms", later)
        if status != "pending":
            return status
        return await self._sms_now(row_id, sms_req)

    async def _sms_now(self, row_id: int, req: Notify) -> str:
        assert self.settings.sms_gateway_url is not None
        try:
            await sms.send(
                self.settings.sms_gateway_url,
                self.settings.sms_gateway_token,
                req.recipient,
                f"{req.subject}：{req.body}",
                req.key,
            )
        except Exception as exc:
            final = isinstance(exc, ApplicationError) and exc.non_retryable
            await asyncio.to_thread(
                self._outbox_mark, row_id, "error" if final else "pending", str(exc)[:900]
            )
            raise
        await asyncio.to_thread(self._outbox_mark, row_id, "sent", "")
        return "sent"

    @activity.defn
    async def flush_outbox(self, req: FlushOutbox) -> int:
        """Send the SMS that waited for the quiet hours to end (every ten minutes, a Schedule);
        returns how many went out. One that fails stays for the next round."""
        if not self.settings.sms_gateway_url:
            return 0
        due = await asyncio.to_thread(self._deferred, req.at)
        sent = 0
        for row in due:
            assert row.id is not None
            note = Notify(
                key=row.key,
                case_no=row.case_no,
                recipient_role=row.recipient_role,
                recipient=row.recipient,
                subject=row.subject,
                body=row.body,
                at=req.at,
            )
            try:
                await self._sms_now(row.id, note)
            except Exception as exc:
                log.warning("deferred SMS not sent", key=row.key, error=type(exc).__name__)
                continue
            sent += 1
        return sent

    def _deferred(self, at: datetime) -> list[OutboxRow]:
        with Session(self.engine) as s:
            return list(
                s.exec(
                    select(OutboxRow)
                    .where(
                        OutboxRow.channel == "sms",
                        OutboxRow.status == "deferred",
                        col(OutboxRow.not_before) <= at,
                    )
                    .limit(500)
                )
            )

    def _outbox_insert(
        self, req: Notify, channel: str, not_before: datetime | None
    ) -> tuple[int, str]:
        with session_scope(self.engine) as s:
            row = s.exec(select(OutboxRow).where(OutboxRow.key == req.key)).first()
            if row is None:
                row = OutboxRow(
                    key=req.key,
                    case_no=req.case_no,
                    recipient_role=req.recipient_role,
                    recipient=req.recipient,
                    subject=req.subject,
                    body=req.body,
                    channel=channel,
                    not_before=not_before,
                    status="deferred" if not_before is not None else "pending",
                    created_at=req.at,
                )
                s.add(row)
                s.flush()
            row.attempts += 1
            assert row.id is not None
            return row.id, row.status

    def _outbox_mark(self, row_id: int, status: str, error: str) -> None:
        with session_scope(self.engine) as s:
            row = s.get(OutboxRow, row_id)
            assert row is not None
            row.status, row.error = status, error
            if status == "sent":
                row.sent_at = datetime.now(UTC)

    async def _send(self, req: Notify) -> None:
        letter = None
        if req.attachment is not None:
            doc = req.attachment
            letter = (
                f"{DOCUMENT_TITLES[doc.name]}-{doc.case_no}.html",
                render(doc.name, {"case_no": doc.case_no, **doc.context}),
            )
        await mail.send(
            self.settings, req.recipient, req.subject, req.body, key=req.key, html=letter
        )

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
        from store.models import CatalogueEntry

        with session_scope(self.engine) as s:
            if req.repealed_at is not None:
                for row in s.exec(
                    select(CatalogueEntry).where(CatalogueEntry.case_no == req.case_no)
                ):
                    if row.repealed_at is None:
                        row.repealed_at = req.repealed_at
                        row.repealed_by = req.repealed_by[:200]
                        s.add(row)
                return
            if req.withdrawn_at is not None:
                for row in s.exec(
                    select(CatalogueEntry).where(CatalogueEntry.case_no == req.case_no)
                ):
                    if row.withdrawn_at is None:
                        row.withdrawn_at = req.withdrawn_at
                        row.withdrawn_reason = req.withdrawn_reason[:2000]
                        s.add(row)
                return
            assert req.published_at is not None
            known = s.exec(
                select(CatalogueEntry).where(
                    CatalogueEntry.case_no == req.case_no, CatalogueEntry.version == req.version
                )
            ).first()
            if known is not None:
                return  # a retried attempt: already written
            s.add(
                CatalogueEntry(
                    case_no=req.case_no,
                    version=req.version,
                    agency=req.agency,
                    category=req.category,
                    title=req.title[:200],
                    document_no=req.document_no[:100],
                    content=req.content[:500],
                    formed_on=req.formed_on,
                    interpretation=req.interpretation[:500],
                    published_at=req.published_at,
                    channels=json.dumps(req.channels, ensure_ascii=False),
                    url=req.url[:200],
                    published_by=req.published_by[:100],
                    doc_kind=req.doc_kind[:16],
                    decisions=req.decisions,
                    fee_amount_yuan=req.fee_amount_yuan,
                    late=req.late,
                )
            )

    @activity.defn
    @final_on_bad_input
    def count_comments(self, req: CountComments) -> int:
        """Public comments on a draft decision: the workflow learns the count, not each one."""
        from sqlalchemy import func

        from store.models import PublicComment

        with Session(self.engine) as s:
            n = s.exec(select(func.count()).where(PublicComment.case_no == req.case_no)).one()
        return int(n)

    @activity.defn
    @final_on_bad_input
    def new_case_number(self, req: NewCaseNumber) -> str:
        """A case number for a case opened by another case (idempotent by key)."""
        from rules.calendar import local_date
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


_ABNORMAL = {
    "TERMINATED": "已在Temporal中被终止",
    "FAILED": "已失败",
    "TIMED_OUT": "已超时结束",
    "CANCELED": "已被取消",
}


async def reconcile_with(
    client: Client, engine: Engine, at: datetime, grace_minutes: int = 5
) -> list[str]:
    """The reconciliation (store/reconcile.py), against a live Temporal: one visibility listing
    of the running workflows, then a look at each open row that is not among them."""
    from datetime import timedelta

    from temporalio.client import WorkflowExecutionStatus
    from temporalio.service import RPCError, RPCStatusCode

    from store.reconcile import flag_lost, open_rows

    rows = await asyncio.to_thread(open_rows, engine, at - timedelta(minutes=grace_minutes))
    if not rows:
        return []
    running = {wf.id async for wf in client.list_workflows("ExecutionStatus = 'Running'")}
    flagged = []
    for case_no in rows:
        if case_no in running:
            continue
        try:
            desc = await client.get_workflow_handle(case_no).describe()
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            how = "已不存在（可能已被删除）"
        else:
            status = desc.status
            if status is None or status in (
                WorkflowExecutionStatus.RUNNING,
                WorkflowExecutionStatus.COMPLETED,
                WorkflowExecutionStatus.CONTINUED_AS_NEW,
            ):
                continue  # running after all (visibility lags), or ended as it should
            how = _ABNORMAL.get(status.name, f"已结束（{status.name}）")
        if await asyncio.to_thread(flag_lost, engine, case_no, how, at):
            log.warning("case workflow lost", case_no=case_no, how=how)
            flagged.append(case_no)
    return flagged
