"""The whole annual report (GIDR Arts. 49-50; 国办公开办函〔2021〕30号), six parts:

一 总体情况 and 五 存在的主要问题及改进情况 and 六 其他需要报告的事项: written by the supervisor
(``AnnualReportText``); part 六 also states the information-processing fees collected (国办函
〔2020〕109号), summed from the fees paid in the year.
二 主动公开政府信息情况: from the catalogue, exactly the 30号 table (``PART_TWO``): 规章 and
行政规范性文件 made (first published), repealed (废止 by another document, not the withdrawal of
an entry) in the year and in force at its end; the licensing, penalty and coercion decisions the
items first published in the year publish (their number, never their versions); 行政事业性收费
from the fee amounts recorded on the fee items first published in the year (万元).
三 收到和处理政府信息公开申请情况: store/report.py, by applicant type.
四 政府信息公开行政复议、行政诉讼情况: from the remedies recorded on cases — filed in the year,
by their latest result (维持 / 纠正 / 其他 / 尚未审结).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from schemas.proactive import Category, DocKind
from store.db import session_scope
from store.models import (
    AnnualReportText,
    CaseEventRow,
    CaseRow,
    CatalogueEntry,
    RemedyRecord,
)
from store.report import FIRST_YEAR, AnnualReport, annual_report, column_groups, excel_csv
from store.report import to_text as part_three_text

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
    """Part 二 (第二十条 items (一), (五), (六), (八)), as the 30号 table has it."""

    rules_made: int = 0  # 规章
    rules_repealed: int = 0
    rules_in_force: int = 0
    normative_made: int = 0  # 行政规范性文件
    normative_repealed: int = 0
    normative_in_force: int = 0
    licensing_decisions: int = 0  # 行政许可 本年处理决定数量
    penalty_decisions: int = 0  # 行政处罚
    coercion_decisions: int = 0  # 行政强制
    admin_fees_wan: str = ""  # 行政事业性收费 本年收费金额（万元）
    fees_recorded: bool = False  # from recorded amounts (else as the supervisor stated it)
    fees_stated_wan: str = ""  # as the supervisor stated it (used when none is recorded)
    published: int = 0  # items first published in the year (Art. 26)
    published_late: int = 0  # of which after their 20 working days


# Part 二 as the 30号 format lays it out: (item of Art. 20, its columns, its rows as (label,
# the figures' fields)). Rendered and exported from here only.
PART_TWO: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    (
        "第二十条第（一）项",
        ("本年制发件数", "本年废止件数", "现行有效件数"),
        (
            ("规章", ("rules_made", "rules_repealed", "rules_in_force")),
            (
                "行政规范性文件",
                ("normative_made", "normative_repealed", "normative_in_force"),
            ),
        ),
    ),
    ("第二十条第（五）项", ("本年处理决定数量",), (("行政许可", ("licensing_decisions",)),)),
    (
        "第二十条第（六）项",
        ("本年处理决定数量",),
        (("行政处罚", ("penalty_decisions",)), ("行政强制", ("coercion_decisions",))),
    ),
    (
        "第二十条第（八）项",
        ("本年收费金额（单位：万元）",),
        (("行政事业性收费", ("admin_fees_wan",)),),
    ),
)


def part_two_rows(p: ProactiveFigures) -> list[tuple[str, list[str]]]:
    """Part 二 cell by cell: each item's header row, then its rows (as the 30号 table)."""
    rows: list[tuple[str, list[str]]] = []
    for item, columns, lines in PART_TWO:
        rows.append((item, list(columns)))
        for label, fields in lines:
            rows.append((label, [str(getattr(p, f)) or "—" for f in fields]))
    return rows


def wan(yuan: int) -> str:
    """元 as 万元, up to four decimals, no trailing zeros: 125000 → "12.5"."""
    whole, rest = divmod(yuan, 10_000)
    return f"{whole}.{rest:04d}".rstrip("0").rstrip(".")


