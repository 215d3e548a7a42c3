"""GIDR Art. 49: signing off last year's annual report publishes it on the portal and, signed by
31 January, satisfies this year's duty in the agency's plan of recurring duties (the plan dated
back to 1 January, as an agency adopting Gongkai late in the year registers it). Signed later,
the report is published all the same and the duty stays missed: a fixed date's duty is met only
inside its window (LAW.md §6B)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from rules.calendar import SHANGHAI
from store.cases import get_agency, put_agency
from tests.portal.conftest import Portal
from tests.portal.test_apply_and_track import until_status
from tests.store.test_report import seed_cases


async def test_signing_the_report_satisfies_the_duty_of_the_plan(portal: Portal) -> None:
    this_year = datetime.now(UTC).astimezone(SHANGHAI).year
    seed_cases(portal.engine)  # last year's cases (it gives the agency its own numbering)
    agency = get_agency(portal.engine, "SZ-GT")
    assert agency is not None
    put_agency(portal.engine, agency.model_copy(update={"case_prefix": f"R{uuid.uuid4().hex[:6]}"}))
    async with portal.staff("supervisor") as chief, portal.browser() as public:
        res = await chief.post(
            "/v1/obligation-plans",
            json={"agency": "SZ-GT", "year": this_year, "started_at": f"{this_year}-01-01T09:00"},
        )
        assert res.status_code == 201, res.text
        plan = res.json()["case_no"]
        await until_status(portal, plan, "running")
        view = (await chief.get(f"/v1/cases/{plan}")).json()
        assert {p["clock"] for p in view["periods"]} >= {"annual_report:Y", "open_day:Y"}
        text = {"overview": "总体情况。", "problems": "问题与改进。", "other": ""}
        report = this_year - 1
        assert (await chief.put(f"/v1/reports/annual/{report}/text", json=text)).status_code == 200
        res = await chief.post(f"/v1/reports/annual/{report}/sign-off")
        assert res.status_code == 200, res.text
        in_time = datetime.now(UTC).astimezone(SHANGHAI).month == 1  # 每年1月31日前
        duty = {}
        for _ in range(100 if in_time else 20):
            view = (await chief.get(f"/v1/cases/{plan}")).json()
            duty = next(p for p in view["periods"] if p["clock"] == "annual_report:Y")
            if duty["done_at"]:
                break
            await asyncio.sleep(0.05)
        if in_time:
            assert duty["done_at"] and duty["evidence"] == f"/public/reports/SZ-GT/{report}"
        else:
            assert duty["done_at"] is None and duty["closes"] == f"{this_year}-01-31"
            assert not [e for e in view["events"] if e["kind"] == "duty_done"]
        page = await public.get(f"/public/reports/SZ-GT/{report}")
        assert page.status_code == 200 and "总体情况。" in page.text
