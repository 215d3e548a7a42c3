"""Reply outcomes of an on-request disclosure case (LAW.md §1.3): the national annual-report
categories (国办公开办函〔2021〕30号), the article each rests on, what the reply must contain,
and the remedy clause it must carry.

Pure data and checks: the workflow's validators call :func:`missing_content` before a draft may go
to review, and the reply letter is rendered from :func:`legal_basis` and :func:`remedy_clause`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from rules.limits import Brief, Long, Place, Short


class Outcome(StrEnum):
    GRANTED = "GRANTED"
    PARTIAL = "PARTIAL"
    REFUSED_STATE_SECRET = "REFUSED.state_secret"
    REFUSED_LAW_FORBIDS = "REFUSED.law_forbids"
    REFUSED_SECURITY_STABILITY = "REFUSED.security_stability"
    REFUSED_THIRD_PARTY = "REFUSED.third_party"
    REFUSED_INTERNAL_AFFAIRS = "REFUSED.internal_affairs"
    REFUSED_PROCESS_INFO = "REFUSED.process_info"
    REFUSED_ENFORCEMENT_FILE = "REFUSED.enforcement_file"
    REFUSED_ADMIN_QUERY = "REFUSED.admin_query"
    UNABLE_NOT_HELD = "UNABLE.not_held"
    UNABLE_NEEDS_CREATION = "UNABLE.needs_creation"
    UNABLE_STILL_UNCLEAR = "UNABLE.still_unclear"
    NOT_PROCESSED_PETITION = "NOT_PROCESSED.petition"
    NOT_PROCESSED_REPEAT = "NOT_PROCESSED.repeat"
    NOT_PROCESSED_PUBLICATION = "NOT_PROCESSED.publication"
    NOT_PROCESSED_EXCESSIVE = "NOT_PROCESSED.excessive"
    NOT_PROCESSED_CONFIRM_REISSUE = "NOT_PROCESSED.confirm_reissue"
    OTHER_NO_CORRECTION = "OTHER.no_correction"
    OTHER_FEE_UNPAID = "OTHER.fee_unpaid"
    OTHER_OTHER = "OTHER.other"

    @property
    def is_refusal(self) -> bool:
        return self.value.startswith("REFUSED.")


@dataclass(frozen=True)
class OutcomeSpec:
    category: str  # the annual-report row
    basis: tuple[str, ...]  # articles cited in the reply
    needs: tuple[str, ...]  # fields of ReplyContent that must be filled


_ACCESS = ("access_method", "access_place", "access_time")
GIDR = "《中华人民共和国政府信息公开条例》"
GAP = "……"  # what a reply template leaves for the officer to fill in (rules/reply_drafts.py)

SPECS: dict[Outcome, OutcomeSpec] = {
    Outcome.GRANTED: OutcomeSpec("（一）予以公开", ("第三十六条第（二）项",), _ACCESS),
    Outcome.PARTIAL: OutcomeSpec(
        "（二）部分公开", ("第三十七条",), (*_ACCESS, "withheld_reasons", "refusal_article")
    ),
    Outcome.REFUSED_STATE_SECRET: OutcomeSpec(
        "（三）不予公开 1.属于国家秘密", ("第十四条", "第三十六条第（三）项"), ("reasons",)
    ),
    Outcome.REFUSED_LAW_FORBIDS: OutcomeSpec(
        "（三）不予公开 2.其他法律行政法规禁止公开",
        ("第十四条", "第三十六条第（三）项"),
        ("reasons", "forbidding_law"),
    ),
    Outcome.REFUSED_SECURITY_STABILITY: OutcomeSpec(
        "（三）不予公开 3.危及“三安全一稳定”", ("第十四条", "第三十六条第（三）项"), ("reasons",)
    ),
    Outcome.REFUSED_THIRD_PARTY: OutcomeSpec(
        "（三）不予公开 4.保护第三方合法权益",
        ("第十五条", "第三十二条", "第三十六条第（三）项"),
        ("reasons", "third_party_consultation_note"),
    ),
    Outcome.REFUSED_INTERNAL_AFFAIRS: OutcomeSpec(
        "（三）不予公开 5.属于三类内部事务信息",
        ("第十六条第一款", "第三十六条第（三）项"),
        ("reasons",),
    ),
    Outcome.REFUSED_PROCESS_INFO: OutcomeSpec(
        "（三）不予公开 6.属于四类过程性信息",
        ("第十六条第二款", "第三十六条第（三）项"),
        ("reasons",),
    ),
    Outcome.REFUSED_ENFORCEMENT_FILE: OutcomeSpec(
        "（三）不予公开 7.属于行政执法案卷",
        ("第十六条第二款", "第三十六条第（三）项"),
        ("reasons",),
    ),
    Outcome.REFUSED_ADMIN_QUERY: OutcomeSpec(
        "（三）不予公开 8.属于行政查询事项",
        ("第三十六条第（七）项",),
        ("reasons", "special_procedure"),
    ),
    Outcome.UNABLE_NOT_HELD: OutcomeSpec(
        "（四）无法提供 1.本机关不掌握相关政府信息", ("第三十六条第（四）项",), ("reasons",)
    ),
    Outcome.UNABLE_NEEDS_CREATION: OutcomeSpec(
        "（四）无法提供 2.没有现成信息需要另行制作", ("第三十八条",), ("reasons",)
    ),
    Outcome.UNABLE_STILL_UNCLEAR: OutcomeSpec(
        "（四）无法提供 3.补正后申请内容仍不明确", ("第三十条",), ("reasons",)
    ),
    Outcome.NOT_PROCESSED_PETITION: OutcomeSpec(
        "（五）不予处理 1.信访举报投诉类申请", ("第三十九条第一款",), ("reasons", "proper_channel")
    ),
    Outcome.NOT_PROCESSED_REPEAT: OutcomeSpec(
        "（五）不予处理 2.重复申请",
        ("第三十六条第（六）项",),
        ("reasons", "previous_case", "repeated_information"),
    ),
    Outcome.NOT_PROCESSED_PUBLICATION: OutcomeSpec(
        "（五）不予处理 3.要求提供公开出版物", ("第三十九条第二款",), ("reasons", "access_place")
    ),
    Outcome.NOT_PROCESSED_EXCESSIVE: OutcomeSpec(
        "（五）不予处理 4.无正当理由大量反复申请", ("第三十五条",), ("reasons",)
    ),
    # No article of the GIDR names this row (LAW.md §1.3: "practice"): the officer cites it.
    Outcome.NOT_PROCESSED_CONFIRM_REISSUE: OutcomeSpec(
        "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        (),
        ("reasons", "legal_basis_text"),
    ),
    Outcome.OTHER_NO_CORRECTION: OutcomeSpec(
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ("第三十条",),
        (),
    ),
    Outcome.OTHER_FEE_UNPAID: OutcomeSpec(
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ("第四十二条",),
        (),
    ),
    Outcome.OTHER_OTHER: OutcomeSpec("（六）其他处理 3.其他", (), ("reasons", "legal_basis_text")),
}

FIELD_LABELS = {
    "facts": "检索情况及所需信息",
    "access_method": "获取信息的方式（条例第三十六条第（二）项）",
    "access_place": "获取信息的途径或地点",
    "access_time": "获取信息的时间",
    "withheld_reasons": "不予公开部分的理由（条例第三十七条）",
    "refusal_article": "不予公开部分所依据的条款",
    "reasons": "理由（条例第三十六条要求说明理由）",
    "forbidding_law": "禁止公开的法律、行政法规名称及条款",
    "third_party_consultation_note": "征求第三方意见的情况（条例第三十二条）",
    "special_procedure": "应当依照的有关法律、行政法规规定的办理途径",
    "proper_channel": "应当通过的渠道（如信访、投诉举报渠道）",
    "previous_case": "此前已作答复的案件编号",
    "repeated_information": "重复申请的信息（与此前已答复的申请相同的内容）",
    "responsible_agency_name": "负责公开该政府信息的行政机关名称（条例第三十六条第（五）项）",
    "responsible_agency_contact": "该行政机关的联系方式（条例第三十六条第（五）项）",
    "legal_basis_text": "法律依据（写明所依据的法律、法规名称及条款）",
}


class ReplyContent(BaseModel):
    """The substance of a reply (答复书) drafted by the business unit (拟办)."""

    outcome: Outcome
    facts: Long = Field(default="", description="the information requested and what was found")
    reasons: Long = ""
    access_method: Place = ""
    access_place: Place = ""
    access_time: Place = ""
    withheld_reasons: Long = ""
    refusal_article: Place = ""
    forbidding_law: Place = ""
    third_party_consultation_note: Long = ""
    special_procedure: Brief = ""
    proper_channel: Brief = ""
    previous_case: Short = ""
    # Art. 36(6): which information of this request repeats the one already answered.
    repeated_information: Brief = ""
    # Art. 36(5): the information is not this agency's to disclose
    not_this_agency: bool = False
    responsible_agency_name: Place = ""
    responsible_agency_contact: Place = ""
    responsible_agency_unknown: bool = False
    # GRANTED: the information was already proactively disclosed (Art. 36(1)) rather than
    # disclosed now (Art. 36(2)).
    already_public: bool = False
    # The articles the officer relies on where the statute names none (confirm/reissue, other),
    # and any further basis for other outcomes; printed after the outcome's own articles.
    legal_basis_text: Brief = ""


def plain_outcome(outcome: Outcome) -> str:
    """The outcome as a letter or a message says it (the annual report's numbering dropped):
    "（三）不予公开 1.属于国家秘密" → "不予公开（属于国家秘密）"."""
    category = SPECS[outcome].category.split("）", 1)[-1]
    head, _, detail = category.partition(" ")
    return f"{head}（{detail.split('.', 1)[-1]}）" if detail else head


# Fields added to ReplyContent after drafts were fingerprinted (issue 24).
_ADDED_LATER = ("repeated_information",)


def reply_digest(reply: ReplyContent) -> str:
    """The fingerprint of a draft reply (SHA-256 of its content, canonical JSON): recorded with
    the review and the sign-off, so the reply issued is the one they read."""
    content = reply.model_dump(mode="json")
    for name in _ADDED_LATER:  # absent when empty: drafts read before they existed keep theirs
        if not content.get(name):
            content.pop(name, None)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def missing_content(reply: ReplyContent) -> list[str]:
    """What the law requires in this reply and the draft lacks (empty when complete)."""
    spec = SPECS[reply.outcome]
    missing = [FIELD_LABELS[f] for f in spec.needs if not str(getattr(reply, f)).strip()]
    missing += [
        f"{FIELD_LABELS.get(name, name)}中待填写的“{GAP}”"
        for name, value in reply.model_dump().items()
        if isinstance(value, str) and GAP in value
    ]
    if reply.not_this_agency:
        if reply.outcome is not Outcome.UNABLE_NOT_HELD:
            missing.append(
                "“非本机关负责公开”只能以“无法提供—本机关不掌握”答复（条例第三十六条第（五）项）"
            )
        if not reply.responsible_agency_unknown:
            for f in ("responsible_agency_name", "responsible_agency_contact"):
                if not getattr(reply, f).strip():
                    missing.append(FIELD_LABELS[f])
    return missing


def legal_basis(reply: ReplyContent) -> list[str]:
    """The articles the reply letter cites: the outcome's own, then the officer's. Never empty
    for a complete draft (:func:`missing_content` asks for ``legal_basis_text`` where the
    statute names no article)."""
    articles = list(SPECS[reply.outcome].basis)
    if reply.outcome is Outcome.GRANTED and reply.already_public:
        articles = ["第三十六条第（一）项"]
    if reply.not_this_agency:
        articles = ["第三十六条第（五）项"]
    cited = [f"{GIDR}{a}" for a in articles]
    if reply.legal_basis_text.strip():
        cited.append(reply.legal_basis_text.strip())
    return cited


def remedy_clause(
    outcome: Outcome,
    reply_date: date,
    organ: str,
    court: str,
    reconsideration_days: int,
    litigation_months: int,
    reconsideration_first_since: date | None,
    document: str = "本答复",
) -> str:
    """The remedy notice (行政复议法 2023 Art. 23(1)(4): a refusal to disclose goes to
    reconsideration first since 2024-01-01, and so does the withheld part of a partial
    disclosure); omitting it would extend the applicant's windows to a year (A11). ``document``:
    the letter that carries it (a closing notice says 本告知书)."""
    first = reconsideration_first_since is not None and reply_date >= reconsideration_first_since
    either = (
        f"可以自收到{document}之日起{reconsideration_days}日内向{organ}申请行政复议，"
        f"或者自收到{document}之日起{litigation_months}个月内向{court}提起行政诉讼"
    )
    if outcome.is_refusal and first:
        return (
            f"如对{document}不服，可以自收到{document}之日起{reconsideration_days}日内向{organ}申请"
            "行政复议；依照《中华人民共和国行政复议法》第二十三条的规定，对不予公开决定应当先申请"
            "行政复议，对行政复议决定不服的，可以依法向人民法院提起行政诉讼。"
        )
    if outcome is Outcome.PARTIAL and first:
        return (
            f"如对{document}不服：对其中不予公开的部分，依照《中华人民共和国行政复议法》第二十三条的"
            f"规定，应当先自收到{document}之日起{reconsideration_days}日内向{organ}申请行政复议，"
            "对行政复议决定不服的，可以依法向人民法院提起行政诉讼；对其他部分，"
            f"{either}。"
        )
    return f"如对{document}不服，{either}。"
