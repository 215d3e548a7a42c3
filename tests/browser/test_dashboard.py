"""The dashboard in a real browser against the real stack: log in, open the board, follow a red
case to its page and read the explanation of its deadline (skipped holidays), with screenshots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.integration.stack import Stack, add_agency, bearer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    st = Stack(tmp_path_factory.mktemp("browser"))
    add_agency(st)
    st.tokens = {  # type: ignore[attr-defined]
        "officer": bearer(st, "li.officer", name="李经办"),
        "supervisor": bearer(st, "wang.chief", "supervisor", name="王主任"),
    }
    st.start()
    yield st
    assert st.stop() == 0


def _red_case(stack: Any) -> str:
    """An application received on 2026-09-15 and registered late: its reply period (due
    2026-10-19, across 中秋节 and the National Day week) has run out, so the case is red."""
    http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
    res = http.post(
        "/v1/disclosure-requests",
        headers=stack.tokens["officer"],
        json={
            "agency": "SZ-GT",
            "channel": "in_person",
            "received_at": "2026-09-15T10:00:00+08:00",
            "applicant": {"name": "张三", "phone": "13800138000"},
            "description": "某地块建设工程规划许可证及附图",
        },
    )
    assert res.status_code == 201, res.text
    case = str(res.json()["case_no"])
    http.post(
        "/v1/disclosure-requests",
        headers=stack.tokens["officer"],
        json={
            "agency": "SZ-GT",
            "channel": "in_person",
            "applicant": {"name": "李四"},
            "description": "2026年财政预算执行情况",
        },
    )
    for _ in range(150):
        listed = http.get(
            "/v1/cases", params={"light": "red"}, headers=stack.tokens["officer"]
        ).json()
        if any(c["case_no"] == case for c in listed["items"]):
            return case
        time.sleep(0.2)
    raise AssertionError("the overdue case never turned red")


async def test_supervisor_follows_a_red_case_to_its_explanation(
    stack: Any, page: Page, screenshot: Any
) -> None:
    case = _red_case(stack)
    base = f"http://127.0.0.1:{stack.http}"
    await page.goto(f"{base}/")
    await expect(page).to_have_url(f"{base}/login")  # the board needs a login
    token = stack.tokens["supervisor"]["Authorization"].removeprefix("Bearer ")
    await page.fill("input[name=token]", token)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/")
    await expect(page.locator(".card.red[data-light=red] .n")).not_to_have_text("0")
    await expect(page.locator("svg[role=img]")).to_be_visible()
    shot = await screenshot(page, "board")
    red_row = page.locator("tr.case-row[data-light=red]", has_text=case).first
    await expect(red_row).to_be_visible()
    await red_row.locator("a", has_text=case).click()
    await expect(page).to_have_url(f"{base}/cases/{case}")
    reply = page.locator("#clock-reply")
    await expect(reply).to_contain_text("届满 2026-10-19")
    await expect(reply.locator(".holiday", has_text="中秋节")).to_be_visible()
    await expect(reply.locator(".holiday", has_text="国庆节").first).to_be_visible()
    await expect(reply).to_contain_text("2026-10-10（周六，调休上班）")
    await expect(page.locator("text=催办通知书").first).to_be_visible()
    await expect(page.locator("a", has_text="Temporal UI")).to_have_attribute(
        "href", f"http://127.0.0.1:{stack.ui}/namespaces/default/workflows/{case}"
    )
    shot2 = await screenshot(page, "case-red")
    assert Path(shot).stat().st_size > 10_000 and Path(shot2).stat().st_size > 10_000
    await page.goto(f"{base}/calendar?year=2026")
    await expect(page.locator("body")).to_contain_text("2026-10-10（周六，调休上班）")
    await screenshot(page, "calendar")


async def test_an_officer_cannot_open_the_dashboard_without_a_valid_token(
    page: Page, stack: Any
) -> None:
    base = f"http://127.0.0.1:{stack.http}"
    await page.goto(f"{base}/login")
    await page.fill("input[name=token]", "gk_wrong")
    await page.click("button[type=submit]")
    await expect(page.locator(".error")).to_contain_text("令牌无效")
    await page.goto(f"{base}/calendar")
    await expect(page).to_have_url(f"{base}/login")
