"""The annual report of on-request disclosure (依申请公开), GIDR Arts. 49–50: part 三
“收到和处理政府信息公开申请情况” of the national format (国办公开办函〔2021〕30号).

Computed from the read model only (the ``case`` table; no Temporal call). A case belongs to a
report year by two dates, both in Asia/Shanghai:

- ``t0``, the day the application counts as received (收到申请之日, Art. 31): it is 本年新收 in
  the year of its T0;
- ``concluded_on``, the day the reply was signed off, or the case was closed without one (deemed
  abandoned under Art. 30, processing stopped for an unpaid fee, withdrawn): it is counted under
  its outcome in that year.

A case received before the year and not concluded before it is 上年结转; a case received by the
end of the year and not concluded in it is 结转下年度继续办理. So every report balances:
本年新收 + 上年结转 = 总计 + 结转下年度.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from rules.outcomes import Outcome
from schemas.disclosure import APPLICANT_TYPE_ZH, ApplicantType, Status
from schemas.registry import DISCLOSURE
from store.cases import get_agency
from store.models import CaseRow

FORMAT = "国办公开办函〔2021〕30号"
# The categories rest on GIDR 2019 (Decree 711, in force 2019-05-15); no earlier year is reported.
FIRST_YEAR = 2019
# The applicant's type (part 三's columns): 自然人, the five kinds of 法人或其他组织, then 总计. A
# case projected before the type was kept counts as 自然人 (the applicants' default).
TYPES = tuple(ApplicantType)
COLUMNS = (*(APPLICANT_TYPE_ZH[t] for t in TYPES), "总计")


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str  # the words of the 30号 table
    level: int  # 0 part, 1 category (（一）…), 2 ground (1.…)
    counted: bool = True  # False: a heading without a figure of its own


ROWS: tuple[RowSpec, ...] = (
    RowSpec("received", "一、本年新收政府信息公开申请数量", 0),
    RowSpec("carried_over", "二、上年结转政府信息公开申请数量", 0),
    RowSpec("results", "三、本年度办理结果", 0, counted=False),
    RowSpec("granted", "（一）予以公开", 1),
    RowSpec("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 1),
    RowSpec("refused", "（三）不予公开", 1, counted=False),
    RowSpec("refused.state_secret", "1.属于国家秘密", 2),
    RowSpec("refused.law_forbids", "2.其他法律行政法规禁止公开", 2),
    RowSpec("refused.security_stability", "3.危及“三安全一稳定”", 2),
    RowSpec("refused.third_party", "4.保护第三方合法权益", 2),
    RowSpec("refused.internal_affairs", "5.属于三类内部事务信息", 2),
    RowSpec("refused.process_info", "6.属于四类过程性信息", 2),
    RowSpec("refused.enforcement_file", "7.属于行政执法案卷", 2),
    RowSpec("refused.admin_query", "8.属于行政查询事项", 2),
    RowSpec("unable", "（四）无法提供", 1, counted=False),
    RowSpec("unable.not_held", "1.本机关不掌握相关政府信息", 2),
    RowSpec("unable.needs_creation", "2.没有现成信息需要另行制作", 2),
    RowSpec("unable.still_unclear", "3.补正后申请内容仍不明确", 2),
    RowSpec("not_processed", "（五）不予处理", 1, counted=False),
    RowSpec("not_processed.petition", "1.信访举报投诉类申请", 2),
    RowSpec("not_processed.repeat", "2.重复申请", 2),
    RowSpec("not_processed.publication", "3.要求提供公开出版物", 2),
    RowSpec("not_processed.excessive", "4.无正当理由大量反复申请", 2),
    RowSpec("not_processed.confirm_reissue", "5.要求行政机关确认或重新出具已获取信息", 2),
    RowSpec("other", "（六）其他处理", 1, counted=False),
    RowSpec(
        "other.no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        2,
    ),
    RowSpec(
        "other.fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        2,
    ),
    RowSpec("other.other", "3.其他", 2),
    RowSpec("total", "（七）总计", 1),
    RowSpec("carried_forward", "四、结转下年度继续办理", 0),
)

# Every outcome code is counted in exactly one row (tests/store/test_report.py fails when a new
# code has none).
ROW_OF_OUTCOME: dict[Outcome, str] = {
    Outcome.GRANTED: "granted",
    Outcome.PARTIAL: "partial",
    Outcome.REFUSED_STATE_SECRET: "refused.state_secret",
    Outcome.REFUSED_LAW_FORBIDS: "refused.law_forbids",
    Outcome.REFUSED_SECURITY_STABILITY: "refused.security_stability",
    Outcome.REFUSED_THIRD_PARTY: "refused.third_party",
    Outcome.REFUSED_INTERNAL_AFFAIRS: "refused.internal_affairs",
    Outcome.REFUSED_PROCESS_INFO: "refused.process_info",
    Outcome.REFUSED_ENFORCEMENT_FILE: "refused.enforcement_file",
    Outcome.REFUSED_ADMIN_QUERY: "refused.admin_query",
    Outcome.UNABLE_NOT_HELD: "unable.not_held",
    Outcome.UNABLE_NEEDS_CREATION: "unable.needs_creation",
    Outcome.UNABLE_STILL_UNCLEAR: "unable.still_unclear",
    Outcome.NOT_PROCESSED_PETITION: "not_processed.petition",
    Outcome.NOT_PROCESSED_REPEAT: "not_processed.repeat",
    Outcome.NOT_PROCESSED_PUBLICATION: "not_processed.publication",
    Outcome.NOT_PROCESSED_EXCESSIVE: "not_processed.excessive",
    Outcome.NOT_PROCESSED_CONFIRM_REISSUE: "not_processed.confirm_reissue",
    Outcome.OTHER_NO_CORRECTION: "other.no_correction",
    Outcome.OTHER_FEE_UNPAID: "other.fee_unpaid",
    Outcome.OTHER_OTHER: "other.other",
}
# A withdrawn application has no reply; like most published reports we count it as 其他处理.
WITHDRAWN_ROW = "other.other"
# A case is concluded in the year it reached one of its kind's closed statuses (the registry's).
CONCLUDED = DISCLOSURE.closed

NOTE_COLUMNS = (
    "按申请人类型分列：自然人；法人或其他组织（商业企业、科研机构、社会公益组织、法律服务机构、"
    "其他）。申请人类型登记前已有的案件计入自然人。"
)
NOTE_MEMBERSHIP = (
    "按收到申请之日（T0，北京时间）计入“本年新收”，按签发答复之日（或视为放弃申请、不再处理、"
    "撤回之日）计入本年度办理结果；尚未确认收到（没有T0）的申请不计入。"
)
NOTE_WITHDRAWN = "申请人撤回申请的，计入“（六）其他处理 3.其他”。"


class ReportError(ValueError):
    """The report cannot be produced as asked (the message says why and what to do)."""


class UnknownAgency(ReportError):
    pass


class ReportLine(BaseModel):
    key: str
    label: str
    level: int
    count: int | None = Field(description="null for a heading without a figure of its own")
    by_type: list[int] = Field(
        default_factory=list, description="the count per applicant type, in the columns' order"
    )
    cases: list[str] = Field(default_factory=list, description="the case numbers counted")


class AnnualReport(BaseModel):
    """Part 三 of the annual GI report of one agency for one year."""

    year: int
    agency: str
    agency_name: str
    format: str = FORMAT
    as_of: date
    year_complete: bool
    columns: list[str] = Field(default_factory=lambda: list(COLUMNS))
    lines: list[ReportLine]
    notes: list[str]

    def count(self, key: str) -> int:
        for line in self.lines:
            if line.key == key:
                return line.count or 0
        raise KeyError(key)


def check_year(year: int, as_of: date) -> None:
    if year < FIRST_YEAR:
        raise ReportError(
            f"没有{year}年的年度报告：报告依照2019年修订的《政府信息公开条例》（2019-05-15施行），"
            f"最早为{FIRST_YEAR}年（the first year is {FIRST_YEAR}）。"
        )
    if year > as_of.year:
        raise ReportError(
            f"没有{year}年的年度报告：该年尚未开始（今天是{as_of}）；查看今年至今的情况请选择"
            f"{as_of.year}年（the year has not begun）。"
        )


def compute(
    cases: Iterable[CaseRow], year: int, agency: str, agency_name: str, as_of: date
) -> AnnualReport:
    """The report from case rows (disclosure cases of the agency; others are ignored)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    counted: dict[str, list[str]] = {r.key: [] for r in ROWS if r.counted}
    undated: list[str] = []
    column: dict[str, int] = {}
    for c in sorted(cases, key=lambda c: c.case_no):
        kind = c.applicant_type if c.applicant_type in set(ApplicantType) else "person"
        column[c.case_no] = TYPES.index(ApplicantType(kind))
        if c.kind != DISCLOSURE.kind or c.agency != agency or c.t0 is None or c.t0 > end:
            continue
        concluded = c.concluded_on
        if concluded is None and c.status in CONCLUDED:
            undated.append(c.case_no)  # counted as still open: see the note
        if concluded is not None and concluded < start:
            continue
        counted["received" if c.t0 >= start else "carried_over"].append(c.case_no)
        if concluded is None or concluded > end:
            counted["carried_forward"].append(c.case_no)
            continue
        counted[_row_of(c)].append(c.case_no)
        counted["total"].append(c.case_no)
    notes = [NOTE_COLUMNS, NOTE_MEMBERSHIP, NOTE_WITHDRAWN]
    if as_of <= end:
        notes.append(
            f"{year}年度尚未结束：统计截至{as_of}，“结转下年度继续办理”为截至该日仍在办理的申请。"
        )
    if undated:
        notes.append(
            "以下案件已办结但读模型中没有办结日期，按仍在办理统计，请核对："
            + "、".join(undated)
            + "。"
        )
    return AnnualReport(
        year=year,
        agency=agency,
        agency_name=agency_name,
        as_of=as_of,
        year_complete=as_of > end,
        lines=[
            ReportLine(
                key=r.key,
                label=r.label,
                level=r.level,
                count=len(counted[r.key]) if r.counted else None,
                by_type=[
                    sum(1 for n in counted[r.key] if column.get(n) == i) for i in range(len(TYPES))
                ]
                if r.counted
                else [],
                cases=counted[r.key] if r.counted else [],
            )
            for r in ROWS
        ],
        notes=notes,
    )


