"""The public portal in a real browser against the real stack (`gongkai up`), on a phone
(375×812, touch) and on a desktop: an applicant applies with a file, follows the case with the
查询号 and 查询码, corrects it online, downloads and rates the reply; the agency works the case
through its API. Then a message left online and a draft open for comment. Screenshots are saved
to test-artifacts/screenshots/portal-<viewport>-*.png."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from sqlmodel import Session, select

from gongkai.settings import Settings
from rules.calendar import SHANGHAI
from store.db import make_engine
from store.models import PublicComment
from tests.browser.conftest import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, save_screenshot
from tests.integration.stack import Stack, add_agency, bearer
from tests.workflows.helpers import GRANTED

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PERSON = {
    "name": "欧阳明月",
    "id": "110101199003071233",
    "phone": "13700137000",
    "email": "ouyang@example.cn",
}
VIEWPORTS = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    st = Stack(tmp_path_factory.mktemp("portal"))
    # Both walks come from 127.0.0.1: room for them under the per-address limits.
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


@pytest_asyncio.fixture(params=sorted(VIEWPORTS))
async def device(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Any]:
    """A fresh browser context at the viewport, and a `shot(page, step)` that names its files."""
    name = str(request.param)
    ctx = await browser.new_context(
        **VIEWPORTS[name], locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = await ctx.new_page()

    async def shot(pg: Page, step: str) -> Path:
        path = await save_screenshot(pg, f"portal-{name}-{step}")
        assert path.stat().st_size > 5_000
        return path

    try:
        yield name, page, shot
    finally:
        rep = getattr(request.node, "_browser_rep_call", None)
        if rep is not None and rep.failed:
            print(f"screenshot of the failed page: {await shot(page, 'FAILED')}")
        await ctx.close()


class Agency:
    """The officers' side, through the HTTP API."""

    def __init__(self, stack: Any) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
        self.tokens = stack.tokens

    def act(self, who: str, path: str, body: dict[str, Any]) -> None:
        res = self.http.post(path, headers=self.tokens[who], json=body)
        assert res.status_code in (200, 201), (path, res.text)

    def until(self, case: str, status: str) -> dict[str, Any]:
        for _ in range(300):
            view = self.http.get(f"/v1/cases/{case}", headers=self.tokens["officer"]).json()
            if view.get("status") == status:
                return view  # type: ignore[no-any-return]
            time.sleep(0.1)
        raise AssertionError(f"{case} never became {status}: {view}")


def no_personal_data(html: str) -> None:
    for value in PERSON.values():
        assert value not in html, f"personal data on a public page: {value}"


async def _reload_until(page: Page, text: str) -> None:
    """The read model follows the workflow by a few milliseconds: reload until it shows."""
    for _ in range(50):
        if text in await page.content():
            return
        await page.wait_for_timeout(200)
        await page.reload()
    raise AssertionError(f"the page never showed {text!r}")


