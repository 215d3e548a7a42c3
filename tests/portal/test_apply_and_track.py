"""An applicant applies online, follows the case with its 查询号 and 查询码, corrects it online
with a file, and downloads and rates the reply; the agency works the case through the API."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from tests.portal.conftest import Portal, csrf, form_token
from tests.workflows.helpers import GRANTED

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
APPLICANT = {
    "agency": "SZ-GT",
    "applicant_type": "person",
    "name": "张三丰",
    "id_type": "居民身份证",
    "id_number": "110101199003071233",
    "phone": "13800138000",
    "email": "zhang@example.cn",
    "address": "某市某区某路1号",
    "description": "2025年某地块建设工程规划许可证及附图",
    "form": "电子文档",
    "delivery": "电子邮件",
}
PII = ("张三丰", "110101199003071233", "13800138000", "zhang@example.cn", "某市某区某路1号")


async def apply(browser: httpx.AsyncClient, **fields: Any) -> tuple[str, str, str]:
    page = (await browser.get("/public/apply")).text
    res = await browser.post(
        "/public/apply",
        data={**APPLICANT, **fields, "form_token": form_token(page)},
        files=[("attachments", ("附件一.pdf", PDF, "application/pdf"))],
    )
    assert res.status_code == 201, res.text
    number = re.search(r'id="case-no">([^<]+)<', res.text)
    code = re.search(r'id="code">([^<]+)<', res.text)
    assert number and code
    return number.group(1), code.group(1), res.text


async def follow(browser: httpx.AsyncClient, number: str, code: str) -> httpx.Response:
    page = (await browser.get("/public/track")).text
    return await browser.post(
        "/public/track",
        data={"number": number, "code": code, "form_token": form_token(page)},
    )


async def case_page(browser: httpx.AsyncClient) -> str:
    res = await browser.get("/public/case")
    assert res.status_code == 200, res.text
    return res.text


async def until_status(portal: Portal, case: str, status: str) -> dict[str, Any]:
    async with portal.staff() as staff:
        for _ in range(200):
            view = (await staff.get(f"/v1/cases/{case}")).json()
            if view.get("status") == status:
                return view  # type: ignore[no-any-return]
            await asyncio.sleep(0.05)
    raise AssertionError(f"{case} never became {status}")


def no_pii(text: str) -> None:
    for value in PII:
        assert value not in text, f"personal data on a public page: {value}"


async def test_apply_track_correct_reply_download_and_rate(portal: Portal) -> None:
    async with portal.browser() as browser:
        number, code, receipt = await apply(browser)
        assert "张**" in receipt and re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
        no_pii(receipt)
        assert (await follow(browser, number, code)).status_code == 303
        page = await case_page(browser)
        no_pii(page)
        assert "待本机关确认" in page  # T0 is the confirmation day (Art. 31(3))
        assert "附件一.pdf" in page

        staff = portal.staff()
        chief = portal.staff("supervisor")
        act = f"/v1/disclosure-requests/{number}/actions"
        assert (await staff.post(f"{act}/confirm-receipt", json={})).status_code == 200
        await until_status(portal, number, "registered")
        page = await case_page(browser)
        assert 'id="t0"' in page and "待本机关确认" not in page
        due = re.search(r'id="due">(\d{4}年\d{1,2}月\d{1,2}日)', page)
        assert due is not None and "个工作日" in page  # the explanation of the due date
        no_pii(page)

        res = await staff.post(f"{act}/request-correction", json={"items": ["请写明地块编号"]})
        assert res.status_code == 200, res.text
        await until_status(portal, number, "awaiting_correction")
        page = await case_page(browser)
        assert 'id="correction"' in page and "补正告知书" in page
        res = await browser.post(
            "/public/case/correction",
            data={"csrf": csrf(page), "text": "地块编号为 A-12"},
            files=[("attachments", ("地块图.png", PNG, "image/png"))],
        )
        assert res.status_code == 303, res.text
        view = await until_status(portal, number, "registered")
        assert view["readings"]["reply"]["explanation"]["restarts"]  # the clock restarted
        page = await case_page(browser)
        assert "重新计算" in page and "地块图.png" in page

        for path, body, who in (
            ("accept", {}, staff),
            ("assign", {"unit": "规划处"}, staff),
            ("submit-for-review", {"reply": GRANTED.model_dump(mode="json")}, staff),
            ("review", {"approve": True, "confidentiality_reviewed": True}, chief),
            ("sign-off", {"approve": True}, portal.staff("head")),
        ):
            res = await who.post(f"{act}/{path}", json=body)
            assert res.status_code == 200, (path, res.text)
        await until_status(portal, number, "replied")
        res = await staff.post(f"{act}/serve", json={"method": "电子邮件"})
        assert res.status_code == 200, res.text
        await until_status(portal, number, "remedy_window")

        page = await case_page(browser)
        reply = re.search(r'href="(/public/case/documents/reply\?seq=\d+)"', page)
        assert reply is not None
        letter = await browser.get(reply.group(1))
        assert letter.status_code == 200 and "行政复议" in letter.text
        assert 'id="rating"' in page
        res = await browser.post(
            "/public/case/rating", data={"csrf": csrf(page), "score": "satisfied"}
        )
        assert res.status_code == 303
        for _ in range(100):
            page = await case_page(browser)
            if "您已评价本次答复" in page:
                break
            await asyncio.sleep(0.05)
        assert 'id="rating"' not in page  # once
        async with portal.staff("supervisor") as chief_page:
            table = (await chief_page.get("/ratings")).text
        assert re.search(r"<td>李经办</td><td>1</td><td>0</td><td>0</td><td>1</td>", table), table
        async with portal.staff() as officer_page:
            assert (await officer_page.get("/ratings")).status_code == 403
        # The officers see the applicant's files on the case page, and can open them.
        async with portal.staff() as officer_page:
            staff_page = (await officer_page.get(f"/cases/{number}")).text
            link = re.search(
                r'href="(/cases/[^"]+/attachments/[0-9a-f]{64})">附件一.pdf', staff_page
            )
            assert link is not None, staff_page[-3000:]
            pdf = await officer_page.get(link.group(1))
            assert pdf.content == PDF and pdf.headers["content-type"] == "application/pdf"
        await staff.aclose()
        await chief.aclose()
