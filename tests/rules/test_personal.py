"""Personal data in free text (个人信息保护法 Art. 28) and what a reply draft of each outcome holds
(GIDR Arts. 36–39)."""

from __future__ import annotations

from rules.outcomes import SPECS, Outcome, ReplyContent, missing_content, plain_outcome
from rules.personal import mask_id_number, mask_personal, personal_left
from rules.reply_drafts import TEMPLATES, fields_for, template

MESSAGE = (
    "我是王秀英，住XX小区5号楼302，电话13900001111，座机010-12345678，"
    "身份证11010519491231002X，邮箱wang.xy@example.com，2026年12月7日起夜间施工。"
)


def test_pipl_art28_a_message_is_masked_before_it_is_published() -> None:
    masked = mask_personal(MESSAGE, ["王秀英"])
    for secret in ("王秀英", "13900001111", "12345678", "11010519491231002X", "wang.xy", "302"):
        assert secret not in masked, secret
    assert "王**" in masked and "139****1111" in masked and "1101**********002X" in masked
    assert "*号楼***" in masked
    assert "2026年12月7日" in masked  # dates are not personal data
    assert personal_left(masked, ["王秀英"]) == []
    assert personal_left(MESSAGE, ["王秀英"]) == ["id_number", "phone", "email", "name"]


def test_pipl_art28_only_real_identity_numbers_are_taken_for_one() -> None:
    # 18 digits failing the check character are not an identity number (an order number).
    assert personal_left("订单号110105194912310021", []) == []
    assert personal_left("身份证11010519491231002X", []) == ["id_number"]


def test_pipl_art6_an_identity_number_is_shown_masked() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("G1234567") == "******67"
    assert mask_id_number("") == ""


def test_art36_each_outcome_has_its_own_parts_and_wording() -> None:
    for outcome in Outcome:
        parts = fields_for(outcome)
        assert parts[0] == "facts" and parts[-1] == "legal_basis_text"
        assert set(SPECS[outcome].needs) <= set(parts), outcome
        assert set(template(outcome)) <= set(parts), outcome
    assert "access_method" in fields_for(Outcome.GRANTED)
    assert "access_method" not in fields_for(Outcome.REFUSED_STATE_SECRET)
    assert "responsible_agency_name" in fields_for(Outcome.UNABLE_NOT_HELD)
    # Every outcome an officer drafts starts from wording (the system's own two are never drafted).
    drafted = set(Outcome) - {Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_FEE_UNPAID}
    assert drafted <= set(TEMPLATES)


def test_art36_a_template_with_gaps_is_not_a_complete_reply() -> None:
    draft = ReplyContent(
        outcome=Outcome.REFUSED_LAW_FORBIDS, **template(Outcome.REFUSED_LAW_FORBIDS)
    )
    missing = missing_content(draft)
    assert any("禁止公开的法律" in m and "……" in m for m in missing)
    filled = draft.model_copy(
        update={"forbidding_law": "《中华人民共和国保守国家秘密法》第二十八条"}
    )
    assert missing_content(filled) == []


def test_a_decision_is_said_plainly() -> None:
    assert plain_outcome(Outcome.GRANTED) == "予以公开"
    assert plain_outcome(Outcome.REFUSED_STATE_SECRET) == "不予公开（属于国家秘密）"
