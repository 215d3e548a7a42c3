"""What each person of an online case sees, over HTTP (issue 23): the officer finds the case
waiting to be taken and sees who applied (identity masked; the whole number only on asking, the
access recorded), the receipt speaks to the applicant (no internal deadline, dates as letters
write them), letters fit a phone and lead back, files download under their own names, and the
workbench offers the agency's people, units and service methods instead of free text."""

from __future__ import annotations

import re

from tests.portal.conftest import Portal
from tests.portal.test_apply_and_track import APPLICANT, apply, case_page, follow, until_status


async def test_pipl_the_officer_sees_who_applied_and_every_reveal_is_recorded(
    portal: Portal,
) -> None:
    async with portal.browser() as browser, portal.staff() as officer:
        number, _, _ = await apply(browser)
        await until_status(portal, number, "received")
        # Waiting to be taken, in 我的案件.
        mine = (await officer.get("/mine")).text
        assert 'id="unclaimed"' in mine and number in mine.split('id="unclaimed"')[1]
        page = (await officer.get(f"/cases/{number}")).text
        assert "申请人信息" in page and APPLICANT["name"] in page
        assert APPLICANT["phone"] in page and APPLICANT["address"] in page
        assert "1101**********1233" in page and APPLICANT["id_number"] not in page
        view = (await officer.get(f"/v1/cases/{number}")).json()
        assert view["applicant"]["id_number_masked"] == "1101**********1233"
        assert view["applicant"]["delivery"] == "电子邮件" and view["officer"] == ""
        assert APPLICANT["id_number"] not in str(view)
        # Asking for the whole number: said why, answered, recorded with who and why.
        res = await officer.post(f"/v1/cases/{number}/applicant/identity", json={"purpose": ""})
        assert res.status_code == 422
        res = await officer.post(
            f"/v1/cases/{number}/applicant/identity", json={"purpose": "电话核实申请人身份"}
        )
        assert res.status_code == 200 and res.json()["id_number"] == APPLICANT["id_number"]
        events = (await officer.get(f"/v1/cases/{number}/events")).json()
        seen = [e for e in events if e["kind"] == "identity_revealed"]
        assert seen and seen[0]["actor_name"] == "李经办" and "电话核实" in seen[0]["summary"]
        assert APPLICANT["id_number"] not in str(events)
        # In the browser: the number shown once, on the answer to the form.
        form = {"purpose": "核实申请人身份"}  # a bearer caller needs no CSRF token
        res = await officer.post(f"/cases/{number}/act/reveal-identity", data=form)
        assert res.status_code == 200 and 'id="id-revealed"' in res.text
        assert APPLICANT["id_number"] in res.text
        again = (await officer.get(f"/cases/{number}")).text
        assert APPLICANT["id_number"] not in again
    async with portal.staff("supervisor") as chief:
        res = await chief.post(
            f"/v1/cases/{number}/actions/assign-officer",
            json={"officer": "officer.sz", "reason": "请李经办办理"},
        )
        assert res.status_code == 200, res.text
        res = await chief.post(
            f"/v1/cases/{number}/actions/assign-officer", json={"officer": "nobody"}
        )
        assert res.status_code == 422 and "本机关没有" in res.json()["detail"]
        view = (await chief.get(f"/v1/cases/{number}")).json()
        assert view["officer"] == "officer.sz" and view["officer_name"] == "李经办"


async def test_the_applicants_letters_speak_to_them_and_fit_a_phone(portal: Portal) -> None:
    async with portal.browser() as browser, portal.staff() as officer:
        number, code, _ = await apply(browser)
        await until_status(portal, number, "received")
        res = await officer.post(
            f"/v1/disclosure-requests/{number}/actions/confirm-receipt", json={}
        )
        assert res.status_code == 200, res.text
        await until_status(portal, number, "registered")
        receipt = (await officer.get(f"/v1/cases/{number}/documents/receipt")).text
        assert "内部期限" not in receipt and "预估值" not in receipt
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日前答复", receipt)
        assert "-12-" not in receipt.split("<body>")[1]  # no ISO dates in a letter
        assert '<meta name="viewport"' in receipt
        assert (await follow(browser, number, code)).status_code == 303
        shown = await browser.get("/public/case/documents/receipt")
        assert "返回办理进度" in shown.text and 'href="/public/case"' in shown.text
        page = await case_page(browser)
        assert "收到申请之日" in page and re.search(r'id="t0">\d{4}年', page)


async def test_files_download_under_their_own_names(portal: Portal) -> None:
    async with portal.browser() as browser, portal.staff() as officer:
        number, code, _ = await apply(browser)
        await until_status(portal, number, "received")
        listed = (await officer.get(f"/cases/{number}")).text
        digest = re.search(r'/attachments/([0-9a-f]{64})"', listed)
        assert digest is not None
        res = await officer.get(f"/cases/{number}/attachments/{digest.group(1)}")
        disposition = res.headers["content-disposition"]
        assert "filename*=UTF-8''%E9%99%84%E4%BB%B6%E4%B8%80.pdf" in disposition  # 附件一.pdf
        assert (await follow(browser, number, code)).status_code == 303
        mine = await browser.get(f"/public/case/attachments/{digest.group(1)}")
        assert mine.headers["content-disposition"] == disposition


async def test_the_workbench_offers_people_units_and_service_methods(portal: Portal) -> None:
    from store.agencies import update_agency

    update_agency(portal.engine, "SZ-GT", {}, units=["规划处", "法规处"])
    async with portal.staff() as officer, portal.staff("supervisor") as chief:
        page = (await officer.get("/cases/new?kind=disclosure")).text
        for select in ("applicant.id_type", "form", "delivery"):
            assert f'<select name="{select}"' in page, select
        res = await officer.post(
            "/v1/disclosure-requests",
            json={
                "agency": "SZ-GT",
                "channel": "in_person",
                "applicant": {"name": "李四", "phone": "13900139000"},
                "description": "某街道老旧小区改造项目批复",
            },
        )
        number = res.json()["case_no"]
        await until_status(portal, number, "registered")
        assert (
            await officer.post(f"/v1/cases/{number}/actions/accept", json={})
        ).status_code == 200
        page = (await officer.get(f"/cases/{number}")).text
        assign = page.split('id="action-assign"')[1].split("</details>")[0]
        assert '<select name="unit"' in assign and ">法规处<" in assign
        page = (await chief.get(f"/cases/{number}")).text
        people = page.split('id="action-assign-officer"')[1].split("</details>")[0]
        assert '<select name="officer"' in people and "周局长" in people
        assert "officer.sz" not in people  # the 经办人 already (the registrar)
