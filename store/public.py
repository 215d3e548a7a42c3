"""What the public portal (api/public/) reads and writes of the read model besides the keys to a
case (store/portal.py): a case's letters, the cases a kind publishes, the message board and its
units' lights, a message's own row, and the record that a 查询码 was sent (never the code)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from store.db import session_scope
from store.models import CaseEventRow, CaseRow, DocumentRow, OutboxRow, PublicMessage

SHOWN = 200  # a public list shows the newest this many


def case_documents(engine: Engine, case_no: str) -> list[DocumentRow]:
    """Every letter of a case, in the order it was made (the caller chooses what is shown)."""
    with Session(engine) as s:
        return list(
            s.exec(
                select(DocumentRow)
                .where(DocumentRow.case_no == case_no)
                .order_by(col(DocumentRow.seq))
            ).all()
        )


def published_cases(engine: Engine, kind: str, statuses: Iterable[str]) -> list[CaseRow]:
    """The cases of a kind in these statuses, the latest changed first."""
    with Session(engine) as s:
        return list(
            s.exec(
                select(CaseRow)
                .where(CaseRow.kind == kind, col(CaseRow.status).in_(sorted(statuses)))
                .order_by(col(CaseRow.updated_at).desc())
                .limit(SHOWN)
            )
        )


def latest_event(engine: Engine, case_no: str, kind: str) -> CaseEventRow | None:
    with Session(engine) as s:
        return s.exec(
            select(CaseEventRow)
            .where(CaseEventRow.case_no == case_no, CaseEventRow.kind == kind)
            .order_by(col(CaseEventRow.seq).desc())
        ).first()


def answered_messages(engine: Engine) -> list[tuple[PublicMessage, CaseRow, CaseEventRow]]:
    """Messages whose authors allowed publication, each with an approval of its public text,
    the newest approval first (a message approved twice comes twice: the first is current)."""
    with Session(engine) as s:
        return list(
            s.exec(
                select(PublicMessage, CaseRow, CaseEventRow)
                .join(CaseRow, col(CaseRow.case_no) == col(PublicMessage.case_no))
                .join(CaseEventRow, col(CaseEventRow.case_no) == col(PublicMessage.case_no))
                .where(
                    col(PublicMessage.publish).is_(True),
                    CaseEventRow.kind == "publication_approved",
                )
                .order_by(col(CaseEventRow.at).desc())
                .limit(SHOWN)
            ).all()
        )


def unit_lights(engine: Engine, kind: str, closed: Iterable[str]) -> list[tuple[str, str, int]]:
    """(unit, light, open cases) of a kind's open cases."""
    with Session(engine) as s:
        rows = s.exec(
            select(CaseRow.unit, CaseRow.light, func.count())
            .where(CaseRow.kind == kind, col(CaseRow.status).not_in(sorted(closed)))
            .group_by(col(CaseRow.unit), col(CaseRow.light))
        ).all()
    return [(unit, light, int(n)) for unit, light, n in rows]


def save_message(engine: Engine, message: PublicMessage) -> None:
    with session_scope(engine) as s:
        s.merge(message)


def code_sent(
    engine: Engine, case_no: str, sent: Mapping[str, tuple[str, str]], at: datetime
) -> None:
    """That the 查询码 went out (``sent``: channel → (recipient, status)); the outbox keeps that
    it was sent, never the code itself."""
    with session_scope(engine) as s:
        for channel, (recipient, status) in sent.items():
            s.add(
                OutboxRow(
                    key=f"{case_no}:tracking-code" + (":sms" if channel == "sms" else ""),
                    case_no=case_no,
                    recipient_role="applicant",
                    recipient=recipient,
                    subject=f"您的查询号 {case_no}",
                    body="（查询码只发给申请人，本系统不留存）",
                    channel=channel,
                    status=status,
                    created_at=at,
                )
            )