async def test_an_applicant_applies_follows_corrects_and_rates_online(
    stack: Any, device: Any, tmp_path: Path
) -> None:
    viewport, page, shot = device
    agency = Agency(stack)
    base = f"http://127.0.0.1:{stack.http}"
    (tmp_path / "身份证明.pdf").write_bytes(PDF)
    (tmp_path / "地块图.png").write_bytes(PNG)

    # The home page leads to the application form.
    await page.goto(f"{base}/public/")
    await shot(page, "1-home")
    await page.get_by_role("link", name=re.compile("申请")).first.click()
    await expect(page.locator("h1")).to_have_text("在线申请政府信息公开")
    # The demonstration agency is gone now that a real one exists; nothing is chosen for you.
    await expect(page.locator("#agency option")).to_have_text(
        ["请选择受理机关", "某市规划和自然资源局"]
    )
    await page.select_option("#agency", "SZ-GT")
    await page.check('input[name="applicant_type"][value="person"]')
    await page.fill("#name", PERSON["name"])
    await page.fill("#id_number", "110101199003071234")  # a wrong check digit
    await page.fill("#phone", PERSON["phone"])
    await page.fill("#email", PERSON["email"])
    await page.fill("#description", f"2025年某地块建设工程规划许可证及附图（{viewport}）")
    await page.set_input_files("#attachments", str(tmp_path / "身份证明.pdf"))
    await page.get_by_role("button", name="提交申请").click()
    await expect(page.locator(".problems")).to_contain_text("证件号码：居民身份证号码校验位不对")
    await expect(page.locator("#name")).to_have_value(PERSON["name"])  # nothing lost
    await shot(page, "2-apply-error")
    await page.fill("#id_number", PERSON["id"])
    await page.set_input_files("#attachments", str(tmp_path / "身份证明.pdf"))
    await page.get_by_role("button", name="提交申请").click()

    # The receipt: the 查询号 and the 查询码, once.
    number = (await page.locator("#case-no").inner_text()).strip()
    code = (await page.locator("#code").inner_text()).strip()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code), code
    await expect(page.locator("body")).to_contain_text("欧**")
    no_personal_data(await page.content())
    await shot(page, "3-receipt")

    # Following the case: a wrong code first, then the right one.
    await page.goto(f"{base}/public/track")
    await page.fill("#number", number)
    await page.fill("#code", "AAAA-BBBB-CCCC-DDDD")
    await page.get_by_role("button", name=re.compile("查询")).click()
    await expect(page.locator(".problems")).to_be_visible()
    await page.fill("#number", number)
    await page.fill("#code", code.lower().replace("-", " "))  # typed loosely, still accepted
    await page.get_by_role("button", name=re.compile("查询")).click()
    await expect(page.locator("#case-no")).to_have_text(number)
    await expect(page.locator("#t0")).to_contain_text("待本机关确认")
    await expect(page.locator("dt", has_text="申请确认期限")).to_be_visible()
    await expect(page.locator("body")).to_contain_text("身份证明.pdf")
    await shot(page, "4-submitted")

    # The agency confirms the receipt: T0 and the due date, explained.
    agency.act("officer", f"/v1/disclosure-requests/{number}/actions/confirm-receipt", {})
    agency.until(number, "registered")
    await _reload_until(page, "答复期限")
    await expect(page.locator("#t0")).to_have_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"))
    first_due = (await page.locator("#due").inner_text()).strip()
    await expect(page.locator("#explanation")).to_contain_text("个工作日")
    await shot(page, "5-registered")

    # A correction is asked for; the applicant answers online with a file.
    agency.act(
        "officer",
        f"/v1/disclosure-requests/{number}/actions/request-correction",
        {"items": ["请写明地块编号"]},
    )
    agency.until(number, "awaiting_correction")
    await _reload_until(page, 'id="correction"')
    await expect(page.locator("#documents")).to_contain_text("补正")
    await shot(page, "6-correction-asked")
    await page.fill("#correction-text", "地块编号为 A-12，见附图。")
    await page.set_input_files("#correction-files", str(tmp_path / "地块图.png"))
    await page.get_by_role("button", name="提交补正").click()
    await expect(page.locator(".done")).to_contain_text("重新计算")
    view = agency.until(number, "registered")
    assert view["readings"]["reply"]["explanation"]["restarts"]
    await _reload_until(page, "重新计算")
    await expect(page.locator("body")).to_contain_text("地块图.png")
    assert (await page.locator("#due").inner_text()).strip() >= first_due
    await shot(page, "7-corrected")

    # The reply is drafted, reviewed, signed off by another supervisor and served.
    act = f"/v1/disclosure-requests/{number}/actions"
    agency.act("officer", f"{act}/accept", {})
    agency.act("officer", f"{act}/assign", {"unit": "规划处"})
    agency.act("officer", f"{act}/submit-for-review", {"reply": GRANTED.model_dump(mode="json")})
    agency.act("supervisor", f"{act}/review", {"approve": True, "confidentiality_reviewed": True})
    agency.act("head", f"{act}/sign-off", {"approve": True})
    agency.until(number, "replied")
    agency.act("officer", f"{act}/serve", {"method": "电子邮件"})
    agency.until(number, "remedy_window")
    await _reload_until(page, 'id="rating"')

    # The reply letter opens (to read, print or save), with its legal basis and the remedies.
    no_personal_data(await page.content())
    await shot(page, "8-replied")
    link = page.locator("#documents a", has_text="答复书")
    await expect(link).to_have_count(1)
    await link.click()
    await expect(page.locator("body")).to_contain_text("法律依据")
    letter = await page.locator("body").inner_text()
    assert "行政复议" in letter and "行政诉讼" in letter and number in letter
    await shot(page, "8b-reply-letter")
    await page.go_back()

    # Rated once.
    await page.get_by_label("满意", exact=True).check()
    await page.fill("#comment", "答复及时。")
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.locator(".done")).to_contain_text("感谢您的评价")
    await _reload_until(page, "您已评价本次答复")
    await expect(page.locator("#rating")).to_have_count(0)
    await shot(page, "9-rated")

    # The page's text holds no personal data, and leaving ends the session.
    no_personal_data(await page.content())
    await page.get_by_role("button", name="退出查询").click()
    await page.goto(f"{base}/public/case")
    await expect(page).to_have_url(f"{base}/public/track")


