"""The supervisor's approvals inbox (an officer's extension request, reviews, sign-offs) with
officers' names, not user ids; and the workload forecast by working day, officer and unit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from sqlalchemy.engine import Engine

from api.workbench.forecast import forecast
from rules.calendar import SHANGHAI
from store.cases import ensure_case_row
from tests.fixtures.rows import case_row
from tests.portal.conftest import Portal
from tests.portal.test_apply_and_track import until_status
from tests.workbench.test_case_page_forms import act, open_paper_case


async def test_an_extension_request_waits_in_the_inbox_until_decided(portal: Portal) -> None:
    case = await open_paper_case(portal)
    await until_status(portal, case, "registered")
    async with portal.staff() as officer, portal.staff("supervisor") as chief:
        for step, form in (("accept", {}), ("assign", {"unit": "规划处"})):
            assert (await act(officer, case, step, **form)).status_code == 303
        await until_status(portal, case, "assigned")
        page = (await officer.get(f"/cases/{case}")).text
        assert 'id="action-request-extension"' in page
        assert 'id="action-extend"' not in page and 'id="action-decide-extension"' not in page
        res = await act(
            officer, case, "request-extension", working_days="15", reason="需调取档案馆材料"
        )
        assert res.status_code == 303, res.text[-1500:]
        assert (await officer.get("/approvals")).status_code == 403  # supervisors only

        inbox = ""
        for _ in range(100):
            inbox = (await chief.get("/approvals")).text
            if case in inbox:
                break
        row = re.search(r'<tr[^>]*data-step="decide-extension">(.*?)</tr>', inbox, re.S)
        assert row is not None and case in row.group(1)
        assert "李经办" in row.group(1) and "li.officer" not in row.group(1)  # names, not ids

        page = (await chief.get(f"/cases/{case}")).text
        assert 'id="action-decide-extension"' in page
        preview = await act(chief, case, "decide-extension", preview="1", approve="true")
        assert preview.status_code == 200 and "延期答复告知书" in preview.text
        assert "需调取档案馆材料" in preview.text and "15个工作日" in preview.text
        assert "负责人王主任同意" in preview.text
        res = await act(chief, case, "decide-extension", approve="true", comments="同意")
        assert res.status_code == 303, res.text[-1500:]
        view = await until_status(portal, case, "assigned")
        for _ in range(100):
            view = (await officer.get(f"/v1/cases/{case}")).json()
            if view["extended"]:
                break
        assert view["extended"] and view["extension_request"] is None
        assert case not in (await chief.get("/approvals")).text


def test_the_forecast_counts_due_cases_per_working_day_officer_and_unit(
    fresh_engine: Engine,
) -> None:
    monday = date(2026, 12, 7)

    def due(day: date) -> datetime:
        return datetime.combine(day, time(23, 59, 59), SHANGHAI).astimezone(UTC)

    rows = [  # (case, officer, unit, due day)
        ("GK-2026-000001", "li", "规划处", date(2026, 12, 8)),
        ("GK-2026-000002", "li", "规划处", date(2026, 12, 8)),
        ("GK-2026-000003", "zhao", "财务处", date(2026, 12, 8)),
        ("GK-2026-000004", "zhao", "", date(2026, 12, 12)),  # a Saturday: counted on Monday 14th
        ("GK-2026-000005", "li", "规划处", date(2026, 12, 1)),  # already overdue
        ("GK-2026-000006", "li", "规划处", date(2027, 3, 1)),  # beyond 30 working days
    ]
    for case, officer, unit, day in rows:
        ensure_case_row(fresh_engine, case_row(case, officer=officer, unit=unit, due_at=due(day)))
    ensure_case_row(
        fresh_engine,
        case_row("GK-2026-000007", officer="li", due_at=due(date(2026, 12, 8)), status="archived"),
    )
    f = forecast(fresh_engine, "SZ-GT", "CN", monday)
    assert len(f["days"]) == 30 and f["days"][0] == monday
    assert date(2026, 12, 12) not in f["days"]  # weekends are not working days
    assert f["per_day"][date(2026, 12, 8)] == 3 and f["per_day"][date(2026, 12, 14)] == 1
    assert f["peak"] == 3 and f["overdue"] == 1
    officers = dict(f["by_officer"])
    assert officers["li"][date(2026, 12, 8)] == 2 and officers["zhao"][date(2026, 12, 14)] == 1
    units = dict(f["by_unit"])
    assert units["规划处"][date(2026, 12, 8)] == 2 and units["（未分派）"][date(2026, 12, 14)] == 1
    assert f["held"] == {"li": 4, "zhao": 2}  # open cases held now, due or not