def _row_of(c: CaseRow) -> str:
    if c.outcome is not None:
        try:
            return ROW_OF_OUTCOME[Outcome(c.outcome)]
        except ValueError as exc:
            raise ReportError(
                f"案件{c.case_no}的处理结果“{c.outcome}”不是已知的结果代码；请先更正该案件再生成报告。"
            ) from exc
    if c.status == Status.WITHDRAWN:
        return WITHDRAWN_ROW
    raise ReportError(
        f"案件{c.case_no}已办结（{c.status}）但没有处理结果；请先更正该案件再生成报告。"
    )


def annual_report(engine: Engine, agency: str, year: int, as_of: date) -> AnnualReport:
    """The report of ``agency`` for ``year`` as of the day ``as_of`` (Asia/Shanghai)."""
    check_year(year, as_of)
    found = get_agency(engine, agency)
    if found is None:
        raise UnknownAgency(
            f"没有机关代码“{agency}”（Unknown agency {agency!r}）：请使用已有机关的代码。"
        )
    start, end = date(year, 1, 1), date(year, 12, 31)
    q = select(CaseRow).where(
        CaseRow.kind == DISCLOSURE.kind,
        CaseRow.agency == agency,
        col(CaseRow.t0).is_not(None),
        col(CaseRow.t0) <= end,
        or_(col(CaseRow.concluded_on).is_(None), col(CaseRow.concluded_on) >= start),
    )
    with Session(engine) as s:
        rows = list(s.exec(q).all())
    return compute(rows, year, agency, found.name, as_of)


