"""Which agencies the public is offered and what it learns about them: the demonstration agency
disappears once a real one exists, the 受理机关 select asks for a choice, a disabled agency takes
no new case (portal and API) while its cases run on, and the guide and the letters give the GI
office's contacts as configured (GIDR Art. 12), leaving out what is not."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import httpx

from store.agencies import DEMO, set_disabled, update_agency
from store.cases import put_agency
from store.models import Agency
from tests.portal.conftest import Portal, form_token
from tests.portal.test_apply_and_track import APPLICANT, PDF
from tests.portal.test_public_pages import MESSAGE

DEMO_NAME = "示例市人民政府办公室（演示）"
CONTACT = {
    "address": "某市某区政务大道1号",
    "phone": "0755-12345678",
    "hours": "工作日 9:00-12:00，14:00-17:30",
    "website": "https://gt.example.gov.cn",
}
IN_PERSON = {
    "agency": "SZ-GT",
    "channel": "in_person",
    "description": "2025年某地块规划许可证",
    "applicant": {"name": "张三", "phone": "13800138000"},
}


def _add_demo(portal: Portal) -> None:
    put_agency(
        portal.engine,
        Agency(
            code=DEMO,
            name=DEMO_NAME,
            reconsideration_organ="示例市人民政府",
            court="示例市中级人民法院",
            case_prefix="GK",
        ),
    )


async def _post_apply(browser: httpx.AsyncClient, agency: str) -> httpx.Response:
    page = (await browser.get("/public/apply")).text
    return await browser.post(
        "/public/apply",
        data={**APPLICANT, "agency": agency, "form_token": form_token(page)},
        files=[("attachments", ("附件一.pdf", PDF, "application/pdf"))],
    )


async def _post_message(browser: httpx.AsyncClient, agency: str) -> httpx.Response:
    page = (await browser.get("/public/inquiries/new")).text
    return await browser.post(
        "/public/inquiries/new",
        data={**MESSAGE, "agency": agency, "form_token": form_token(page)},
    )


def _options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select id="agency"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, "no agency select on the page"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


async def test_demo_is_hidden_once_a_real_agency_exists(portal: Portal) -> None:
    _add_demo(portal)
    async with portal.browser() as browser:
        for path, prompt in (
            ("/public/apply", "请选择受理机关"),
            ("/public/inquiries/new", "请选择留言对象"),
        ):
            page = (await browser.get(path)).text
            assert _options(page) == [("", prompt), ("SZ-GT", "某市规划和自然资源局")]
            assert re.search(r'<select id="agency" name="agency" required>', page)
            assert DEMO_NAME not in page
        assert DEMO_NAME not in (await browser.get("/public/catalogue")).text
        assert (await browser.get(f"/public/guide/{DEMO}")).status_code == 404

        # Posted anyway (an old page, a crafted form): refused, in words, nothing opened.
        res = await _post_apply(browser, DEMO)
        assert res.status_code == 409 and "演示用机关" in res.text and "请从列表中选择" in res.text
        res = await _post_message(browser, DEMO)
        assert res.status_code == 409 and "演示用机关" in res.text
        # No agency chosen: the form says which field.
        res = await _post_apply(browser, "")
        assert res.status_code == 422 and "受理机关：请从列表中选择。" in res.text

        # Alone, the demonstration agency is offered again (a fresh install), still not chosen.
        set_disabled(portal.engine, "SZ-GT", True, datetime.now(UTC))
        page = (await browser.get("/public/apply")).text
        assert _options(page) == [("", "请选择受理机关"), (DEMO, DEMO_NAME)]
        assert "selected" not in page.split('id="agency"')[1].split("</select>")[0]


async def test_a_disabled_agency_takes_no_new_case_and_its_cases_run_on(portal: Portal) -> None:
    async with portal.staff() as staff, portal.browser() as browser:
        res = await staff.post("/v1/disclosure-requests", json=IN_PERSON)
        assert res.status_code == 201, res.text
        case = res.json()["case_no"]
        set_disabled(portal.engine, "SZ-GT", True, datetime.now(UTC))

        res = await staff.post("/v1/disclosure-requests", json=IN_PERSON)
        assert res.status_code == 409
        assert "已停用" in res.json()["detail"] and "已有案件照常办理" in res.json()["detail"]
        res = await _post_apply(browser, "SZ-GT")
        assert res.status_code == 409 and "已停止在本平台受理新的申请和留言" in res.text
        res = await _post_message(browser, "SZ-GT")
        assert res.status_code == 409 and "已停止在本平台受理" in res.text
        page = (await browser.get("/public/apply")).text
        assert _options(page) == [("", "请选择受理机关")]
        assert (await browser.get("/public/guide/SZ-GT")).status_code == 404

        # The case registered before goes on.
        res = await staff.post(f"/v1/disclosure-requests/{case}/actions/accept", json={})
        assert res.status_code == 200, res.text

        set_disabled(portal.engine, "SZ-GT", False, datetime.now(UTC))
        res = await staff.post("/v1/disclosure-requests", json=IN_PERSON)
        assert res.status_code == 201, res.text


async def test_the_guide_gives_the_configured_contacts_and_omits_the_rest(portal: Portal) -> None:
    async with portal.browser() as browser:
        page = (await browser.get("/public/guide/SZ-GT")).text
        office = page.split('id="office"')[1].split("</dl>")[0]
        assert "某市规划和自然资源局政府信息公开工作机构" in office
        for label in ("办公地址", "办公时间", "联系电话", "传真号码", "电子邮箱"):
            assert label not in office  # nothing configured: nothing shown, never empty
        assert "本平台" in office

        update_agency(
            portal.engine, "SZ-GT", {**CONTACT, "office_name": "某市规划和自然资源局办公室"}
        )
        page = (await browser.get("/public/guide/SZ-GT")).text
        office = page.split('id="office"')[1].split("</dl>")[0]
        assert "<dd>某市规划和自然资源局办公室</dd>" in office
        assert "<dt>办公地址</dt><dd>某市某区政务大道1号</dd>" in office
        assert "<dt>办公时间</dt><dd>工作日 9:00-12:00，14:00-17:30</dd>" in office
        assert "<dt>联系电话</dt><dd>0755-12345678</dd>" in office
        assert 'href="https://gt.example.gov.cn"' in office and "本平台" in office
        assert "传真号码" not in office and "电子邮箱" not in office


async def test_a_letter_carries_the_agency_contact_as_registered(portal: Portal) -> None:
    update_agency(portal.engine, "SZ-GT", CONTACT)
    async with portal.staff() as staff:
        res = await staff.post("/v1/disclosure-requests", json=IN_PERSON)
        assert res.status_code == 201, res.text
        case = res.json()["case_no"]
        for _ in range(200):
            receipt = await staff.get(f"/v1/cases/{case}/documents/receipt")
            if receipt.status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert receipt.status_code == 200, receipt.text
        contact = re.search(r'<p class="contact">(.*?)</p>', receipt.text)
        assert contact is not None, receipt.text
        assert contact.group(1) == (
            "联系方式：某市规划和自然资源局政府信息公开工作机构　地址：某市某区政务大道1号；"
            "电话：0755-12345678；办公时间：工作日 9:00-12:00，14:00-17:30"
        )
