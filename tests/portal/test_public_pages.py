"""The public's other doors: a message left online and its answer on the public board (only
with the author's consent, never their name), a draft decision open for comment with its
period explained and the comment form, and an emergency's authoritative releases."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.portal.conftest import Portal, form_token
from tests.portal.test_apply_and_track import follow, until_status

MESSAGE = {
    "agency": "SZ-GT",
    "category": "consultation",
    "subject": "某路段何时修缮",
    "message": "某路段坑洼较多，请问何时修缮？",
    "name": "王小五",
    "phone": "13900139000",
    "email": "",
}


async def leave(browser: httpx.AsyncClient, **fields: str) -> tuple[str, str]:
    page = (await browser.get("/public/inquiries/new")).text
    res = await browser.post(
        "/public/inquiries/new", data={**MESSAGE, **fields, "form_token": form_token(page)}
    )
    assert res.status_code == 201, res.text
    number = re.search(r'id="case-no">([^<]+)<', res.text)
    code = re.search(r'id="code">([^<]+)<', res.text)
    assert number and code and "王**" in res.text
    return number.group(1), code.group(1)


async def test_a_message_its_answer_and_the_public_board(portal: Portal) -> None:
    async with portal.browser() as browser, portal.staff() as staff:
        shown, code = await leave(browser, publish="yes")
        hidden, _ = await leave(browser, subject="不公开的留言")
        await until_status(portal, shown, "handling")
        for case in (shown, hidden):
            res = await staff.post(
                f"/v1/inquiries/{case}/actions/answer", json={"text": "已列入今年修缮计划。"}
            )
            assert res.status_code == 200, res.text
        await until_status(portal, shown, "answered")
        for _ in range(100):
            board = (await browser.get("/public/inquiries")).text
            if "已列入今年修缮计划" in board:
                break
            await asyncio.sleep(0.05)
        assert "某路段何时修缮" in board and "已列入今年修缮计划" in board
        assert "不公开的留言" not in board  # no consent, not published
        assert "王小五" not in board and "13900139000" not in board
        assert 'id="units"' in board
        # The author follows it like an application.
        assert (await follow(browser, shown, code)).status_code == 303
        page = (await browser.get("/public/case")).text
        assert ("已答复" in page and "网上留言答复" in page) or "答复" in page
        assert "王小五" not in page


async def test_a_draft_open_for_comment_and_an_emergency_release(portal: Portal) -> None:
    async with portal.browser() as browser, portal.staff() as staff:
        res = await staff.post(
            "/v1/consultations", json={"agency": "SZ-GT", "title": "停车收费管理办法（草案）"}
        )
        draft = res.json()["case_no"]
        await until_status(portal, draft, "drafting")
        res = await staff.post(f"/v1/consultations/{draft}/actions/publish-draft", json={})
        assert res.status_code == 200, res.text
        await until_status(portal, draft, "comment_open")
        listing = (await browser.get("/public/consultations")).text
        assert "停车收费管理办法（草案）" in listing
        page = (await browser.get(f"/public/consultations/{draft}")).text
        assert 'id="due"' in page and "日" in page and 'id="comment"' in page
        assert "comment_notice" in page  # the notice, downloadable
        res = await browser.post(
            f"/public/consultations/{draft}/comments",
            data={"text": "建议夜间免费", "name": "市民", "form_token": form_token(page)},
        )
        assert res.status_code == 303 and res.headers["location"].endswith("?done=1")
        notice = re.search(r'href="(/public/documents/[^"]+)"', page)
        assert notice is not None and (await browser.get(notice.group(1))).status_code == 200

        res = await staff.post(
            "/v1/emergencies", json={"agency": "SZ-GT", "grade": "major", "title": "某化工园区火灾"}
        )
        event = res.json()["case_no"]
        await until_status(portal, event, "drafting")
        await staff.post(
            f"/v1/emergencies/{event}/actions/submit-draft",
            json={"kind": "authoritative", "text": "火情已得到控制，无人员伤亡。"},
        )
        assert (await browser.get(f"/public/releases/{event}")).status_code == 404  # not yet
        async with portal.staff("supervisor") as chief:
            res = await chief.post(
                f"/v1/emergencies/{event}/actions/approve-release", json={"approve": True}
            )
            assert res.status_code == 200, res.text
        await until_status(portal, event, "released")
        page = (await browser.get(f"/public/releases/{event}")).text
        link = re.search(r'href="(/public/documents/[^"]+)"', page)
        assert link is not None
        release = await browser.get(link.group(1))
        assert "火情已得到控制" in release.text
        assert event in (await browser.get("/public/releases")).text
