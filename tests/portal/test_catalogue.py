"""The public catalogue (GIDR Art. 12): an item registered, reviewed, signed off and published
through the API appears in the catalogue under its category, is found by its words, shows its
versions; a withdrawn item leaves the list and keeps its page; each agency has its guide."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rules.calendar import SHANGHAI
from tests.portal.conftest import Portal
from tests.portal.test_apply_and_track import until_status


async def publish(portal: Portal, **fields: object) -> str:
    async with portal.staff() as officer, portal.staff("supervisor") as chief:
        res = await officer.post(
            "/v1/proactive-items",
            json={
                "agency": "SZ-GT",
                "title": "关于调整城区停车收费标准的通知",
                "document_no": "某发改〔2026〕12号",
                "category": "fees",
                "content": "城区路内停车收费标准自2027年1月1日起调整。",
                "formed_on": datetime.now(SHANGHAI).date().isoformat(),
                **fields,
            },
        )
        assert res.status_code == 201, res.text
        case = str(res.json()["case_no"])
        await until_status(portal, case, "recorded")
        act = f"/v1/proactive-items/{case}/actions"
        steps = [
            (officer, "submit-item", {}),
            (chief, "review-item", {"approve": True, "confidentiality_reviewed": True}),
        ]
        for who, step, body in steps:
            assert (await who.post(f"{act}/{step}", json=body)).status_code == 200
    async with portal.staff("head") as head, portal.staff() as officer:
        assert (await head.post(f"{act}/sign-off-item", json={"approve": True})).status_code == 200
        res = await officer.post(
            f"{act}/publish-item",
            json={"channels": ["政府网站"], "url": "https://example.gov.cn/a"},
        )
        assert res.status_code == 200, res.text
    await until_status(portal, case, "published")
    return case


async def test_the_catalogue_lists_finds_versions_and_withdrawals(portal: Portal) -> None:
    case = await publish(portal)
    other = await publish(portal, title="2027年部门预算", category="budget", content="部门预算表")
    async with portal.browser() as public:
        page = ""
        for _ in range(100):
            page = (await public.get("/public/catalogue")).text
            if case in page and other in page:
                break
            await asyncio.sleep(0.05)
        assert "关于调整城区停车收费标准的通知" in page and "2027年部门预算" in page
        found = (await public.get("/public/catalogue", params={"q": "停车收费"})).text
        assert case in found and other not in found
        budget = (await public.get("/public/catalogue", params={"category": "budget"})).text
        assert other in budget and case not in budget
        item = (await public.get(f"/public/catalogue/{case}")).text
        assert "某发改〔2026〕12号" in item and "政府网站" in item and 'id="published"' in item
        guide = (await public.get("/public/guide/SZ-GT")).text
        assert "政府信息公开指南" in guide and "财政预算、决算信息</a>（1条）" in guide

    async with portal.staff("supervisor") as chief:
        res = await chief.post(
            f"/v1/proactive-items/{case}/actions/withdraw-item", json={"reason": "已被新标准替代"}
        )
        assert res.status_code == 200, res.text
    await until_status(portal, case, "withdrawn")
    async with portal.browser() as public:
        for _ in range(100):
            page = (await public.get("/public/catalogue")).text
            if case not in page:
                break
            await asyncio.sleep(0.05)
        assert case not in page and other in page
        item = (await public.get(f"/public/catalogue/{case}")).text
        assert 'id="withdrawn"' in item and "已被新标准替代" in item
        assert (await public.get("/public/catalogue/NO-SUCH-1")).status_code == 404
