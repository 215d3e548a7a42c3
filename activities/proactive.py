"""Side effects of proactive disclosure (主动公开, GIDR ch. III): the catalogue's entries of an
item's published versions, and the count of public comments on a draft decision."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas.activities import CatalogueEntryIn
from store.db import session_scope
from store.models import CatalogueEntry, PublicComment


def record_catalogue(engine: Engine, req: CatalogueEntryIn) -> None:
    """A published version (idempotent by case and version), or the whole item withdrawn or
    repealed (its rows stay, marked)."""
    with session_scope(engine) as s:
        if req.repealed_at is not None:
            _mark_versions(
                s, req.case_no, "repealed_at", req.repealed_at, repealed_by=req.repealed_by[:200]
            )
            return
        if req.withdrawn_at is not None:
            _mark_versions(
                s,
                req.case_no,
                "withdrawn_at",
                req.withdrawn_at,
                withdrawn_reason=req.withdrawn_reason[:2000],
            )
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


def _mark_versions(s: Session, case_no: str, mark: str, at: datetime, **why: str) -> None:
    """Every version of the item gets the mark (``mark`` = ``at``, and ``why``) once: a row
    marked already (a retried attempt) keeps its own."""
    for row in s.exec(select(CatalogueEntry).where(CatalogueEntry.case_no == case_no)):
        if getattr(row, mark) is None:
            for field, value in {mark: at, **why}.items():
                setattr(row, field, value)
            s.add(row)


def count_comments(engine: Engine, case_no: str) -> int:
    """Public comments on a draft decision: the workflow learns the count, not each one."""
    with Session(engine) as s:
        n = s.exec(select(func.count()).where(PublicComment.case_no == case_no)).one()
    return int(n)
