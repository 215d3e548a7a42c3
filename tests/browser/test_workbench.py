"""The officers' workbench in a real browser against the real stack (`gongkai up`), with no HTTP
call made outside the browser: one disclosure case from a paper application to the archive, by
an officer of the GI office, a member of the unit it is routed to and two supervisors; then the
main path of every other kind. Screenshots: test-artifacts/screenshots/workbench-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from rules.calendar import SHANGHAI
from tests.browser.conftest import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, save_screenshot
from tests.integration.stack import Stack, add_agency, cli

pytestmark = pytest.mark.integration

PEOPLE = {  # username: (role, name, unit)
    "li.officer": ("officer", "李经办", ""),
    "qian.plan": ("officer", "钱规划", "规划处"),
    "wang.chief": ("supervisor", "王主任", ""),
    "zhou.head": ("supervisor", "周局长", ""),
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    st = Stack(tmp_path_factory.mktemp("workbench"))
    add_agency(st)
    st.tokens = {}  # type: ignore[attr-defined]
    for username, (role, name, unit) in PEOPLE.items():
        args = ["users", "add", username, "--agency", "SZ-GT", "--role", role, "--name", name]
        out = cli(st, *args, *(["--unit", unit] if unit else []))
        st.tokens[username] = out.strip().splitlines()[-1]  # type: ignore[attr-defined]
    st.start()
    yield st
    assert st.stop() == 0


class Desk:
    """One person at their browser: signed in, on the workbench."""

    def __init__(self, stack: Any, page: Page, who: str) -> None:
        self.stack, self.page, self.who = stack, page, who
        self.base = f"http://127.0.0.1:{stack.http}"

    async def sign_in(self) -> Desk:
        await self.page.goto(f"{self.base}/login")
        await self.page.fill("input[name=token]", self.stack.tokens[self.who])
        await self.page.click("button[type=submit]")
        await expect(self.page).to_have_url(f"{self.base}/")
        return self

    async def open(self, case: str) -> None:
        await self.page.goto(f"{self.base}/cases/{case}")

    async def until(self, text: str) -> None:
        """The workflow answers in milliseconds, the read model a moment later: reload."""
        for _ in range(60):
            if text in await self.page.content():
                return
            await self.page.wait_for_timeout(250)
            await self.page.reload()
        raise AssertionError(f"{self.who} never saw {text!r}")

    async def act(self, step: str, confirm: bool = False, **values: str | bool) -> None:
        """Open the step's form, fill it in as typed, submit it."""
        await self.until(f'id="action-{step}"')
        box = self.page.locator(f"#action-{step}")
        if await box.get_attribute("open") is None:
            await box.locator("summary").click()
        decision = values.pop("approve", None)  # a decision is its button: 同意 / 不同意
        for name, value in values.items():
            control = box.locator(f'[name="{name}"]')
            tag = await control.evaluate("e => e.tagName + ':' + (e.type || '')")
            if isinstance(value, bool):
                await control.set_checked(value)
            elif tag.startswith("SELECT"):
                await control.select_option(value)
            else:
                await control.fill(value)
        if confirm:
            await box.locator('[name="confirmed"]').check()
        if decision is not None:
            await box.locator(f'button[name="approve"][value="{decision}"]').click()
        else:
            await box.locator("button[type=submit]:not([name])").click()

    async def shot(self, name: str) -> None:
        path = await save_screenshot(self.page, f"workbench-{name}")
        assert path.stat().st_size > 10_000


async def _context(browser: Browser, width: int = 1280, height: int = 900) -> BrowserContext:
    ctx = await browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return ctx


