"""Earlier requests for similar information in the same agency (GIDR Art. 44 and Art. 36(6)).

Chinese has no spaces between words, so similarity is measured on character bigrams (the
overlap of the two texts' pairs of adjacent characters, Jaccard): 规划许可证 and 许可证及附图
share 许可 and 可证. Only the agency's most recent requests are compared (``WINDOW``): enough for
an officer to see what was asked before and how it was answered, cheap enough for a page."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import CaseRow, CaseText

WINDOW = 3000
THRESHOLD = 0.3
SAME = 0.8  # as good as the same request: perhaps a repeat (Art. 36(6))


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if not ch.isspace() and ch not in "，。、；：（）()《》“”,.;:"]
    return {a + b for a, b in pairwise(chars)}


def _about(stored: str) -> str:
    """What a case asks for: the text it was received with, without the case number (the
    first line) and without the words every case's receipt begins with ("收到申请（当面提交）："):
    those are shared by every request and made unrelated ones look alike."""
    _, summary, received = [*stored.split("\n", 2), "", ""][:3]
    head, colon, rest = received.partition("：")
    if received.startswith("收到") and colon and "（" in head:
        received = rest
    return received or summary


def similarity(a: str, b: str) -> float:
    """The overlap of two requests' character bigrams (Jaccard), 0 when either has none."""
    mine, theirs = _bigrams(a), _bigrams(b)
    if not mine or not theirs:
        return 0.0
    return len(mine & theirs) / len(mine | theirs)


def texts(engine: Engine, case_nos: list[str]) -> dict[str, str]:
    """What each case asks for (see :func:`_about`)."""
    if not case_nos:
        return {}
    with Session(engine) as s:
        rows = s.exec(
            select(CaseText.case_no, CaseText.text).where(col(CaseText.case_no).in_(case_nos))
        ).all()
    return {no: _about(text) for no, text in rows}


@dataclass
class Similar:
    row: CaseRow
    score: float


def similar_requests(
    engine: Engine, agency: str, case_no: str, kind: str, limit: int = 5
) -> list[Similar]:
    with Session(engine) as s:
        own = s.get(CaseText, case_no)
        if own is None:
            return []
        mine = _bigrams(_about(own.text))
        if not mine:
            return []
        rows = s.exec(
            select(CaseText.case_no, CaseText.text)
            .join(CaseRow, col(CaseRow.case_no) == col(CaseText.case_no))
            .where(CaseText.agency == agency, CaseRow.kind == kind, CaseText.case_no != case_no)
            .order_by(col(CaseRow.created_at).desc())
            .limit(WINDOW)
        ).all()
        scored = []
        for other, text in rows:
            theirs = _bigrams(_about(text))
            if theirs:
                score = len(mine & theirs) / len(mine | theirs)
                if score >= THRESHOLD:
                    scored.append((score, other))
        scored.sort(reverse=True)
        best = scored[:limit]
        found = {
            r.case_no: r
            for r in s.exec(select(CaseRow).where(col(CaseRow.case_no).in_([c for _, c in best])))
        }
    return [Similar(found[c], round(score, 2)) for score, c in best if c in found]