def proactive_figures(
    entries: list[CatalogueEntry], year: int, stated_fees_wan: str
) -> ProactiveFigures:
    """Part 二 from the catalogue: one item counts once (its first publication's year), with
    what its latest version published by the year's end says; a repeal is 废止, a withdrawal is
    not (it only takes the entry out of the catalogue, and out of 现行有效)."""
    end = date(year, 12, 31)
    items: dict[str, list[CatalogueEntry]] = {}
    for e in entries:
        items.setdefault(e.case_no, []).append(e)
    f = ProactiveFigures()
    fees = 0
    for versions in items.values():
        versions.sort(key=lambda e: e.version)
        first = _local(versions[0].published_at)
        if first is None or first > end:
            continue
        latest = [e for e in versions if (_local(e.published_at) or end) <= end][-1]
        repealed = _local(versions[0].repealed_at)
        withdrawn = _local(versions[0].withdrawn_at)
        made = first.year == year
        if made:
            f.published += 1
            f.published_late += int(versions[0].late)
        if latest.category == Category.RULES.value:
            kind = latest.doc_kind or DocKind.NORMATIVE.value  # entries from before the kind
            prefix = {DocKind.RULE.value: "rules", DocKind.NORMATIVE.value: "normative"}.get(kind)
            if prefix is None:
                continue
            in_force = (repealed is None or repealed > end) and (
                withdrawn is None or withdrawn > end
            )
            for name, counts in (
                ("made", made),
                ("repealed", repealed is not None and repealed.year == year),
                ("in_force", in_force),
            ):
                setattr(f, f"{prefix}_{name}", getattr(f, f"{prefix}_{name}") + int(counts))
        elif made and latest.category == Category.LICENSING.value:
            f.licensing_decisions += latest.decisions
        elif made and latest.category == Category.ENFORCEMENT.value:
            if latest.doc_kind == DocKind.PENALTY.value:
                f.penalty_decisions += latest.decisions
            elif latest.doc_kind == DocKind.COERCION.value:
                f.coercion_decisions += latest.decisions
        elif made and latest.category == Category.FEES.value and latest.fee_amount_yuan:
            fees += latest.fee_amount_yuan
            f.fees_recorded = True
    f.fees_stated_wan = stated_fees_wan
    f.admin_fees_wan = wan(fees) if f.fees_recorded else stated_fees_wan
    return f


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
    proactive = proactive_figures(entries, year, text.admin_fees_wan)
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
        "第二部分：按主动公开目录统计，每条信息只在首次公开的年度计一次（变更的新版本不重复计数）；"
        "处理决定数量为各条目登记的决定数；“本年废止件数”为被其他文件废止的，撤回目录条目不计为"
        "废止，也不再计入现行有效。"
        + (
            "行政事业性收费为目录中收费条目登记的金额合计。"
            if proactive.fees_recorded
            else "行政事业性收费未在目录中登记金额，为负责人填写的数字。"
        ),
        f"本年主动公开{proactive.published}条，其中超过《政府信息公开条例》第二十六条规定的20个"
        f"工作日公开的{proactive.published_late}条。",
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


def part_four_head() -> list[list[str]]:
    """Part 四's heading rows as the 30号 table has them, one cell per column (15): 行政复议,
    then 行政诉讼 未经复议直接起诉 and 复议后起诉, each by result and 总计."""
    return [
        [g for g in ("行政复议", "行政诉讼", "行政诉讼") for _ in REMEDY_COLUMNS],
        [g for g in ("", "未经复议直接起诉", "复议后起诉") for _ in REMEDY_COLUMNS],
        [c for _ in PROCEEDINGS for c in REMEDY_COLUMNS],
    ]


def part_four_cells(report: FullReport) -> list[int]:
    """Part 四's one row of figures: 行政复议, 未经复议直接起诉, 复议后起诉 (results, 总计)."""
    return [n for p in PROCEEDINGS for n in report.remedies[p]]


def to_csv(report: FullReport) -> str:
    """All six parts as one CSV (sections, then their rows)."""
    groups = column_groups(report.requests)
    rows: list[Sequence[object]] = [
        ["一、总体情况", report.overview],
        ["二、主动公开政府信息情况"],
        *([label, *cells] for label, cells in part_two_rows(report.proactive)),
        ["三、收到和处理政府信息公开申请情况"],
        ["", *groups[0]],
        ["", *groups[1]],
        ["项目", *groups[2]],
    ]
    for line in report.requests.lines:
        figures = [*line.by_type, line.count] if line.count is not None else []
        rows.append([line.label, *figures])
    rows += [
        ["四、政府信息公开行政复议、行政诉讼情况"],
        *part_four_head(),
        part_four_cells(report),
        ["五、存在的主要问题及改进情况", report.problems],
        ["六、其他需要报告的事项", report.other, f"收取信息处理费{report.fees_collected_yuan}元"],
    ]
    return excel_csv(rows)


def to_text(report: FullReport) -> str:
    """All six parts for a terminal (tables tab-separated, as the CSV's rows)."""
    out = [f"{report.agency_name}{report.year}年政府信息公开工作年度报告"]
    out += ["", "一、总体情况", report.overview or "（待填写）", "", "二、主动公开政府信息情况"]
    out += ["\t".join([label, *cells]) for label, cells in part_two_rows(report.proactive)]
    out += ["", "三、收到和处理政府信息公开申请情况"]
    out += part_three_text(report.requests).splitlines()[1:]
    out += ["", "四、政府信息公开行政复议、行政诉讼情况"]
    out += ["\t".join(row) for row in part_four_head()]
    out.append("\t".join(str(n) for n in part_four_cells(report)))
    out += ["", "五、存在的主要问题及改进情况", report.problems or "（待填写）"]
    out += [
        "",
        "六、其他需要报告的事项",
        report.other,
        f"本年度收取信息处理费{report.fees_collected_yuan}元。",
    ]
    out += [f"注：{n}" for n in report.notes]
    return "\n".join(out) + "\n"
