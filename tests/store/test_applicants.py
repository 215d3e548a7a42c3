"""GIDR Art. 36(6) and Art. 44 in the read model: who applied is kept as keyed digests only; a
repeat request may cite only the same applicant's answered request to the same agency, and a
refusal says nothing of a case that is not theirs; the Art. 44 hint counts applicants, not
requests, and only requests for the same information."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas.activities import ApplicantIdentity
from store.applicants import (
    NotARepeat,
    check_repeat,
    distinct_applicants,
    record,
    repeat_candidates,
)
from store.cases import ensure_case_row
from store.db import session_scope
from store.models import ApplicantKey
from store.search import index_text
from store.similar import similar_requests
from tests.fixtures.rows import case_row

KEYS = {"k1": b"\x01" * 32}
ZHANG = ApplicantIdentity(
    id_type="居民身份证", id_number="110101199003071233", name="张三", phone="13800138000"
)
# The same person writing the number in lower case with spaces, and +86 before the phone.
ZHANG_AGAIN = ApplicantIdentity(
    id_type="居民身份证", id_number=" 11010119900307123 3", name="张三", phone="+86 138 0013 8000"
)
LI = ApplicantIdentity(id_type="居民身份证", id_number="110101198001011232", name="李四")
# No document: the same name and telephone, or not.
WANG = ApplicantIdentity(name="王五", phone="13900139000")
WANG_OTHER_PHONE = ApplicantIdentity(name="王五", phone="13700137000")
TEXT = "某地块建设工程规划许可证及附图"


def _case(
    engine: Engine,
    case_no: str,
    who: ApplicantIdentity | None,
    *,
    agency: str = "SZ-GT",
    text: str = TEXT,
    **row: object,
) -> None:
    ensure_case_row(engine, case_row(case_no, agency=agency, summary=text, **row))
    with engine.begin() as conn:
        index_text(conn, case_no, agency, text, f"收到申请（互联网渠道）：{text}")
        if who is not None:
            record(conn, case_no, agency, who, KEYS)


ANSWERED = {"status": "remedy_window", "outcome": "GRANTED", "concluded_on": date(2026, 3, 2)}


def test_art36_6_the_read_model_keeps_no_identity_in_clear(fresh_engine: Engine) -> None:
    _case(fresh_engine, "GK-2026-000001", ZHANG)
    _case(fresh_engine, "GK-2026-000001", ZHANG_AGAIN)  # the same digests: nothing added
    with Session(fresh_engine) as s:
        rows = s.exec(select(ApplicantKey)).all()
    assert {r.kind for r in rows} == {"document", "contact"} and len(rows) == 2
    stored = " ".join(r.digest for r in rows)
    for clear in ("110101199003071233", "张三", "13800138000", "1233"):
        assert clear not in stored
    assert all(r.digest.startswith("k1:") and len(r.digest) == 3 + 64 for r in rows)


def test_art36_6_a_repeat_cites_only_the_same_applicants_answered_case(
    fresh_engine: Engine,
) -> None:
    _case(fresh_engine, "GK-2026-000001", ZHANG, **ANSWERED)  # answered: may be cited
    _case(fresh_engine, "GK-2026-000002", ZHANG, status="assigned")  # open: not answered
    _case(fresh_engine, "GK-2026-000003", LI, **ANSWERED)  # another applicant
    _case(fresh_engine, "HZ-2026-000001", ZHANG, agency="HZ-GT", **ANSWERED)  # another agency
    _case(
        fresh_engine,
        "GK-2026-000004",
        ZHANG,
        status="archived",
        outcome="OTHER.no_correction",
        concluded_on=date(2026, 3, 2),
    )  # closed without a reply
    _case(fresh_engine, "GK-2026-000009", ZHANG_AGAIN)  # the repeat request

    found = check_repeat(fresh_engine, "GK-2026-000009", "SZ-GT", " gk-2026-000001 ")
    assert (found.case_no, found.replied_on, found.outcome) == (
        "GK-2026-000001",
        date(2026, 3, 2),
        "GRANTED",
    )
    # Not this applicant's, another agency's, none at all: one answer, revealing nothing.
    answers = set()
    for cited in ("GK-2026-000003", "HZ-2026-000001", "GK-2026-999999"):
        with pytest.raises(NotARepeat) as refused:
            check_repeat(fresh_engine, "GK-2026-000009", "SZ-GT", cited)
        answers.add(str(refused.value).replace(cited, "N"))
    assert len(answers) == 1 and "第三十六条第（六）项" in answers.pop()
    for cited, words in (
        ("GK-2026-000002", "尚未作出答复"),
        ("GK-2026-000004", "尚未作出答复"),
        ("GK-2026-000009", "本案自身"),
        ("", "请选择"),
    ):
        with pytest.raises(NotARepeat, match=words):
            check_repeat(fresh_engine, "GK-2026-000009", "SZ-GT", cited)
    # The reply form offers exactly the citable one.
    offered = repeat_candidates(fresh_engine, "GK-2026-000009", "SZ-GT")
    assert [c.row.case_no for c in offered] == ["GK-2026-000001"] and offered[0].score == 1.0


def test_art36_6_without_a_document_the_same_name_and_contact(fresh_engine: Engine) -> None:
    _case(fresh_engine, "GK-2026-000001", WANG, **ANSWERED)
    _case(fresh_engine, "GK-2026-000002", WANG_OTHER_PHONE, **ANSWERED)
    _case(fresh_engine, "GK-2026-000009", ApplicantIdentity(name=" 王 五", phone="139-0013-9000"))
    assert check_repeat(fresh_engine, "GK-2026-000009", "SZ-GT", "GK-2026-000001")
    with pytest.raises(NotARepeat, match="没有向本机关提出过"):
        check_repeat(fresh_engine, "GK-2026-000009", "SZ-GT", "GK-2026-000002")
    # Unknown applicant (projected before digests were kept): nothing can be checked.
    _case(fresh_engine, "GK-2026-000010", None)
    with pytest.raises(NotARepeat, match="无法核对"):
        check_repeat(fresh_engine, "GK-2026-000010", "SZ-GT", "GK-2026-000001")


def test_art44_the_hint_counts_applicants_and_only_requests_for_the_same_information(
    fresh_engine: Engine,
) -> None:
    """Two unrelated requests shared the receipt's opening words (收到申请（…）：) and looked
    alike; one person asking twice counted as two applicants."""
    _case(fresh_engine, "GK-2026-000001", ZHANG, text="2026年财政预算执行情况", **ANSWERED)
    _case(fresh_engine, "GK-2026-000002", LI, text="某路段养护合同", **ANSWERED)
    assert similar_requests(fresh_engine, "SZ-GT", "GK-2026-000002", "disclosure") == []

    _case(fresh_engine, "GK-2026-000003", LI, **ANSWERED)
    _case(fresh_engine, "GK-2026-000004", ZHANG_AGAIN, **ANSWERED)
    _case(fresh_engine, "GK-2026-000005", ZHANG, **ANSWERED)
    _case(fresh_engine, "GK-2026-000009", WANG)
    same = [
        s.row.case_no
        for s in similar_requests(fresh_engine, "SZ-GT", "GK-2026-000009", "disclosure")
    ]
    assert sorted(same) == ["GK-2026-000003", "GK-2026-000004", "GK-2026-000005"]
    assert distinct_applicants(fresh_engine, "GK-2026-000009", sorted(same)) == [
        "GK-2026-000003",
        "GK-2026-000004",
    ]
    # This case's own applicant is not one of the "others".
    assert distinct_applicants(fresh_engine, "GK-2026-000005", ["GK-2026-000004"]) == []


def test_digests_follow_a_key_rotation(fresh_engine: Engine) -> None:
    """A new codec key adds digests under it; a case digested only under the old key is still
    the same applicant as long as the old key is configured (kept to decode old histories)."""
    _case(fresh_engine, "GK-2026-000001", ZHANG, **ANSWERED)
    with session_scope(fresh_engine) as s:
        conn = s.connection()
        record(conn, "GK-2026-000009", "SZ-GT", ZHANG, {**KEYS, "k2": b"\x02" * 32})
    assert check_repeat(fresh_engine, "GK-2026-000009", "SZ-GT", "GK-2026-000001")
