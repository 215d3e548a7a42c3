"""Every reply outcome of LAW.md §1.3: its annual-report category, legal basis, required
content, and the remedy clause the reply letter must carry."""

from __future__ import annotations

from datetime import date

import pytest

from activities.cases import render
from rules.outcomes import (
    FIELD_LABELS,
    SPECS,
    Outcome,
    ReplyContent,
    legal_basis,
    missing_content,
    remedy_clause,
)


def complete(outcome: Outcome) -> ReplyContent:
    values = {f: f"（{FIELD_LABELS[f]}）" for f in SPECS[outcome].needs}
    return ReplyContent(outcome=outcome, facts="经检索。", **values)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_each_outcome_requires_its_content(outcome: Outcome) -> None:
    assert missing_content(complete(outcome)) == []
    for field in SPECS[outcome].needs:
        draft = complete(outcome).model_copy(update={field: ""})
        assert FIELD_LABELS[field] in missing_content(draft)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_each_outcome_has_an_annual_report_category(outcome: Outcome) -> None:
    category = SPECS[outcome].category
    assert category.startswith(("（一）", "（二）", "（三）", "（四）", "（五）", "（六）"))
    if outcome.is_refusal:
        assert category.startswith("（三）不予公开")


@pytest.mark.parametrize(
    ("outcome", "article"),
    [
        (Outcome.REFUSED_STATE_SECRET, "第十四条"),
        (Outcome.REFUSED_THIRD_PARTY, "第十五条"),
        (Outcome.REFUSED_INTERNAL_AFFAIRS, "第十六条第一款"),
        (Outcome.REFUSED_PROCESS_INFO, "第十六条第二款"),
        (Outcome.PARTIAL, "第三十七条"),
        (Outcome.UNABLE_NEEDS_CREATION, "第三十八条"),
        (Outcome.NOT_PROCESSED_EXCESSIVE, "第三十五条"),
    ],
)
def test_legal_basis_cites_the_article(outcome: Outcome, article: str) -> None:
    assert any(article in b for b in legal_basis(complete(outcome)))


def test_refusal_without_reasons_is_incomplete() -> None:
    missing = missing_content(ReplyContent(outcome=Outcome.REFUSED_STATE_SECRET))
    assert missing == ["理由（条例第三十六条要求说明理由）"]


def test_art36_5_not_this_agency_needs_the_responsible_agency() -> None:
    draft = ReplyContent(
        outcome=Outcome.UNABLE_NOT_HELD, reasons="不属于本机关职责", not_this_agency=True
    )
    assert len(missing_content(draft)) == 2
    named = draft.model_copy(
        update={
            "responsible_agency_name": "某市市场监督管理局",
            "responsible_agency_contact": "0755-12345678",
        }
    )
    assert missing_content(named) == []
    unknown = draft.model_copy(update={"responsible_agency_unknown": True})
    assert missing_content(unknown) == []
    assert legal_basis(named) == ["《中华人民共和国政府信息公开条例》第三十六条第（五）项"]
    wrong = named.model_copy(update={"outcome": Outcome.REFUSED_STATE_SECRET, "reasons": "x"})
    assert any("只能以" in m for m in missing_content(wrong))


def test_refusals_since_2024_require_reconsideration_first() -> None:
    clause = remedy_clause(
        Outcome.REFUSED_PROCESS_INFO,
        date(2026, 3, 1),
        "某市人民政府",
        "某区人民法院",
        60,
        6,
        date(2024, 1, 1),
    )
    assert "应当先申请行政复议" in clause and "某市人民政府" in clause and "60日" in clause
    old = remedy_clause(
        Outcome.REFUSED_PROCESS_INFO,
        date(2023, 12, 31),
        "某市人民政府",
        "某区人民法院",
        60,
        6,
        date(2024, 1, 1),
    )
    assert "6个月内向某区人民法院提起行政诉讼" in old


def test_other_outcomes_offer_reconsideration_or_litigation() -> None:
    clause = remedy_clause(
        Outcome.GRANTED, date(2026, 3, 1), "某市人民政府", "某区人民法院", 60, 6, date(2024, 1, 1)
    )
    assert "60日内向某市人民政府申请行政复议" in clause
    assert "6个月内向某区人民法院提起行政诉讼" in clause


def test_reply_letter_carries_basis_and_remedy() -> None:
    reply = complete(Outcome.REFUSED_THIRD_PARTY)
    html = render(
        "reply",
        {
            "case_no": "GK-2026-000001",
            "agency": {"name": "某市规划和自然资源局"},
            "issued_on": "2026-10-19",
            "applicant_name": "张三",
            "t0": "2026-09-15",
            "description": "某文件",
            "reply": reply.model_dump(),
            "category": SPECS[reply.outcome].category,
            "legal_basis": legal_basis(reply),
            "remedy": remedy_clause(
                reply.outcome,
                date(2026, 10, 19),
                "某市人民政府",
                "某区人民法院",
                60,
                6,
                date(2024, 1, 1),
            ),
        },
    )
    assert "政府信息公开申请答复书" in html and "GK-2026-000001" in html
    assert "第十五条" in html and "第三十二条" in html
    assert "应当先申请行政复议" in html
    assert "征求第三方意见情况" in html


@pytest.mark.parametrize("outcome", [Outcome.NOT_PROCESSED_CONFIRM_REISSUE, Outcome.OTHER_OTHER])
def test_art36_outcomes_without_a_statutory_article_need_the_officers_basis(
    outcome: Outcome,
) -> None:
    draft = ReplyContent(outcome=outcome, reasons="……")
    assert FIELD_LABELS["legal_basis_text"] in missing_content(draft)
    cited = legal_basis(draft.model_copy(update={"legal_basis_text": "《某法》第十条"}))
    assert cited == ["《某法》第十条"]


def test_art36_granted_cites_1_when_already_public_and_2_otherwise() -> None:
    granted = complete(Outcome.GRANTED)
    assert legal_basis(granted) == ["《中华人民共和国政府信息公开条例》第三十六条第（二）项"]
    public = granted.model_copy(update={"already_public": True})
    assert legal_basis(public) == ["《中华人民共和国政府信息公开条例》第三十六条第（一）项"]


def test_art37_partial_disclosure_sends_the_withheld_part_to_reconsideration_first() -> None:
    clause = remedy_clause(
        Outcome.PARTIAL, date(2026, 3, 1), "某市人民政府", "某区人民法院", 60, 6, date(2024, 1, 1)
    )
    withheld, rest = clause.split("对其他部分")
    assert "不予公开的部分" in withheld and "应当先" in withheld and "第二十三条" in withheld
    assert "6个月内向某区人民法院提起行政诉讼" in rest
    before = remedy_clause(
        Outcome.PARTIAL, date(2023, 3, 1), "某市人民政府", "某区人民法院", 60, 6, date(2024, 1, 1)
    )
    assert "应当先" not in before


def test_gidr2008_litigation_period_follows_the_law_on_the_reply_date() -> None:
    from rules.packs import load_packs

    (legacy,) = [p for p in load_packs() if p.id == "cn-national-2008"]
    assert legacy.disclosure is not None
    assert legacy.disclosure.remedy_litigation_on(date(2015, 4, 30)).amount == 3
    assert "1989" in legacy.disclosure.remedy_litigation_on(date(2015, 4, 30)).basis
    assert legacy.disclosure.remedy_litigation_on(date(2015, 5, 1)).amount == 6
