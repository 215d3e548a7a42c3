"""年度报告 in a real browser against the real stack (`gongkai up`): a supervisor opens it from the
header, writes parts 一 and 五 (and 六, and part 二's fees), previews the whole report as it will
be published, signs last year's report off and follows it to the portal; on a phone, this year's
report is written and its sign-off refused (the year is not over). Screenshots:
test-artifacts/screenshots/report-*.png."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from api.annual_report import today
from tests.browser.conftest import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, save_screenshot
from tests.integration.stack import Stack, add_agency, bearer

pytestmark = pytest.mark.integration

OVERVIEW = (
    "本年度，本机关坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开。\n"
    "依申请公开办理规范，答复均在法定期限内作出。"
)
PROBLEMS = (
    "政策解读形式较单一，部分栏目更新不够及时。下一步将增加图解、视频解读，建立栏目更新提醒。"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    st = Stack(tmp_path_factory.mktemp("report"))
    add_agency(st)
    st.tokens = {  # type: ignore[attr-defined]
        "supervisor": bearer(st, "wang.chief", "supervisor", name="王主任"),
    }
    st.start()
    yield st
    assert st.stop() == 0


async def _desk(browser: Browser, stack: Any, width: int, height: int) -> AsyncIterator[Page]:
    ctx = await browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = await ctx.new_page()
    base = f"http://127.0.0.1:{stack.http}"
    await page.goto(f"{base}/login")
    token = stack.tokens["supervisor"]["Authorization"].removeprefix("Bearer ")
    await page.fill("input[name=token]", token)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/")
    try:
        yield page
    finally:
        await ctx.close()


@pytest_asyncio.fixture
async def desktop(browser: Browser, stack: Any) -> AsyncIterator[Page]:
    async for page in _desk(browser, stack, 1366, 900):
        yield page


@pytest_asyncio.fixture
async def phone(browser: Browser, stack: Any) -> AsyncIterator[Page]:
    async for page in _desk(browser, stack, 390, 844):
        yield page


async def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    path = await save_screenshot(page, f"report-{name}", full_page=full_page)
    assert path.stat().st_size > 10_000


async def test_a_supervisor_writes_previews_and_signs_last_years_report(desktop: Page) -> None:
    page = desktop
    last_year = today().year - 1
    await page.locator("header").get_by_role("link", name="年度报告").click()
    await expect(page).to_have_url(re.compile(r"/reports/annual$"))
    row = page.locator(f"#report-years tr[data-year='{last_year}']")
    await expect(row).to_contain_text("草稿（未撰写）")
    await shot(page, "1-years")

    await row.get_by_role("link", name=f"{last_year}年度").click()
    await expect(page.locator("h1")).to_contain_text(f"{last_year}年政府信息公开工作年度报告")
    await expect(page.locator("#part-3 + .scroll")).to_contain_text("法人或其他组织")
    await page.fill("#overview", OVERVIEW)
    await page.fill("#problems", PROBLEMS)
    await page.fill("#other", "无。")
    await page.fill("#admin_fees_wan", "12.5")
    await page.locator("#report-text button[type=submit]").first.click()
    await expect(page.locator("#done")).to_have_text("已保存。")
    await expect(page.locator("#done")).to_be_in_viewport()
    await expect(page.locator("#overview")).to_have_value(OVERVIEW)
    await shot(page, "2-written")

    async with page.context.expect_page() as popup:
        await page.get_by_role("link", name="预览全文（公布样式，可打印）").click()
    preview = await popup.value
    await expect(preview.locator(".preview")).to_contain_text("签发后将在门户网站公布的样式")
    await expect(preview.locator("#annual-report")).to_contain_text("依申请公开办理规范")
    await expect(preview.locator("#annual-report")).to_contain_text("政策解读形式较单一")
    await shot(preview, "3-preview")
    await preview.close()

    await page.get_by_role("button", name="签发").click()  # not confirmed: refused, beside it
    await expect(page.locator("#sign-problem")).to_contain_text("请勾选确认后再签发")
    await expect(page.locator("#sign-problem")).to_be_in_viewport()
    await page.check("#sign-off input[name=confirmed]")
    await page.get_by_role("button", name="签发").click()
    published = page.locator("#published")
    await expect(published).to_contain_text("报告已在门户网站公布")
    await expect(published).to_contain_text(f"/public/reports/SZ-GT/{last_year}")
    await expect(page.locator("#overview")).to_have_count(0)  # as published: no more editing
    await shot(page, "4-signed")

    await published.get_by_role("link").click()
    await expect(page.locator("#signed")).to_contain_text("王主任签发")
    await expect(page.locator("#annual-report")).to_contain_text("依申请公开办理规范")
    await shot(page, "5-portal")


async def test_on_a_phone_this_years_report_is_written_and_its_sign_off_waits(
    phone: Page,
) -> None:
    page = phone
    this_year = today().year
    await page.locator("header").get_by_role("link", name="年度报告").click()
    await page.locator(f"#report-years tr[data-year='{this_year}']").get_by_role("link").click()
    await expect(page.locator("#report-state")).to_contain_text("年度尚未结束")
    await page.fill("#overview", OVERVIEW)
    await page.fill("#problems", PROBLEMS)
    await page.locator("#report-text button[type=submit]").nth(1).click()
    await expect(page.locator("#done")).to_have_text("已保存。")
    # The page never scrolls sideways; the wide tables scroll inside their own box.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    table = page.locator("#part-3 + .scroll")
    assert await table.evaluate("e => e.scrollWidth > e.clientWidth")
    await shot(page, "phone-1-written")
    await page.check("#sign-off input[name=confirmed]")
    await page.get_by_role("button", name="签发").click()
    await expect(page.locator("#sign-problem")).to_contain_text(
        f"{this_year}年度尚未结束，年度报告在次年签发"
    )
    await expect(page.locator("#sign-problem")).to_be_in_viewport()  # where the form was
    await shot(page, "phone-2-refused", full_page=False)
    await expect(page.locator("#problems")).to_have_value(PROBLEMS)
