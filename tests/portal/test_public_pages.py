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
    """A 留言 is published only with its author's consent and only as an officer approved its
    public text: the author's name, phone and identity number masked (finding 25)."""
    async with portal.browser() as browser, portal.staff() as staff:
        private = "我是王小五，住XX小区5号楼302，电话13900139000，身份证11010519491231002X。"
        shown, code = await leave(browser, publish="yes", message=private)
        hidden, _ = await leave(browser, subject="不公开的留言")
        await until_status(portal, shown, "handling")
        for case in (shown, hidden):
            res = await staff.post(
                f"/v1/inquiries/{case}/actions/answer", json={"text": "已列入今年修缮计划。"}
            )
            assert res.status_code == 200, res.text
        await until_status(portal, shown, "answered")
        # Answered, not yet approved for publication: nothing on the board.
        board = (await browser.get("/public/inquiries")).text
        assert "某路段何时修缮" not in board and "13900139000" not in board
        # The officer reads the original (staff only)…
        view = (await staff.get(f"/v1/cases/{shown}")).json()
        assert view["message"] == private and view["person"]["phone"] == "13900139000"
        assert view["publish_consent"] is True
        # …and a public text still holding personal data is refused, nothing recorded.
        approve = f"/v1/inquiries/{shown}/actions/approve-publication"
        res = await staff.post(
            approve, json={"subject": "某路段何时修缮", "message": private, "answer": "已列入。"}
        )
        assert res.status_code == 422, res.text
        assert "身份证号码" in res.json()["detail"] and "电话号码" in res.json()["detail"]
        assert "留言人姓名" in res.json()["detail"]
        masked = "我是王*，住XX小区，电话139****9000，身份证1101**********002X。"
        res = await staff.post(
            approve,
            json={"subject": "某路段何时修缮", "message": masked, "answer": "已列入今年修缮计划。"},
        )
        assert res.status_code == 200, res.text
        res = await staff.post(
            f"/v1/inquiries/{hidden}/actions/approve-publication",
            json={"subject": "不公开的留言", "message": "内容", "answer": "答复"},
        )
        assert res.status_code == 409 and "未同意公开" in res.json()["detail"]
        for _ in range(100):
            board = (await browser.get("/public/inquiries")).text
            if "已列入今年修缮计划" in board:
                break
            await asyncio.sleep(0.05)
        assert "某路段何时修缮" in board and masked in board
        assert "不公开的留言" not in board  # no consent, not published
        assert "王小五" not in board and "13900139000" not in board and "302" not in board
        assert 'id="units"' in board
        # The author follows it like an application and reads the answer on the page.
        assert (await follow(browser, shown, code)).status_code == 303
        page = (await browser.get("/public/case")).text
        assert "收到留言之日" in page and "已列入今年修缮计划" in page
        assert "收到申请之日" not in page
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
