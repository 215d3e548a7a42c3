"""The public catalogue (政府信息公开目录, GIDR Art. 12): what each agency has published
proactively, by category; the latest published version of each item, its history, withdrawals
and repeals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import CatalogueEntry
from store.search import like_pattern

LIMIT = 200


@dataclass
class Listing:
    items: list[CatalogueEntry]
    counts: dict[str, int]  # category → items in force


def current(
    engine: Engine,
    agency: str | None = None,
    category: str | None = None,
    q: str = "",
    limit: int = LIMIT,
) -> Listing:
    """The latest published version of each item in force, newest first; counts by category."""
    latest = (
        select(CatalogueEntry.case_no, func.max(CatalogueEntry.version).label("v"))
        .group_by(CatalogueEntry.case_no)
        .subquery()
    )
    where: list[Any] = [
        col(CatalogueEntry.withdrawn_at).is_(None),
        col(CatalogueEntry.repealed_at).is_(None),  # 废止: no longer in force
    ]
    if agency:
        where.append(CatalogueEntry.agency == agency)
    with Session(engine) as s:
        base = select(CatalogueEntry).join(
            latest,
            (col(CatalogueEntry.case_no) == latest.c.case_no)
            & (col(CatalogueEntry.version) == latest.c.v),
        )
        counts = {
            str(c): int(n)
            for c, n in s.exec(
                select(CatalogueEntry.category, func.count())
                .join(
                    latest,
                    (col(CatalogueEntry.case_no) == latest.c.case_no)
                    & (col(CatalogueEntry.version) == latest.c.v),
                )
                .where(*where)
                .group_by(CatalogueEntry.category)
            ).all()
        }
        query = base.where(*where)
        if category:
            query = query.where(CatalogueEntry.category == category)
        q = " ".join(q.split())[:100]
        if q:
            pattern = like_pattern(q)
            query = query.where(
                col(CatalogueEntry.title).like(pattern, escape="\\")
                | col(CatalogueEntry.content).like(pattern, escape="\\")
                | col(CatalogueEntry.document_no).like(pattern, escape="\\")
            )
        items = list(s.exec(query.order_by(col(CatalogueEntry.published_at).desc()).limit(limit)))
    return Listing(items, counts)


def history(engine: Engine, case_no: str) -> list[CatalogueEntry]:
    """Every published version of an item, the newest first (withdrawn ones included)."""
    with Session(engine) as s:
        return list(
            s.exec(
                select(CatalogueEntry)
                .where(CatalogueEntry.case_no == case_no)
                .order_by(col(CatalogueEntry.version).desc())
            )
        )