async def test_one_disclosure_case_from_paper_to_archive(stack: Any, browser: Browser) -> None:
    contexts = [await _context(browser) for _ in PEOPLE]
    try:
        officer, unit, chief, head = [
            await Desk(stack, await ctx.new_page(), who).sign_in()
            for ctx, who in zip(contexts, PEOPLE, strict=True)
        ]
        page = officer.page

        # 登记: a paper application, from the form made from its body.
        await page.get_by_role("link", name=re.compile("登记")).first.click()
        await page.get_by_role("link", name="依申请公开").click()
        await page.select_option('[name="channel"]', "in_person")
        await page.fill('[name="applicant.name"]', "张三")
        await page.fill('[name="applicant.phone"]', "13800138000")
        await page.fill('[name="description"]', "某地块建设工程规划许可证及附图")
        await officer.shot("1-register")
        await page.get_by_role("button", name="登记").click()
        await expect(page.locator("#done")).to_contain_text("已办理：登记")
        case = page.url.split("/cases/")[1].split("?")[0]
        await officer.until('id="action-accept"')
        await officer.shot("2-registered")

        # 受理, then the same form again from the page as it was: refused beside it (409).
        await officer.act("accept", note="材料齐全")
        await expect(page.locator("#done")).to_contain_text("受理")
        await page.go_back()
        if await page.locator("#action-accept").get_attribute("open") is None:
            await page.locator("#action-accept summary").click()
        await page.locator("#action-accept button[type=submit]").click()
        await expect(page.locator("#error-accept")).to_contain_text("不能在案件状态")
        await officer.shot("3-refused-inline")

        # 拟办 to 规划处, which 签收s it (the GI office itself may not).
        await officer.open(case)
        await officer.act("assign", unit="规划处")
        # 签收 is the unit's: the GI office is not offered it (the workflow would refuse it).
        await officer.until("交规划处拟办")
        await expect(page.locator("#action-acknowledge")).to_have_count(0)
        await unit.open(case)
        await unit.act("acknowledge")
        await expect(unit.page.locator("#done")).to_contain_text("签收")

        # A third party is consulted; its answer is recorded with the time it came.
        await officer.open(case)
        await officer.act(
            "start-consultation", kind="third_party", party="某建设公司", matters="附图涉及商业秘密"
        )
        await page.wait_for_timeout(1100)
        answered = datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")
        await officer.act("record-consultation-answer", answer="consent", occurred_at=answered)
        await expect(page.locator("#done")).to_contain_text("征求意见结果")

        # The officer asks for an extension; the supervisor approves it in the inbox.
        await officer.act("request-extension", working_days="10", reason="需调取档案馆材料")
        await chief.page.goto(f"{chief.base}/approvals")
        await chief.until(case)
        await chief.shot("4-approvals")
        row = chief.page.locator('tr[data-step="decide-extension"]', has_text=case)
        await expect(row).to_contain_text("李经办")
        await row.locator("a").first.click()
        await chief.act("decide-extension", approve="true", comments="同意")
        await chief.until("延期答复告知书")

        # The reply, previewed, then submitted; reviewed; signed off by another supervisor.
        await officer.open(case)
        reply = {
            "reply.outcome": "GRANTED",
            "reply.facts": "经检索，找到该规划许可文件。",
            "reply.access_method": "电子邮件发送",
            "reply.access_place": "申请人预留邮箱",
            "reply.access_time": "答复之日起5个工作日内",
        }
        await officer.until('id="action-submit-for-review"')
        box = page.locator("#action-submit-for-review")
        if await box.get_attribute("open") is None:
            await box.locator("summary").click()
        # First the outcome: the form then asks only for what that reply must contain.
        await page.select_option("#outcome-choice", reply.pop("reply.outcome"))
        await page.get_by_role("button", name="填写答复内容").click()
        box = page.locator("#action-submit-for-review")
        await expect(box.locator('[name="reply.forbidding_law"]')).to_have_count(0)
        for name, value in reply.items():
            await box.locator(f'[name="{name}"]').fill(value)
        async with page.context.expect_page() as popup:
            await box.get_by_role("button", name="预览文书").click()
        preview = await popup.value
        await expect(preview.locator(".preview")).to_contain_text("预览")
        await expect(preview.locator("body")).to_contain_text("行政复议")
        await save_screenshot(preview, "workbench-5-reply-preview")
        await preview.close()
        await officer.shot("5b-reply-form")
        await box.locator("button[type=submit]:not([name])").click()
        await expect(page.locator("#done")).to_contain_text("提交审核")

        await chief.open(case)
        await chief.act("review", approve="true", confidentiality_reviewed=True)
        await head.open(case)
        await head.act("sign-off", confirm=True, approve="true")
        await expect(head.page.locator("#done")).to_contain_text("签发")

        # Served and archived by the officer; the timeline shows each person by name.
        await officer.open(case)
        await officer.act("serve", confirm=True, method="邮寄送达")
        await officer.act("archive", confirm=True)
        await officer.until("已归档")
        timeline = await page.locator("body").inner_text()
        for name in ("李经办", "钱规划", "王主任", "周局长"):
            assert name in timeline
        await officer.shot("6-archived")
    finally:
        for ctx in contexts:
            await ctx.close()


