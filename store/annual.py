"""The whole annual report (GIDR Arts. 49-50; 国办公开办函〔2021〕30号), six parts:

一 总体情况 and 五 存在的主要问题及改进情况 and 六 其他需要报告的事项: written by the supervisor
(``AnnualReportText``); part 六 also states the information-processing fees collected (国办函
〔2020〕109号), summed from the fees paid in the year.
二 主动公开政府信息情况: from the catalogue — 行政规范性文件 made (first published), repealed
(withdrawn) in the year and in force at its end; licensing and enforcement decisions published in
the year; 行政事业性收费 as the supervisor states it (万元).
三 收到和处理政府信息公开申请情况: store/report.py, by applicant type.
四 政府信息公开行政复议、行政诉讼情况: from the remedies recorded on cases — filed in the year,
by their latest result (维持 / 纠正 / 其他 / 尚未审结).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from schemas.proactive import Category
from store.db import session_scope
from store.models import (
    AnnualReportText,
    CaseEventRow,
    CaseRow,
    CatalogueEntry,
    RemedyRecord,
)
from store.report import FIRST_YEAR, AnnualReport, annual_report

PROCEEDINGS = {
    "reconsideration": "行政复议",
    "litigation": "行政诉讼（未经复议直接起诉）",
    "litigation_after_reconsideration": "行政诉讼（复议后起诉）",
}
RESULTS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
}
REMEDY_COLUMNS = [*RESULTS.values(), "总计"]


class ProactiveFigures(BaseModel):
    """Part 二 (第二十条 items (一), (五), (六), (八))."""

    normative_made: int
    normative_repealed: int
    normative_in_force: int
    licensing_decisions: int
    enforcement_decisions: int
    admin_fees_wan: str


class FullReport(BaseModel):
    year: int
    agency: str
    agency_name: str
    overview: str
    proactive: ProactiveFigures
    requests: AnnualReport
    remedies: dict[str, list[int]] = Field(description="proceeding → counts by RESULTS, total")
    problems: str
    other: str
    fees_collected_yuan: int
    signed_by: str | None = None
    signed_at: datetime | None = None
    notes: list[str]


def _within(day: date | None, year: int) -> bool:
    return day is not None and day.year == year


def _local(moment: datetime | None) -> date | None:
    from rules.calendar import SHANGHAI

    return moment.astimezone(SHANGHAI).date() if moment is not None else None


def full_report(engine: Engine, agency: str, year: int, as_of: date) -> FullReport:
    requests = annual_report(engine, agency, year, as_of)
    with Session(engine) as s:
        text = s.get(AnnualReportText, (agency, year)) or AnnualReportText(agency=agency, year=year)
        entries = list(s.exec(select(CatalogueEntry).where(CatalogueEntry.agency == agency)))
        remedies = list(s.exec(select(RemedyRecord).where(RemedyRecord.agency == agency)))
        fee_events = list(
            s.exec(
                select(CaseEventRow)
                .join(CaseRow, col(CaseRow.case_no) == col(CaseEventRow.case_no))
                .where(
                    CaseRow.agency == agency,
                    col(CaseEventRow.kind).in_(["fee_requested", "fee_paid"]),
                )
                .order_by(col(CaseEventRow.case_no), col(CaseEventRow.seq))
            )
        )
    end = date(year, 12, 31)
    normative = [e for e in entries if e.category == Category.RULES.value]
    first_versions = [e for e in normative if e.version == 1]
    in_force = {
        e.case_no
        for e in normative
        if (_local(e.published_at) or end) <= end
        and (e.withdrawn_at is None or (_local(e.withdrawn_at) or end) > end)
    }
    proactive = ProactiveFigures(
        normative_made=sum(1 for e in first_versions if _within(_local(e.published_at), year)),
        normative_repealed=len(
            {e.case_no for e in normative if _within(_local(e.withdrawn_at), year)}
        ),
        normative_in_force=len(in_force),
        licensing_decisions=sum(
            1
            for e in entries
            if e.category == Category.LICENSING.value and _within(_local(e.published_at), year)
        ),
        enforcement_decisions=sum(
            1
            for e in entries
            if e.category == Category.ENFORCEMENT.value and _within(_local(e.published_at), year)
        ),
        admin_fees_wan=text.admin_fees_wan,
    )
    latest: dict[tuple[str, str], RemedyRecord] = {}
    for r in sorted(remedies, key=lambda r: (r.recorded_at, r.id or 0)):
        if r.filed_on.year == year:
            latest[(r.case_no, r.proceeding)] = r
    table = {p: [0] * len(REMEDY_COLUMNS) for p in PROCEEDINGS}
    for (_, proceeding), r in latest.items():
        if proceeding in table:
            table[proceeding][list(RESULTS).index(r.result)] += 1
            table[proceeding][-1] += 1
    fees = 0
    asked: dict[str, int] = {}
    for e in fee_events:
        data = json.loads(e.data or "{}")
        if e.kind == "fee_requested":
            asked[e.case_no] = int(data.get("amount_yuan") or 0)
        elif _within(_local(e.occurred_at or e.at), year):
            fees += asked.get(e.case_no, 0)
    notes = [
        "第二部分：规章与行政规范性文件未分列，均按“行政规范性文件”统计；行政处罚与行政强制合并为"
        "本年公开的执法决定数。",
        "第四部分：按本年提起的行政复议、行政诉讼统计，结果为截至统计日登记的最新结果。",
    ]
    return FullReport(
        year=year,
        agency=agency,
        agency_name=requests.agency_name,
        overview=text.overview,
        proactive=proactive,
        requests=requests,
        remedies=table,
        problems=text.problems,
        other=text.other,
        fees_collected_yuan=fees,
        signed_by=text.signed_by,
        signed_at=text.signed_at,
        notes=notes,
    )


def save_text(
    engine: Engine,
    agency: str,
    year: int,
    by: str,
    *,
    overview: str,
    problems: str,
    other: str,
    admin_fees_wan: str,
) -> AnnualReportText:
    """The supervisor's texts; a signed report cannot be changed (sign a corrected one anew is
    not offered: a published report stays as published)."""
    with session_scope(engine) as s:
        row = s.get(AnnualReportText, (agency, year)) or AnnualReportText(agency=agency, year=year)
        if row.signed_at is not None:
            raise ValueError(f"{year}年度报告已于{row.signed_at:%Y-%m-%d}签发公布，不能再修改。")
        row.overview, row.problems, row.other = overview, problems, other
        row.admin_fees_wan = admin_fees_wan
        row.updated_by, row.updated_at = by, datetime.now(UTC)
        s.add(row)
        return row


def sign(engine: Engine, agency: str, year: int, by: str, html: str) -> AnnualReportText:
    with session_scope(engine) as s:
        row = s.get(AnnualReportText, (agency, year))
        if row is None or not row.overview.strip() or not row.problems.strip():
            raise ValueError(
                "签发前请先填写第一部分“总体情况”和第五部分“存在的主要问题及改进情况”"
                "（《政府信息公开条例》第五十条）。"
            )
        if row.signed_at is not None:
            raise ValueError(f"{year}年度报告已签发。")
        row.signed_by, row.signed_at, row.published_html = by, datetime.now(UTC), html
        s.add(row)
        return row


def published(engine: Engine, agency: str | None = None) -> list[AnnualReportText]:
    with Session(engine) as s:
        q = select(AnnualReportText).where(col(AnnualReportText.signed_at).is_not(None))
        if agency:
            q = q.where(AnnualReportText.agency == agency)
        return list(s.exec(q.order_by(col(AnnualReportText.year).desc())))


class YearState(BaseModel):
    """A year's report as the agency's leadership sees it in the list: not written, a draft,
    or signed (signing publishes it on the portal at once)."""

    year: int
    written: bool
    signed_by: str | None = None
    signed_at: datetime | None = None


def years(engine: Engine, agency: str, this_year: int) -> list[YearState]:
    """The years the agency reports on, newest first: from its first case (or report) to this
    year, and at least last year's, whose report is due by 31 January (Art. 49)."""
    with Session(engine) as s:
        texts = {
            t.year: t
            for t in s.exec(select(AnnualReportText).where(AnnualReportText.agency == agency))
        }
        first_t0 = s.exec(select(func.min(CaseRow.t0)).where(CaseRow.agency == agency)).one()
    first = max(FIRST_YEAR, min([this_year - 1, *texts, *([first_t0.year] if first_t0 else [])]))
    states = []
    for year in range(this_year, first - 1, -1):
        t = texts.get(year) or AnnualReportText(agency=agency, year=year)
        written = any((t.overview, t.problems, t.other, t.admin_fees_wan))
        states.append(
            YearState(year=year, written=written, signed_by=t.signed_by, signed_at=t.signed_at)
        )
    return states