async def test_a_message_online_and_a_draft_open_for_comment(stack: Any, device: Any) -> None:
    viewport, page, shot = device
    agency = Agency(stack)
    base = f"http://127.0.0.1:{stack.http}"

    # A message with consent to publish; the agency answers; it appears on the public board.
    subject = f"某路段何时修缮（{viewport}）"
    await page.goto(f"{base}/public/inquiries/new")
    await page.select_option("#agency", "SZ-GT")
    await page.fill("#subject", subject)
    await page.fill("#message", "某路段坑洼较多，请问何时修缮？")
    await page.fill("#name", PERSON["name"])
    await page.fill("#phone", PERSON["phone"])
    await page.get_by_label(re.compile("同意在网上公开")).check()
    await shot(page, "inquiry-1-form")
    await page.get_by_role("button", name=re.compile("提交")).click()
    number = (await page.locator("#case-no").inner_text()).strip()
    await expect(page.locator("#code")).to_have_text(re.compile(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}"))
    agency.until(number, "handling")
    agency.act(
        "officer", f"/v1/inquiries/{number}/actions/answer", {"text": "已列入今年修缮计划。"}
    )
    agency.until(number, "answered")
    # Published as an officer approved its public text (personal data masked).
    agency.act(
        "officer",
        f"/v1/inquiries/{number}/actions/approve-publication",
        {
            "subject": subject,
            "message": "某路段坑洼较多，请问何时修缮？",
            "answer": "已列入今年修缮计划。",
        },
    )
    await page.goto(f"{base}/public/inquiries")
    await _reload_until(page, subject)
    await expect(page.locator("body")).to_contain_text("已列入今年修缮计划")
    await expect(page.locator("#units")).to_be_visible()
    no_personal_data(await page.content())
    await shot(page, "inquiry-2-board")

    # A draft decision open for comment: the period, its end, the notice and the form.
    title = f"停车收费管理办法（草案·{viewport}）"
    res = agency.http.post(
        "/v1/consultations",
        headers=agency.tokens["officer"],
        json={"agency": "SZ-GT", "title": title},
    )
    assert res.status_code == 201, res.text
    draft = res.json()["case_no"]
    agency.until(draft, "drafting")
    agency.act("officer", f"/v1/consultations/{draft}/actions/publish-draft", {})
    agency.until(draft, "comment_open")
    await page.goto(f"{base}/public/consultations")
    await _reload_until(page, title)
    await page.get_by_role("link", name=title).click()
    await expect(page.locator("#due")).to_have_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"))
    await expect(page.locator("#documents a").first).to_be_visible()
    await page.fill("#text", "建议夜间免费停车。")
    await page.get_by_role("button", name="提交意见").click()
    await expect(page.locator(".done")).to_contain_text("您的意见已收到")
    await shot(page, "consultation")
    engine = make_engine(Settings(var_dir=stack.var).db_url)
    with Session(engine) as db:
        kept = db.exec(select(PublicComment).where(PublicComment.case_no == draft)).all()
    engine.dispose()
    assert [c.text for c in kept] == ["建议夜间免费停车。"]


async def test_the_catalogue_and_the_annual_report_on_the_portal(stack: Any, device: Any) -> None:
    viewport, page, shot = device
    agency = Agency(stack)
    base = f"http://127.0.0.1:{stack.http}"
    title = f"关于调整城区停车收费标准的通知（{viewport}）"
    res = agency.http.post(
        "/v1/proactive-items",
        headers=agency.tokens["officer"],
        json={
            "agency": "SZ-GT",
            "title": title,
            "document_no": "某发改〔2026〕12号",
            "category": "fees",
            "content": "城区路内停车收费标准自2027年1月1日起调整。",
            "formed_on": datetime.now(SHANGHAI).date().isoformat(),
        },
    )
    assert res.status_code == 201, res.text
    item = res.json()["case_no"]
    agency.until(item, "recorded")
    act = f"/v1/proactive-items/{item}/actions"
    agency.act("officer", f"{act}/submit-item", {})
    agency.act(
        "supervisor", f"{act}/review-item", {"approve": True, "confidentiality_reviewed": True}
    )
    agency.act("head", f"{act}/sign-off-item", {"approve": True})
    agency.act("officer", f"{act}/publish-item", {"channels": ["政府网站", "政府公报"]})
    agency.until(item, "published")

    await page.goto(f"{base}/public/")
    await page.get_by_role("link", name="政府信息公开目录").click()
    await page.fill("#q", "停车收费")
    await page.get_by_role("button", name="检索").click()
    await expect(page.locator("#items")).to_contain_text(title)
    await shot(page, "catalogue")
    await page.get_by_role("link", name=title).click()
    await expect(page.locator("#index")).to_have_text(item)
    await expect(page.locator("body")).to_contain_text("政府网站、政府公报")
    await shot(page, "catalogue-item")

    # Last year's report, written and signed by the supervisor, published as it stands.
    last = datetime.now(SHANGHAI).year - 1
    chief = agency.tokens["supervisor"]
    if agency.http.get(f"/public/reports/SZ-GT/{last}").status_code == 404:
        text = {"overview": "本机关坚持以公开为常态。", "problems": "解读形式较单一，将增加图解。"}
        res = agency.http.put(f"/v1/reports/annual/{last}/text", headers=chief, json=text)
        assert res.status_code == 200, res.text
        res = agency.http.post(f"/v1/reports/annual/{last}/sign-off", headers=chief)
        assert res.status_code == 200, res.text
    await page.goto(f"{base}/public/")
    await page.get_by_role("link", name="年度报告").first.click()
    await page.get_by_role("link", name=re.compile(f"{last}年政府信息公开工作年度报告")).click()
    for part in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        await expect(page.locator("body")).to_contain_text(part)
    await expect(page.locator("#signed")).to_contain_text("王主任签发")
    await shot(page, "annual-report")
