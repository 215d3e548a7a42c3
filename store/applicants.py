"""Who applied, for GIDR Art. 36(6) (不予重复处理) and Art. 44: the read model keeps keyed
digests of each disclosure case's applicant, never the identity number or the name in clear.

"The same applicant" (LAW.md §6B) is the same identity document where both applications gave
one; otherwise the same name with the same telephone number or e-mail address. The digests are
HMAC-SHA256 of the normalised values (rules/personal.py ``identity_material``) under keys
derived from the codec keys (gongkai/temporal.py ``applicant_keys``): one row per digest and
key, so that a key kept for old histories keeps old digests comparable after a rotation, and
whoever reads the database without the keys cannot test a guessed identity number against it
(docs/security.md).

A repeat request may cite only a case of the same agency that was answered (a reply was issued:
replied, served, archived after a reply), of the same applicant. A refusal never says whether a
case number exists when it is not this applicant's: a case of another applicant, of another
agency, or none at all get the same answer.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from rules.outcomes import Outcome
from rules.personal import identity_material
from schemas.activities import ApplicantIdentity
from schemas.disclosure import PreviousAnswer
from schemas.registry import DISCLOSURE
from store.models import ApplicantKey, CaseRow
from store.similar import similarity, texts

DOCUMENT, CONTACT = "document", "contact"
# A reply was issued: the case is answered (已作答复) whatever happened after.
ANSWERED_STATUSES = frozenset({"replied", "remedy_window", "archived"})
# Closings without a reply on the information (Art. 30, 109号): not an answer.
NOT_ANSWERS = frozenset({Outcome.OTHER_NO_CORRECTION.value, Outcome.OTHER_FEE_UNPAID.value})
_KEY = ApplicantKey.__table__  # type: ignore[attr-defined]
ART = "（《政府信息公开条例》第三十六条第（六）项）"


def digests(identity: ApplicantIdentity, keys: dict[str, bytes]) -> list[tuple[str, str]]:
    """(kind, "<key id>:<hex>") for every identifying value under every key."""
    documents, contacts = identity_material(
        identity.id_type, identity.id_number, identity.name, identity.phone, identity.email
    )
    return [
        (kind, f"{kid}:{hmac.new(key, value.encode(), hashlib.sha256).hexdigest()}")
        for kind, values in ((DOCUMENT, documents), (CONTACT, contacts))
        for value in values
        for kid, key in keys.items()
    ]


def record(
    conn: Connection,
    case_no: str,
    agency: str,
    identity: ApplicantIdentity,
    keys: dict[str, bytes],
) -> None:
    """Keep the case's digests (those not kept yet: a case's applicant does not change)."""
    wanted = digests(identity, keys)
    if not wanted:
        return
    known = set(conn.execute(sa_select(_KEY.c.digest).where(_KEY.c.case_no == case_no)).scalars())
    for kind, digest in wanted:
        if digest not in known:
            conn.execute(
                insert(_KEY).values(case_no=case_no, agency=agency, kind=kind, digest=digest)
            )


def _keys_of(s: Session, case_nos: list[str]) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = {n: {DOCUMENT: set(), CONTACT: set()} for n in case_nos}
    for key in s.exec(select(ApplicantKey).where(col(ApplicantKey.case_no).in_(case_nos))):
        out[key.case_no][key.kind].add(key.digest)
    return out


def same_applicant(mine: dict[str, set[str]], theirs: dict[str, set[str]]) -> bool:
    """By the identity document where both gave one; otherwise by name and contact."""
    if mine[DOCUMENT] and theirs[DOCUMENT]:
        return bool(mine[DOCUMENT] & theirs[DOCUMENT])
    return bool(mine[CONTACT] & theirs[CONTACT])


def answered(row: CaseRow) -> bool:
    return (
        row.status in ANSWERED_STATUSES
        and row.outcome is not None
        and row.outcome not in NOT_ANSWERS
        and row.concluded_on is not None
    )


@dataclass
class Candidate:
    row: CaseRow
    score: float  # how alike the two requests read (store/similar.py)


def _same_applicants_cases(s: Session, case_no: str, agency: str) -> list[CaseRow]:
    """The agency's other disclosure cases of the same applicant (none if who applied to
    ``case_no`` is not known)."""
    mine = _keys_of(s, [case_no])[case_no]
    every = mine[DOCUMENT] | mine[CONTACT]
    if not every:
        return []
    others = sorted(
        set(
            s.exec(
                select(ApplicantKey.case_no).where(
                    ApplicantKey.agency == agency,
                    col(ApplicantKey.digest).in_(sorted(every)),
                    ApplicantKey.case_no != case_no,
                )
            ).all()
        )
    )
    theirs = _keys_of(s, others)
    same = [n for n in others if same_applicant(mine, theirs[n])]
    if not same:
        return []
    return list(
        s.exec(
            select(CaseRow).where(
                col(CaseRow.case_no).in_(same),
                CaseRow.agency == agency,
                CaseRow.kind == DISCLOSURE.kind,
            )
        ).all()
    )


def repeat_candidates(engine: Engine, case_no: str, agency: str) -> list[Candidate]:
    """The cases a repeat request may cite: the same applicant's answered requests to this
    agency, the most alike first (the reply form offers them, Art. 36(6))."""
    with Session(engine) as s:
        rows = [r for r in _same_applicants_cases(s, case_no, agency) if answered(r)]
    said = texts(engine, [case_no, *(r.case_no for r in rows)])
    mine = said.get(case_no, "")
    found = [Candidate(r, round(similarity(mine, said.get(r.case_no, "")), 2)) for r in rows]
    return sorted(found, key=lambda c: (-c.score, c.row.case_no))


class NotARepeat(ValueError):
    """The cited case cannot found a repeat-request reply; the message says why (422)."""


def check_repeat(engine: Engine, case_no: str, agency: str, cited: str) -> PreviousAnswer:
    """The case a repeat-request reply cites, if it may: otherwise :class:`NotARepeat` with a
    reason that reveals nothing of a case that is not this applicant's."""
    number = cited.strip().upper()
    if not number:
        raise NotARepeat(f"请选择此前已作答复的案件{ART}。")
    if number == case_no:
        raise NotARepeat(f"不能引用本案自身：请选择申请人此前已获答复的申请{ART}。")
    with Session(engine) as s:
        known = _keys_of(s, [case_no])[case_no]
        if not (known[DOCUMENT] or known[CONTACT]):
            raise NotARepeat(
                "本案申请人的身份信息尚未登记到读模型，无法核对是否为同一申请人；"
                f"请稍后再试，或不以重复申请答复{ART}。"
            )
        same = {r.case_no: r for r in _same_applicants_cases(s, case_no, agency)}
    row = same.get(number)
    if row is None:
        raise NotARepeat(
            f"本申请人此前没有向本机关提出过案件编号为{number[:64]}的申请：重复申请只适用于同一"
            f"申请人就同一政府信息再次提出、本机关已经答复的申请{ART}。"
        )
    if not answered(row):
        raise NotARepeat(
            f"案件{row.case_no}尚未作出答复：只有本机关已经答复的申请，才能对再次提出的申请"
            f"不予重复处理{ART}。"
        )
    assert row.outcome is not None and row.concluded_on is not None
    return PreviousAnswer(case_no=row.case_no, replied_on=row.concluded_on, outcome=row.outcome)


def distinct_applicants(engine: Engine, case_no: str, others: list[str]) -> list[str]:
    """Of ``others``, one case per applicant, leaving out ``case_no``'s own applicant (GIDR Art.
    44 speaks of several applicants: one person asking twice is not two). A case whose applicant
    is not known (projected before the digests were kept) counts as an applicant of its own."""
    with Session(engine) as s:
        keys = _keys_of(s, [case_no, *others])
    seen = [keys[case_no]]
    out = []
    for other in others:
        theirs = keys[other]
        known = theirs[DOCUMENT] or theirs[CONTACT]
        if known and any(same_applicant(theirs, k) for k in seen):
            continue
        seen.append(theirs)
        out.append(other)
    return out
