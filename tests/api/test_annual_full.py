"""The whole annual report (six parts, 国办公开办函〔2021〕30号) for a past year: part 二 from the
catalogue, part 三 from the cases (balanced, by applicant type), part 四 from the remedies
recorded on cases, the fees of part 六 from the fees paid; the supervisor's texts; the sign-off
that publishes it on the portal as it stands; HTML and CSV."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from sqlmodel import select

from store.db import session_scope
from store.models import CaseEventRow, CaseRow, CatalogueEntry
from tests.api.test_reports import Api, api  # noqa: F401  (the fixture)
from tests.store.test_report import AGENCY, EXPECTED_2025


def _seed_more(api: Api) -> str:  # noqa: F811 (the fixture)
    engine = api.client.app.state.engine  # type: ignore[attr-defined]

    def at(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, 4, tzinfo=UTC)

    with session_scope(engine) as s:
        for n, (case_no, cat, kind, version, published, removed, figures) in enumerate(
            [
                ("ZD-2025-000001", "rules", "rule", 1, date(2025, 3, 1), None, {}),  # 规章
                # made and repealed (废止) in 2025
                ("ZD-2025-000002", "rules", "normative", 1, date(2025, 5, 1), "repealed", {}),
                ("ZD-2025-000003", "rules", "normative", 1, date(2024, 5, 1), None, {}),
                # a new version is not newly made
                ("ZD-2025-000003", "rules", "normative", 2, date(2025, 6, 1), None, {}),
                # made; withdrawn from the catalogue, which is not a repeal
                ("ZD-2025-000004", "rules", "normative", 1, date(2025, 2, 1), "withdrawn", {}),
                # 37 licensing decisions published, then corrected: still 37
                ("ZD-2025-000005", "licensing", "", 1, date(2025, 7, 1), None, {"decisions": 37}),
                ("ZD-2025-000005", "licensing", "", 2, date(2025, 8, 1), None, {"decisions": 37}),
                ("ZD-2025-000006", "licensing", "", 1, date(2024, 7, 1), None, {"decisions": 5}),
                (
                    "ZD-2025-000007",
                    "enforcement",
                    "penalty",
                    1,
                    date(2025, 8, 1),
                    None,
                    {"decisions": 3},
                ),
                (
                    "ZD-2025-000008",
                    "enforcement",
                    "coercion",
                    1,
                    date(2025, 9, 1),
                    None,
                    {"decisions": 2},
                ),
                (
                    "ZD-2025-000009",
                    "fees",
                    "",
                    1,
                    date(2025, 10, 1),
                    None,
                    {"fee_amount_yuan": 125_000},
                ),
            ],
            start=1,
        ):
            gone = at(date(2025, 11, 1))
            s.add(
                CatalogueEntry(
                    case_no=case_no,
                    version=version,
                    agency=AGENCY,
                    category=cat,
                    doc_kind=kind,
                    title=f"第{n}项",
                    formed_on=published,
                    published_at=at(published),
                    withdrawn_at=gone if removed == "withdrawn" else None,
                    withdrawn_reason="发布有误" if removed == "withdrawn" else "",
                    repealed_at=gone if removed == "repealed" else None,
                    repealed_by="某政发〔2025〕9号" if removed == "repealed" else "",
                    late=n == 1,
                    **figures,
                )
            )
        case = s.exec(
            select(CaseRow).where(CaseRow.agency == AGENCY, CaseRow.kind == "disclosure")
        ).first()
        assert case is not None
        for seq, kind, when, data in (
            (901, "fee_requested", date(2025, 4, 1), {"amount_yuan": 100}),
            (902, "fee_paid", date(2025, 4, 3), {}),
        ):
            s.add(
                CaseEventRow(
                    case_no=case.case_no,
                    seq=seq,
                    at=at(when),
                    kind=kind,
                    actor_id="li",
                    actor_name="李",
                    status="fee_pending",
                    summary=kind,
                    data=json.dumps(data),
                )
            )
        return case.case_no


def test_the_whole_report_signed_and_published(api: Api) -> None:  # noqa: F811
    case = _seed_more(api)
    wang, li = api.tokens["wang"], api.tokens["li"]
    for proceeding, result, filed, decided in (
        ("reconsideration", "pending", "2025-06-01", None),
        ("reconsideration", "upheld", "2025-06-01", "2025-08-01"),  # the newest counts
        ("litigation", "corrected", "2025-09-01", "2025-12-01"),
        ("litigation_after_reconsideration", "pending", "2026-01-10", None),  # another year
    ):
        res = api.client.post(
            f"/v1/cases/{case}/remedies",
            headers=li,
            json={
                "proceeding": proceeding,
                "result": result,
                "filed_on": filed,
                "decided_on": decided,
            },
        )
        assert res.status_code == 201, res.text
    bad = api.client.post(
        f"/v1/cases/{case}/remedies",
        headers=li,
        json={"proceeding": "litigation", "result": "upheld", "filed_on": "2025-09-01"},
    )
    assert bad.status_code == 422 and "审结日期" in bad.text

    # Not signed before parts 一 and 五 are written.
    res = api.client.post("/v1/reports/annual/2025/sign-off", headers=wang)
    assert res.status_code == 409 and "总体情况" in res.json()["detail"]
    res = api.client.put(
        "/v1/reports/annual/2025/text",
        headers=wang,
        json={
            "overview": "2025年，本机关坚持以公开为常态、不公开为例外。",
            "problems": "政策解读形式较单一，下一步将增加图解。",
            "other": "无。",
            "admin_fees_wan": "99",  # the recorded amounts win
        },
    )
    assert res.status_code == 200, res.text
    report = res.json()
    assert report["proactive"] == {
        "rules_made": 1,
        "rules_repealed": 0,
        "rules_in_force": 1,
        "normative_made": 2,
        "normative_repealed": 1,
        "normative_in_force": 1,
        "licensing_decisions": 37,
        "penalty_decisions": 3,
        "coercion_decisions": 2,
        "admin_fees_wan": "12.5",
        "fees_recorded": True,
        "fees_stated_wan": "99",
        "published": 7,
        "published_late": 1,
    }
    assert report["remedies"]["reconsideration"] == [1, 0, 0, 0, 1]
    assert report["remedies"]["litigation"] == [0, 1, 0, 0, 1]
    assert report["remedies"]["litigation_after_reconsideration"] == [0, 0, 0, 0, 0]
    assert report["fees_collected_yuan"] == 100
    counts = {
        line["key"]: line["count"]
        for line in report["requests"]["lines"]
        if line["count"] is not None
    }
    assert counts == EXPECTED_2025  # part 三 as the report of requests alone
    assert (
        counts["received"] + counts["carried_over"] == counts["total"] + counts["carried_forward"]
    )

    html = api.client.get("/v1/reports/annual/2025/full?format=html", headers=wang).text
    for part in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert part in html
    csv = api.client.get("/v1/reports/annual/2025/full?format=csv", headers=wang)
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert "规章,1,0,1" in lines and "行政规范性文件,2,1,1" in lines
    assert "行政许可,37" in lines and "行政处罚,3" in lines and "行政强制,2" in lines
    assert "1,0,0,0,1,0,1,0,0,1,0,0,0,0,0" in lines  # part 四's row: 复议, 诉讼, 复议后诉讼
    assert ",申请人情况,申请人情况,申请人情况,申请人情况,申请人情况,申请人情况,申请人情况" in lines

    assert api.client.post("/v1/reports/annual/2025/sign-off", headers=li).status_code == 403
    root = api.client.post("/v1/reports/annual/2025/sign-off", headers=api.tokens["root"])
    assert root.status_code == 403 and "管理员" in root.text
    res = api.client.post("/v1/reports/annual/2025/sign-off", headers=wang)
    assert res.status_code == 200, res.text and res.json()["signed_by"] == "wang"
    again = api.client.put(
        "/v1/reports/annual/2025/text", headers=wang, json={"overview": "改", "problems": "改"}
    )
    assert again.status_code == 409  # as published
    listing = api.client.get("/public/reports").text
    assert f"/public/reports/{AGENCY}/2025" in listing
    page = api.client.get(f"/public/reports/{AGENCY}/2025").text
    assert (
        'id="signed"' in page and "政策解读形式较单一" in page and "六、其他需要报告的事项" in page
    )
    assert api.client.get(f"/public/reports/{AGENCY}/2024").status_code == 404
    assert api.client.post("/v1/reports/annual/2026/sign-off", headers=wang).status_code in (
        409,
        422,
    )


def _table(html: str, table_id: str) -> list[list[str]]:
    """A rendered table cell by cell (text of each th/td, row by row)."""
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert found is not None, table_id
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S)
    ]


def test_30hao_parts_two_and_four_cell_by_cell(api: Api) -> None:  # noqa: F811
    """Part 二 is exactly 30号's table (规章 and 行政规范性文件; 行政许可; 行政处罚 and 行政强制 on
    rows of their own; 行政事业性收费 in 万元), counting decisions, not catalogue versions, and
    a repeal, not a withdrawal, as 废止; part 四 is its one row under 行政复议 / 行政诉讼."""
    case = _seed_more(api)
    li = api.tokens["li"]
    for proceeding, result, filed, decided in (
        ("reconsideration", "upheld", "2025-06-01", "2025-08-01"),
        ("litigation", "corrected", "2025-09-01", "2025-12-01"),
        ("litigation_after_reconsideration", "pending", "2025-10-01", None),
    ):
        res = api.client.post(
            f"/v1/cases/{case}/remedies",
            headers=li,
            json={
                "proceeding": proceeding,
                "result": result,
                "filed_on": filed,
                "decided_on": decided,
            },
        )
        assert res.status_code == 201, res.text
    html = api.client.get(
        "/v1/reports/annual/2025/full?format=html", headers=api.tokens["wang"]
    ).text
    assert _table(html, "part-2-table") == [
        ["第二十条第（一）项", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "1"],
        ["行政规范性文件", "2", "1", "1"],
        ["第二十条第（五）项", "本年处理决定数量"],
        ["行政许可", "37"],
        ["第二十条第（六）项", "本年处理决定数量"],
        ["行政处罚", "3"],
        ["行政强制", "2"],
        ["第二十条第（八）项", "本年收费金额（单位：万元）"],
        ["行政事业性收费", "12.5"],
    ]
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert _table(html, "part-4-table") == [
        ["行政复议", "行政诉讼"],
        ["未经复议直接起诉", "复议后起诉"],
        results * 3,
        ["1", "0", "0", "0", "1", "0", "1", "0", "0", "1", "0", "0", "0", "1", "1"],
    ]
    assert "其中超过《政府信息公开条例》第二十六条规定的20个工作日公开的1条" in html
