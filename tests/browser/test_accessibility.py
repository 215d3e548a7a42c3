"""Every page of both faces checked by axe-core (WCAG 2.1 A and AA) in a real browser against the
real stack (`gongkai up`): the portal on a phone (390×844, touch), in the standard and the large
display, the workbench on a desktop (1366×900). Each page is also saved as a screenshot,
test-artifacts/screenshots/a11y-*.png, and must not scroll sideways.

axe-core is bundled with axe-playwright-python and injected through the DevTools protocol, so
the pages keep their CSP (no inline script) while they are checked."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, Response, expect

from rules.calendar import SHANGHAI
from tests.browser.conftest import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, save_screenshot
from tests.integration.stack import Stack, add_agency, bearer
from tests.workflows.helpers import GRANTED

pytestmark = pytest.mark.integration

# WCAG 2.1 A and AA, plus axe's best practices (unique landmarks, table headers with text...) and
# WCAG 2.2's target size, met as well.
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}}
LONG_URL = (
    "https://www.example.gov.cn/zwgk/zfxxgkml/fgwj/gfxwj/2026/"
    "t20261201_1234567_parking_fee_adjustment_notice_full_text.html"
)
_axe = Axe()
# Drawn on one line (its content one line high) and within the screen.
ONE_LINE = """e => { const st = getComputedStyle(e);
    const inner = e.clientHeight - parseFloat(st.paddingTop) - parseFloat(st.paddingBottom);
    return inner < 1.5 * parseFloat(st.lineHeight)
        && e.getBoundingClientRect().right <= document.documentElement.clientWidth; }"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    st = Stack(tmp_path_factory.mktemp("a11y"))
    st.env["GONGKAI_PORTAL_NEW_CASES_PER_ADDRESS"] = "50"
    st.env["GONGKAI_PORTAL_TRACKING_PER_ADDRESS"] = "200"
    st.env["GONGKAI_PORTAL_POSTS_PER_ADDRESS"] = "200"
    add_agency(st)
    st.tokens = {  # type: ignore[attr-defined]
        "officer": bearer(st, "li.officer", name="李经办"),
        "supervisor": bearer(st, "wang.chief", "supervisor", name="王主任"),
        "head": bearer(st, "zhou.head", "supervisor", name="周局长"),
    }
    st.start()
    yield st
    assert st.stop() == 0


