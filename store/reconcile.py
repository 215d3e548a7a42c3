"""Reconciliation: the read model against Temporal. A case terminated or reset from the Temporal
UI or CLI (or deleted there) never tells the read model; its row would show it open and green
for ever. The reconciliation finds open rows whose workflow is not running, marks them ``lost``
(red), and records what it found in the case's events."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from schemas.registry import CLOSED, LOST
from store.db import session_scope
from store.models import CaseEventRow, CaseRow


def open_rows(engine: Engine, created_before: datetime) -> list[str]:
    """Case numbers the read model shows open (and old enough to have started)."""
    with Session(engine) as s:
        return list(
            s.exec(
                select(CaseRow.case_no).where(
                    col(CaseRow.status).not_in(sorted(CLOSED | {LOST})),
                    CaseRow.created_at < created_before,
                )
            ).all()
        )


def flag_lost(engine: Engine, case_no: str, how: str, at: datetime) -> bool:
    """Mark a row lost and say why in its events (once)."""
    with session_scope(engine) as s:
        row = s.get(CaseRow, case_no)
        if row is None or row.status == LOST:
            return False
        previous = row.status
        row.status, row.light, row.updated_at = LOST, "red", at
        row.internal_due_at = None
        last = s.exec(
            select(func.max(CaseEventRow.seq)).where(CaseEventRow.case_no == case_no)
        ).one()
        seq = int(last or 0) + 1
        s.add(
            CaseEventRow(
                case_no=case_no,
                seq=seq,
                at=at,
                kind="workflow_lost",
                actor_id="system",
                actor_name="系统",
                status=LOST,
                summary=(
                    f"对账发现：本案的工作流{how}（原状态：{previous}），期限已不再计时、督办不再"
                    "发出。请负责人核查：如属误操作，请联系系统管理员恢复。"
                ),
                data=json.dumps({"how": how, "previous_status": previous}, ensure_ascii=False),
            )
        )
        row.last_seq = max(row.last_seq, seq)
        s.add(row)
    return True


def lost_cases(engine: Engine) -> list[CaseRow]:
    with Session(engine) as s:
        return list(s.exec(select(CaseRow).where(CaseRow.status == LOST)).all())