def to_csv(report: FullReport) -> str:
    """All six parts as one CSV (sections, then their rows); UTF-8 with a byte-order mark."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["一、总体情况", report.overview])
    w.writerow(["二、主动公开政府信息情况"])
    p = report.proactive
    w.writerow(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"])
    w.writerow(["行政规范性文件", p.normative_made, p.normative_repealed, p.normative_in_force])
    w.writerow(["信息内容", "本年处理决定数量"])
    w.writerow(["行政许可", p.licensing_decisions])
    w.writerow(["行政处罚、行政强制", p.enforcement_decisions])
    w.writerow(["信息内容", "本年收费金额（单位：万元）"])
    w.writerow(["行政事业性收费", p.admin_fees_wan])
    w.writerow(["三、收到和处理政府信息公开申请情况"])
    w.writerow(["项目", *report.requests.columns])
    for line in report.requests.lines:
        figures = [*line.by_type, line.count] if line.count is not None else []
        w.writerow([line.label, *figures])
    w.writerow(["四、政府信息公开行政复议、行政诉讼情况"])
    w.writerow(["", *REMEDY_COLUMNS])
    for key, label in PROCEEDINGS.items():
        w.writerow([label, *report.remedies[key]])
    w.writerow(["五、存在的主要问题及改进情况", report.problems])
    w.writerow(
        ["六、其他需要报告的事项", report.other, f"收取信息处理费{report.fees_collected_yuan}元"]
    )
    return "\ufeff" + out.getvalue()
