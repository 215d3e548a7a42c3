"""Drafting a reply (答复书) by its outcome: which parts of :class:`ReplyContent` the chosen
outcome uses, and the wording an office starts from for each (GIDR Arts. 36–39; LAW.md §1.3).

The templates leave "……" where only the officer knows the facts; a draft that still holds one
is not complete (rules/outcomes.py ``missing_content``), so no letter goes out with a gap in it.
"""

from __future__ import annotations

from rules.outcomes import GAP, SPECS, Outcome

_ACCESS = ("access_method", "access_place", "access_time")
_AGENCY = (
    "not_this_agency",
    "responsible_agency_name",
    "responsible_agency_contact",
    "responsible_agency_unknown",
)
# Parts an outcome may use beyond what it must contain (SPECS[...].needs).
_OPTIONAL: dict[Outcome, tuple[str, ...]] = {
    Outcome.GRANTED: ("already_public",),
    Outcome.PARTIAL: ("third_party_consultation_note",),
    Outcome.UNABLE_NOT_HELD: _AGENCY,
}

_REFUSED = "经审查，您申请获取的政府信息"
_PLATFORM = "政府信息公开平台查询页面（凭查询号、查询码下载），或本机关政府信息公开工作机构"
TEMPLATES: dict[Outcome, dict[str, str]] = {
    Outcome.GRANTED: {
        "facts": f"经检索，本机关保有您申请获取的政府信息（{GAP}）。",
        "access_method": "提供电子文档",
        "access_place": _PLATFORM,
        "access_time": "自本答复书送达之日起",
    },
    Outcome.PARTIAL: {
        "facts": f"经检索，本机关保有您申请获取的政府信息（{GAP}）。",
        "access_method": "提供电子文档（不予公开的部分已作区分处理）",
        "access_place": _PLATFORM,
        "access_time": "自本答复书送达之日起",
        "withheld_reasons": (
            f"其中{GAP}部分涉及{GAP}，公开后可能{GAP}，依法不予公开；其余部分予以公开。"
        ),
        "refusal_article": "《中华人民共和国政府信息公开条例》第十五条、第三十七条",
    },
    Outcome.REFUSED_STATE_SECRET: {"reasons": f"{_REFUSED}属于国家秘密，依法不予公开。"},
    Outcome.REFUSED_LAW_FORBIDS: {
        "reasons": f"{_REFUSED}属于法律、行政法规禁止公开的政府信息。",
        "forbidding_law": f"《{GAP}》第{GAP}条",
    },
    Outcome.REFUSED_SECURITY_STABILITY: {
        "reasons": f"{_REFUSED}公开后可能危及国家安全、公共安全、经济安全、社会稳定（{GAP}）。",
    },
    Outcome.REFUSED_THIRD_PARTY: {
        "reasons": f"{_REFUSED}涉及第三方的{GAP}（商业秘密、个人隐私），公开会损害第三方合法权益。",
        "third_party_consultation_note": (
            f"本机关于{GAP}书面征求第三方意见，第三方{GAP}（不同意公开及其理由，或逾期未提出意见）。"
        ),
    },
    Outcome.REFUSED_INTERNAL_AFFAIRS: {
        "reasons": (
            f"{_REFUSED}属于本机关的{GAP}（人事管理、后勤管理、内部工作流程）等内部事务信息。"
        ),
    },
    Outcome.REFUSED_PROCESS_INFO: {
        "reasons": (
            f"{_REFUSED}属于本机关在履行行政管理职能过程中形成的{GAP}"
            "（讨论记录、过程稿、磋商信函、请示报告）等过程性信息。"
        ),
    },
    Outcome.REFUSED_ENFORCEMENT_FILE: {"reasons": f"{_REFUSED}属于行政执法案卷信息（{GAP}）。"},
    Outcome.REFUSED_ADMIN_QUERY: {
        "reasons": f"您申请获取的信息属于{GAP}，有关法律、行政法规对该类信息的获取有特别规定。",
        "special_procedure": f"请依照《{GAP}》的规定，向{GAP}申请查询。",
    },
    Outcome.UNABLE_NOT_HELD: {
        "facts": "经检索，本机关未制作、获取过您申请获取的政府信息。",
        "reasons": "您申请获取的政府信息本机关不掌握，该政府信息不存在。",
    },
    Outcome.UNABLE_NEEDS_CREATION: {
        "reasons": (
            f"您申请获取的信息需要本机关对现有政府信息进行加工、分析（{GAP}），本机关不予提供。"
        ),
    },
    Outcome.UNABLE_STILL_UNCLEAR: {
        "reasons": f"您补正后的申请内容仍不明确（{GAP}），本机关无法确定您所需的政府信息。",
    },
    Outcome.NOT_PROCESSED_PETITION: {
        "reasons": "您提出的申请实为信访、投诉、举报事项，不属于政府信息公开申请。",
        "proper_channel": f"请通过{GAP}（信访、投诉举报渠道）提出。",
    },
    Outcome.NOT_PROCESSED_REPEAT: {
        "reasons": "您已就同一政府信息提出过申请，本机关已经作出答复，您再次重复申请。",
        "repeated_information": GAP,
    },
    Outcome.NOT_PROCESSED_PUBLICATION: {
        "reasons": "您申请获取的是公开出版物，不属于政府信息公开申请的内容。",
        "access_place": f"可在{GAP}（公共图书馆、新华书店等）获取。",
    },
    Outcome.NOT_PROCESSED_EXCESSIVE: {
        "reasons": "您的申请数量、频次明显超过合理范围，经要求说明理由，您说明的理由不合理。",
    },
    Outcome.NOT_PROCESSED_CONFIRM_REISSUE: {
        "reasons": "您要求本机关确认或者重新出具已获取的信息，不属于政府信息公开申请的内容。",
        "legal_basis_text": f"《{GAP}》第{GAP}条",
    },
    Outcome.OTHER_OTHER: {"reasons": GAP, "legal_basis_text": f"《{GAP}》第{GAP}条"},
}


def fields_for(outcome: Outcome) -> list[str]:
    """The parts of the reply this outcome uses, in the order the letter reads them: the facts,
    what the outcome must contain, what it may contain, then any further legal basis."""
    needs = SPECS[outcome].needs
    optional = _OPTIONAL.get(outcome, ())
    middle = [f for f in (*needs, *optional) if f not in ("facts", "legal_basis_text")]
    return ["facts", *dict.fromkeys(middle), "legal_basis_text"]


def template(outcome: Outcome) -> dict[str, str]:
    """The wording to start from for this outcome (by field)."""
    return dict(TEMPLATES.get(outcome, {}))