async def test_the_other_kinds_main_paths(stack: Any, browser: Browser) -> None:
    ctx, chief_ctx = await _context(browser), await _context(browser)
    try:
        officer = await Desk(stack, await ctx.new_page(), "li.officer").sign_in()
        chief = await Desk(stack, await chief_ctx.new_page(), "wang.chief").sign_in()
        page = officer.page

        async def register(kind: str, **values: str) -> str:
            await page.goto(f"{officer.base}/cases/new?kind={kind}")
            for name, value in values.items():
                control = page.locator(f'#new-case [name="{name}"]')
                if await control.evaluate("e => e.tagName") == "SELECT":
                    await control.select_option(value)
                else:
                    await control.fill(value)
            await page.get_by_role("button", name="登记").click()
            await expect(page.locator("#done")).to_contain_text("登记")
            return page.url.split("/cases/")[1].split("?")[0]

        # 网络问政: a message taken down, answered, closed.
        await register(
            "inquiry",
            category="consultation",
            **{"person.name": "王小五"},
            subject="某路段何时修缮",
            message="某路段坑洼较多，请问何时修缮？",
            unit="城建科",
        )
        await officer.act("answer", text="已列入今年修缮计划。")
        await officer.act("close", confirm=True)
        await officer.until("已办结归档")

        # 突发事件: a draft release, approved by the supervisor (谁发布谁审查), then closed.
        event = await register("emergency", grade="major", title="某化工园区火灾")
        await officer.act("submit-draft", kind="authoritative", text="火情已得到控制，无人员伤亡。")
        await chief.open(event)
        await chief.act("approve-release", confirm=True, approve="true", channel="政府网站")
        await chief.act("close", confirm=True, reason="事件处置完毕", no_press_conference_reason="")
        await chief.until("信息发布稿")
        await chief.shot("7-emergency")

        # 重大决策预公开: a draft decision published for comment.
        await register("consultation", title="停车收费管理办法（草案）")
        await officer.act("publish-draft")
        await officer.until("公开征求意见公告")

        # 新闻发布会年度计划: a year's plan, a conference recorded.
        plan = await register("press_plan", year=str(datetime.now(SHANGHAI).year))
        await officer.open(plan)
        await officer.act(
            "record-press-conference",
            held_on=datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S"),
            topic="政府信息公开工作",
            speaker="新闻发言人",
        )
        await expect(page.locator("#done")).to_contain_text("新闻发布会")
        await officer.shot("8-press-plan")
    finally:
        await ctx.close()
        await chief_ctx.close()


async def test_a_calendar_change_previewed_on_the_calendar_page(
    stack: Any, browser: Browser
) -> None:
    """A supervisor previews making a working day a holiday: every deadline that would move is
    listed (old → new, per case and clock), on a phone, and nothing is stored."""
    from rules.calendar import build_calendar

    ctx = await _context(browser, 390, 844)
    try:
        officer = await Desk(stack, await ctx.new_page(), "li.officer").sign_in()
        page = officer.page
        await page.goto(f"{officer.base}/cases/new")
        await page.get_by_role("link", name="依申请公开").click()
        await page.select_option('[name="channel"]', "in_person")
        await page.fill('[name="applicant.name"]', "李四")
        await page.fill('[name="applicant.phone"]', "13800138001")
        await page.fill('[name="description"]', "2026年某街道老旧小区改造项目批复")
        await page.get_by_role("button", name="登记").click()
        await expect(page.locator("#done")).to_contain_text("已办理：登记")
        case = page.url.split("/cases/")[1].split("?")[0]
        await officer.until('id="action-accept"')

        chief = await Desk(stack, await ctx.new_page(), "wang.chief").sign_in()
        today = datetime.now(SHANGHAI).date()
        closure = build_calendar().nth_working_day(today, 5).end
        await chief.page.goto(f"{chief.base}/calendar")
        await expect(chief.page).to_have_title(re.compile("工作日历"))
        await chief.page.fill('[name="preview_day"]', closure.isoformat())
        await chief.page.select_option('[name="preview_kind"]', "holiday")
        await chief.page.get_by_role("button", name="预览").click()
        preview = chief.page.locator("table").last
        await expect(preview).to_contain_text(case)
        await expect(preview).to_contain_text("答复期限")  # the clock by its Chinese name
        await expect(chief.page.locator("main")).to_contain_text("将变动")
        await chief.shot("7-calendar-preview")
        # Nothing was stored: the day is still a working day on the page of its year.
        await chief.page.goto(f"{chief.base}/calendar?year={closure.year}")
        assert closure.isoformat() not in await chief.page.locator("table").first.inner_text()
    finally:
        await ctx.close()
