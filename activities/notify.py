"""Notifications (通知): written to the outbox once, then delivered by e-mail (SMTP, when
configured) and, when there is a phone number and a gateway, by SMS (activities/sms.py) —
outside the quiet hours unless urgent; the SMS that waited are sent by the flush.

Each channel is delivered once: the outbox row (by the notification's key) says what has gone
out, so a retried attempt resends only what has not.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.exceptions import ApplicationError

from activities import mail, sms
from activities.documents import DOCUMENT_TITLES, render
from gongkai.logs import get_logger
from gongkai.settings import Settings
from schemas.activities import Notify
from store.db import session_scope
from store.digest import KEY as DIGEST_KEY
from store.models import OutboxRow

log = get_logger(__name__)
DIGEST_ATTEMPTS = 20  # a digest is tried again at each flush (every ten minutes) this often
# What a notification keeps in its outbox row, and is sent from when it waited (the SMS held
# through the quiet hours).
_KEPT = ("key", "case_no", "recipient_role", "recipient", "subject", "body")


class Outbox:
    """Delivers notifications (the activities notify, alert_admins and flush_outbox)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    async def deliver(self, req: Notify) -> str:
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
        row_id, status = await asyncio.to_thread(self._insert, req, "email", None)
        if status != "pending":
            return status
        if not req.recipient:
            await asyncio.to_thread(self._mark, row_id, "no_address", "")
            return "no_address"
        if not self.settings.smtp_host:
            return "pending"  # kept in the outbox; nothing configured to send it
        try:
            await self._send(req)
        except Exception as exc:
            await asyncio.to_thread(self._mark, row_id, "pending", str(exc)[:900])
            raise  # retried by Temporal with backoff
        await asyncio.to_thread(self._mark, row_id, "sent", "")
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
        row_id, status = await asyncio.to_thread(self._insert, sms_req, "sms", later)
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
                self._mark, row_id, "error" if final else "pending", str(exc)[:900]
            )
            raise
        await asyncio.to_thread(self._mark, row_id, "sent", "")
        return "sent"

    async def flush(self, at: datetime) -> int:
        """Send the SMS that waited for the quiet hours to end (every ten minutes, a Schedule);
        returns how many went out. One that fails stays for the next round. Digests left
        pending by a mail server that was down (store/digest.py) go out again here too."""
        sent = await self._resend_digests() if self.settings.smtp_host else 0
        if not self.settings.sms_gateway_url:
            return sent
        due = await asyncio.to_thread(self._deferred, at)
        for row in due:
            assert row.id is not None
            note = Notify(**{name: getattr(row, name) for name in _KEPT}, at=at)
            try:
                await self._sms_now(row.id, note)
            except Exception as exc:
                log.warning("deferred SMS not sent", key=row.key, error=type(exc).__name__)
                continue
            sent += 1
        return sent

    async def _resend_digests(self) -> int:
        rows = await asyncio.to_thread(self._pending_digests)
        sent = 0
        for row in rows:
            note = Notify(**{name: getattr(row, name) for name in _KEPT}, at=row.created_at)
            try:
                sent += await self._by_email(note) == "sent"
            except Exception as exc:
                log.warning("digest not sent", key=row.key, error=type(exc).__name__)
        return sent

    def _pending_digests(self) -> list[OutboxRow]:
        return self._waiting(
            100,
            OutboxRow.channel == "email",
            OutboxRow.status == "pending",
            col(OutboxRow.key).startswith(DIGEST_KEY),
            OutboxRow.attempts < DIGEST_ATTEMPTS,
        )

    def _deferred(self, at: datetime) -> list[OutboxRow]:
        return self._waiting(
            500,
            OutboxRow.channel == "sms",
            OutboxRow.status == "deferred",
            col(OutboxRow.not_before) <= at,
        )

    def _waiting(self, most: int, *where: Any) -> list[OutboxRow]:
        """Outbox rows waiting to be sent again, at most ``most`` per round."""
        with Session(self.engine) as s:
            return list(s.exec(select(OutboxRow).where(*where).limit(most)))

    def _insert(self, req: Notify, channel: str, not_before: datetime | None) -> tuple[int, str]:
        with session_scope(self.engine) as s:
            row = s.exec(select(OutboxRow).where(OutboxRow.key == req.key)).first()
            if row is None:
                row = OutboxRow(
                    **req.model_dump(include=set(_KEPT)),
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

    def _mark(self, row_id: int, status: str, error: str) -> None:
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


async def deliver_all(engine: Engine, settings: Settings, notes: list[Notify]) -> list[str]:
    """Deliver notices decided outside a workflow (a calendar change's digests): each written
    to the outbox once and sent when SMTP is configured. Returns each one's status: ``sent``,
    ``pending`` (kept; the outbox flush sends it again) or ``no_address``."""
    outbox, said = Outbox(engine, settings), []
    for note in notes:
        try:
            said.append(await outbox.deliver(note))
        except Exception as exc:  # a mail server down must not undo the change
            log.warning("notice not sent yet", key=note.key, error=type(exc).__name__)
            said.append("pending")
    return said