def excel_csv(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV that Excel and WPS open as they are: CRLF line ends, UTF-8 with a byte-order
    mark (without it they read the Chinese as another encoding)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + out.getvalue()


def to_csv(report: AnnualReport) -> str:
    """The table as CSV: a header row, then one row per line of the 30号 table (headings with an
    empty figure)."""
    rows: list[Sequence[object]] = [["key", "项目", *report.columns]]
    for line in report.lines:
        figures: list[int | str] = (
            [*line.by_type, line.count] if line.count is not None else [""] * len(report.columns)
        )
        rows.append([line.key, line.label, *figures])
    return excel_csv(rows)


def column_groups(report: AnnualReport) -> list[list[str]]:
    """Part 三's column headings as the 30号 table groups them, one cell per column: 申请人情况
    over all; 自然人, 法人或其他组织 (over its five kinds), 总计; then each column."""
    cols = report.columns
    return [
        ["申请人情况"] * len(cols),
        [cols[0], *(["法人或其他组织"] * (len(cols) - 2)), cols[-1]],
        list(cols),
    ]


def to_text(report: AnnualReport) -> str:
    """Part 三 for a terminal: the column groups, then each line with its figures by applicant
    type (tab-separated: pasted into a spreadsheet it keeps its columns)."""
    head = (
        f"{report.agency_name}（{report.agency}）{report.year}年 依申请公开情况，截至{report.as_of}"
    )
    rows = [head]
    for n, group in enumerate(column_groups(report)):
        merged = [c if i == 0 or c != group[i - 1] else "" for i, c in enumerate(group)]
        rows.append("\t".join(["项目" if n == 2 else "", *merged]).rstrip("\t"))
    for line in report.lines:
        figures = [str(x) for x in (*line.by_type, line.count)] if line.count is not None else []
        rows.append("\t".join([f"{'  ' * line.level}{line.label}", *figures]))
    rows += [f"注：{n}" for n in report.notes]
    return "\n".join(rows) + "\n"
