"""The whole annual report (six parts, 国办公开办函〔2021〕30号) for a past year: part 二 from the
catalogue, part 三 from the cases (balanced, by applicant type), part 四 from the remedies
recorded on cases, the fees of part 六 from the fees paid; the supervisor's texts; the sign-off
that publishes it on the portal as it stands; HTML and CSV."""

from __future__ import annotations

import json
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
        for n, (cat, version, published, withdrawn) in enumerate(
            [
                ("rules", 1, date(2025, 3, 1), None),
                ("rules", 1, date(2025, 5, 1), date(2025, 11, 1)),  # made and repealed in 2025
                ("rules", 1, date(2024, 5, 1), None),  # in force, made before
                ("rules", 2, date(2025, 6, 1), None),  # a new version is not newly made
                ("licensing", 1, date(2025, 7, 1), None),
                ("licensing", 1, date(2024, 7, 1), None),
                ("enforcement", 1, date(2025, 8, 1), None),
            ],
            start=1,
        ):
            s.add(
                CatalogueEntry(
                    case_no=f"ZD-2025-{n:06d}" if version == 1 else "ZD-2025-000003",
                    version=version,
                    agency=AGENCY,
                    category=cat,
                    title=f"第{n}项",
                    formed_on=published,
                    published_at=at(published),
                    withdrawn_at=at(withdrawn) if withdrawn else None,
                    withdrawn_reason="废止" if withdrawn else "",
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
        ("litigation_after_reconsideration", "pending", "2024-09-01", None),  # another year
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
            "admin_fees_wan": "12.5",
        },
    )
    assert res.status_code == 200, res.text
    report = res.json()
    assert report["proactive"] == {
        "normative_made": 2,
        "normative_repealed": 1,
        "normative_in_force": 2,
        "licensing_decisions": 1,
        "enforcement_decisions": 1,
        "admin_fees_wan": "12.5",
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
    assert "行政规范性文件,2,1,2" in lines and "行政复议,1,0,0,0,1" in lines

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