class World:
    """What the pages show, made through the API: a paper application waiting for review, a
    message, a proactive item in the catalogue and a draft decision open for comment."""

    def __init__(self, stack: Any) -> None:
        self.base = f"http://127.0.0.1:{stack.http}"
        self.http = httpx.Client(base_url=self.base, timeout=30)
        self.tokens: dict[str, dict[str, str]] = stack.tokens

    def token(self, who: str) -> str:
        return self.tokens[who]["Authorization"].removeprefix("Bearer ")

    def post(self, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        res = self.http.post(path, headers=self.tokens[who], json=body)
        assert res.status_code in (200, 201), (path, res.text)
        return res.json()  # type: ignore[no-any-return]

    def until(self, case: str, status: str) -> None:
        for _ in range(300):
            view = self.http.get(f"/v1/cases/{case}", headers=self.tokens["officer"]).json()
            if view.get("status") == status:
                return
            time.sleep(0.1)
        raise AssertionError(f"{case} never became {status}: {view}")

    def make(self) -> World:
        today = datetime.now(SHANGHAI).date().isoformat()
        self.paper = self.post(
            "officer",
            "/v1/disclosure-requests",
            {
                "agency": "SZ-GT",
                "channel": "in_person",
                "applicant": {"name": "张三", "phone": "13800138000"},
                "description": "某地块建设工程规划许可证及附图",
            },
        )["case_no"]
        self.until(self.paper, "registered")
        act = f"/v1/disclosure-requests/{self.paper}/actions"
        self.post("officer", f"{act}/accept", {})
        self.post("officer", f"{act}/assign", {"unit": "规划处"})
        self.post("officer", f"{act}/submit-for-review", {"reply": GRANTED.model_dump(mode="json")})
        self.until(self.paper, "review")

        self.inquiry = self.post(
            "officer",
            "/v1/inquiries",
            {
                "agency": "SZ-GT",
                "category": "consultation",
                "person": {"name": "王小五"},
                "subject": "某路段何时修缮",
                "message": "某路段坑洼较多，请问何时修缮？",
                "unit": "城建科",
            },
        )["case_no"]

        self.item = self.post(
            "officer",
            "/v1/proactive-items",
            {
                "agency": "SZ-GT",
                "title": "关于调整城区停车收费标准的通知",
                "document_no": "某发改〔2026〕12号",
                "category": "fees",
                "content": "城区路内停车收费标准自2027年1月1日起调整。",
                "formed_on": today,
            },
        )["case_no"]
        self.until(self.item, "recorded")
        act = f"/v1/proactive-items/{self.item}/actions"
        self.post("officer", f"{act}/submit-item", {})
        self.post(
            "supervisor", f"{act}/review-item", {"approve": True, "confidentiality_reviewed": True}
        )
        self.post("head", f"{act}/sign-off-item", {"approve": True})
        self.post("officer", f"{act}/publish-item", {"channels": ["政府网站"], "url": LONG_URL})
        self.until(self.item, "published")

        self.draft = self.post(
            "officer", "/v1/consultations", {"agency": "SZ-GT", "title": "停车收费管理办法（草案）"}
        )["case_no"]
        self.until(self.draft, "drafting")
        self.post("officer", f"/v1/consultations/{self.draft}/actions/publish-draft", {})
        self.until(self.draft, "comment_open")

        # Last year's annual report, written and signed: the portal publishes it as signed.
        self.year = datetime.now(SHANGHAI).year - 1
        report = f"/v1/reports/annual/{self.year}"
        text = {"overview": "本机关坚持以公开为常态。", "problems": "解读形式较单一。"}
        res = self.http.put(f"{report}/text", headers=self.tokens["supervisor"], json=text)
        assert res.status_code == 200, res.text
        self.post("supervisor", f"{report}/sign-off", {})
        return self


@pytest.fixture(scope="module")
def world(stack: Any) -> World:
    return World(stack).make()


class Auditor:
    """Visits pages, runs axe on each, saves a screenshot; reports every violation at the end."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.missing: list[str] = []

    def watch(self, page: Page) -> Page:
        """Note every 404 a page causes (a favicon, a style sheet) but the one asked for."""

        def seen(res: Response) -> None:
            if res.status == 404 and "/no-such-page" not in res.url:
                self.missing.append(res.url)

        page.on("response", seen)
        return page

    async def check(self, page: Page, name: str, *, open_details: bool = False) -> None:
        if open_details:  # the action forms, folded by default, are checked unfolded
            await page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        options = {"runOnly": {"type": "tag", "values": RULES}, "resultTypes": ["violations"]}
        self.found[name] = (await _axe.run(page, options=options)).response["violations"]
        wide, screen = await page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if wide > screen:  # the page itself scrolls sideways
            sideways = {"target": [f"page {wide}px wide on a {screen}px screen"]}
            self.found[name].append({"id": "sideways", "impact": "serious", "nodes": [sideways]})
        await save_screenshot(page, f"a11y-{self.prefix}-{name}")

    def report(self) -> str:
        lines = []
        for name, violations in self.found.items():
            lines.append(f"{self.prefix} {name}: {len(violations)} violations")
            for v in violations:
                targets = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:6])
                more = f" (+{len(v['nodes']) - 6})" if len(v["nodes"]) > 6 else ""
                lines.append(f"  {v['id']} [{v['impact']}] {len(v['nodes'])}× {targets}{more}")
        return "\n".join(lines)

    def assert_clean(self) -> None:
        print(self.report())
        assert not any(self.found.values()), self.report()
        assert not self.missing, f"404 while loading the pages: {self.missing}"


async def _context(browser: Browser, device: dict[str, Any]) -> BrowserContext:
    ctx = await browser.new_context(**device, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return ctx


@pytest_asyncio.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    ctx = await _context(browser, PHONE)
    try:
        yield await ctx.new_page()
    finally:
        await ctx.close()


async def _large(page: Page, url: str) -> None:
    """大字版, chosen as a reader does: the link in the header (no script), then back here."""
    await page.goto(url)
    await page.get_by_role("link", name="大字版").click()
    await expect(page).to_have_url(url)
    await expect(page.locator("html")).to_have_class("large")


async def _portal_pages(page: Page, world: World, audit: Auditor) -> None:
    base = world.base
    await page.goto(f"{base}/public/")
    await audit.check(page, "01-home")

    await page.goto(f"{base}/public/apply")
    await audit.check(page, "02-apply")
    await page.select_option("#agency", "SZ-GT")
    await page.get_by_label("商业企业").check()
    await page.fill("#name", "某建设有限公司")
    await page.select_option("#id_type", "统一社会信用代码")
    await page.fill("#id_number", "91110000100000000X")
    await page.fill("#phone", "13700137000")
    await page.fill("#description", "2025年某地块建设工程规划许可证及附图")
    await page.get_by_role("button", name="提交申请").click()
    await expect(page.locator("#code")).to_be_visible()
    number = (await page.locator("#case-no").inner_text()).strip()
    code = (await page.locator("#code").inner_text()).strip()
    await audit.check(page, "03-apply-result")
    for shown in ("#case-no", "#code"):  # each on one line, whole on the screen, one tap selects
        box = page.locator(shown)
        assert await box.evaluate(ONE_LINE), f"{shown} breaks or overflows"
        await expect(box).to_have_css("user-select", "all")

    await page.goto(f"{base}/public/track")
    await audit.check(page, "04-track")
    await page.fill("#number", number)
    await page.fill("#code", code)
    await page.get_by_role("button", name=re.compile("查询")).click()
    await expect(page.locator("#case-no")).to_have_text(number)
    await audit.check(page, "05-tracked-case")

    await page.goto(f"{base}/public/inquiries/new")
    await audit.check(page, "06-message-form")
    await page.select_option("#agency", "SZ-GT")
    await page.fill("#subject", "楼下噪音扰民")
    await page.fill("#message", "夜间施工噪音较大，请问如何处理？")
    await page.fill("#name", "王秀英")
    await page.fill("#phone", "13900001111")
    await page.get_by_role("button", name=re.compile("提交")).click()
    await expect(page.locator("#code")).to_be_visible()
    await audit.check(page, "07-message-result")

    for name, path in (
        ("08-message-board", "/public/inquiries"),
        ("09-consultations", "/public/consultations"),
        ("10-consultation", f"/public/consultations/{world.draft}"),
        ("11-releases", "/public/releases"),
        ("12-catalogue", "/public/catalogue"),
        ("13-catalogue-item", f"/public/catalogue/{world.item}"),
        ("14-guide", "/public/guide/SZ-GT"),
        ("15-reports", "/public/reports"),
        ("15b-report", f"/public/reports/SZ-GT/{world.year}"),
        ("16-not-found", "/public/no-such-page"),
    ):
        await page.goto(f"{base}{path}")
        await audit.check(page, name)
        if name == "12-catalogue":  # the search box as wide as the other fields
            widths = [
                await page.locator(f).evaluate("e => e.offsetWidth") for f in ("#q", "#category")
            ]
            assert widths[0] == widths[1], widths


@pytest.mark.parametrize("display", ["standard", "large"])
async def test_every_portal_page_passes_axe_on_a_phone(
    phone: Page, world: World, display: str
) -> None:
    audit = Auditor(f"portal-{display}")
    audit.watch(phone)
    if display == "large":
        await _large(phone, f"{world.base}/public/catalogue")
    await _portal_pages(phone, world, audit)
    audit.assert_clean()


async def _sign_in(page: Page, world: World, who: str) -> None:
    await page.goto(f"{world.base}/login")
    await page.fill("input[name=token]", world.token(who))
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{world.base}/")


@pytest.mark.parametrize("display", ["standard", "large"])
async def test_every_workbench_page_passes_axe_on_a_desktop(
    browser: Browser, world: World, display: str
) -> None:
    audit = Auditor(f"workbench-{display}")
    ctx, chief_ctx = await _context(browser, DESKTOP), await _context(browser, DESKTOP)
    try:
        page = audit.watch(await ctx.new_page())
        if display == "large":
            await _large(page, f"{world.base}/login")
            await _large(await chief_ctx.new_page(), f"{world.base}/login")
        await page.goto(f"{world.base}/login")
        await audit.check(page, "01-login")
        await _sign_in(page, world, "officer")
        await audit.check(page, "02-board")
        for name, path, unfold in (
            ("03-mine", "/mine", False),
            ("04-case-disclosure", f"/cases/{world.paper}", True),
            ("05-case-inquiry", f"/cases/{world.inquiry}", True),
            ("06-new-case", "/cases/new", False),
            ("07-new-case-disclosure", "/cases/new?kind=disclosure", False),
            ("09-forecast", "/forecast", False),
            ("10-search", "/search?q=%E5%9C%B0%E5%9D%97", False),
            ("12-calendar", "/calendar", False),
        ):
            await page.goto(f"{world.base}{path}")
            await audit.check(page, name, open_details=unfold)

        chief = audit.watch(await chief_ctx.new_page())
        await _sign_in(chief, world, "supervisor")
        await chief.goto(f"{world.base}/approvals")
        await expect(chief.locator("#approvals")).to_contain_text(world.paper)
        await audit.check(chief, "08-approvals")
        await chief.goto(f"{world.base}/ratings")
        await audit.check(chief, "11-ratings")
        await chief.goto(f"{world.base}/cases/{world.paper}")
        await audit.check(chief, "04b-case-for-review", open_details=True)
    finally:
        await ctx.close()
        await chief_ctx.close()
    audit.assert_clean()


async def test_the_board_and_my_cases_fit_a_phone(browser: Browser, world: World) -> None:
    """At 390 px the workbench's wide tables scroll inside their own labelled, focusable boxes;
    the page itself never scrolls sideways."""
    audit = Auditor("workbench-phone")
    ctx = await _context(browser, PHONE)
    try:
        page = await ctx.new_page()
        await _sign_in(page, world, "officer")
        await audit.check(page, "02-board")
        table = page.get_by_role("region", name="最早未答复的案件")
        await expect(table).to_have_attribute("tabindex", "0")
        assert await table.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls, inside
        await page.goto(f"{world.base}/mine")
        await audit.check(page, "03-mine")
    finally:
        await ctx.close()
    audit.assert_clean()
