"""The case page acts: the steps this person may take now, each a form made from its typed
body; a step out of order (409) or incomplete (422) is said beside its form with what was typed
kept and nothing written; irreversible steps must be confirmed; facts can be dated."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

import httpx

from rules.calendar import SHANGHAI, zh_date
from tests.portal.conftest import Portal
from tests.portal.test_apply_and_track import until_status


def steps_on(page: str) -> list[str]:
    return re.findall(r'<details class="action" id="action-([a-z-]+)"', page)


async def open_paper_case(portal: Portal) -> str:
    async with portal.staff() as api:
        res = await api.post(
            "/v1/disclosure-requests",
            json={
                "agency": "SZ-GT",
                "channel": "in_person",
                "applicant": {"name": "张三", "phone": "13800138000"},
                "description": "某地块建设工程规划许可证及附图",
            },
        )
        assert res.status_code == 201, res.text
        return str(res.json()["case_no"])


async def act(who: httpx.AsyncClient, case: str, step: str, **form: str) -> httpx.Response:
    return await who.post(f"/cases/{case}/act/{step}", data=form)


async def test_forms_act_and_refusals_are_shown_inline(portal: Portal) -> None:
    case = await open_paper_case(portal)
    await until_status(portal, case, "registered")
    async with portal.staff() as officer, portal.staff("supervisor") as chief:
        page = (await officer.get(f"/cases/{case}")).text
        # Only what an officer may do now: no sign-off, no review, no extension (supervisor's).
        assert {"accept", "request-correction"} <= set(steps_on(page))
        assert not {"sign-off", "review", "extend", "rate"} & set(steps_on(page))
        assert 'name="items"' in page and "需要补正的事项（每行一项）" in page

        # Out of order: refused (409) beside its form, nothing written.
        res = await act(officer, case, "serve", method="邮寄", confirmed="yes")
        assert res.status_code == 409
        assert "不能在案件状态" in res.text and "已登记" in res.text
        assert (await until_status(portal, case, "registered"))["status"] == "registered"

        # The correction notice, previewed with its due date on the working-day calendar.
        preview = await act(officer, case, "request-correction", preview="1", items="地块编号")
        assert preview.status_code == 200 and "补正告知书" in preview.text
        assert "地块编号" in preview.text
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日前", preview.text)
        assert (await until_status(portal, case, "registered"))["status"] == "registered"

        res = await act(officer, case, "accept", note="材料齐全")
        assert res.status_code == 303 and res.headers["location"].endswith("?done=accept")
        await until_status(portal, case, "accepted")
        assert "已办理：受理" in (await officer.get(res.headers["location"])).text

        res = await act(officer, case, "assign", unit="")
        assert res.status_code == 422 and "承办单位" in res.text
        res = await act(officer, case, "assign", unit="规划处")
        assert res.status_code == 303
        await until_status(portal, case, "assigned")

        # Incomplete: what the law requires, from the workflow's validator (422); kept as typed.
        res = await act(officer, case, "submit-for-review", **{"reply.outcome": "GRANTED"})
        assert res.status_code == 422
        assert 'id="error-submit-for-review"' in res.text and "获取信息的方式" in res.text
        # The form stays on the outcome chosen, with only that outcome's parts.
        assert '<input type="hidden" name="reply.outcome" value="GRANTED">' in res.text
        assert 'name="reply.access_method"' in res.text
        assert 'name="reply.forbidding_law"' not in res.text
        full = {
            "reply.outcome": "GRANTED",
            "reply.facts": "经检索，找到该规划许可文件。",
            "reply.access_method": "电子邮件发送",
            "reply.access_place": "申请人预留邮箱",
            "reply.access_time": "答复之日起5个工作日内",
        }
        preview = await act(officer, case, "submit-for-review", preview="1", **full)
        assert preview.status_code == 200 and "预览" in preview.text
        assert "政府信息公开申请答复书" in preview.text and "行政复议" in preview.text
        assert (await until_status(portal, case, "assigned"))[
            "status"
        ] == "assigned"  # nothing sent
        assert (await act(officer, case, "submit-for-review", **full)).status_code == 303
        await until_status(portal, case, "review")

        chief_page = (await chief.get(f"/cases/{case}")).text
        assert "review" in steps_on(chief_page)
        assert 'name="confidentiality_reviewed"' in chief_page
        # The reviewer reads the draft letter on the page, and approves what they read.
        assert 'id="draft-letter"' in chief_page and "经检索，找到该规划许可文件。" in chief_page
        digest = re.search(r'name="draft_digest" value="([0-9a-f]{64})"', chief_page)
        assert digest is not None
        res = await act(chief, case, "review", approve="true", confidentiality_reviewed="on")
        assert res.status_code == 422 and "请先阅读拟答复书" in res.text
        res = await act(
            chief,
            case,
            "review",
            approve="true",
            confidentiality_reviewed="on",
            draft_digest=digest.group(1),
        )
        assert res.status_code == 303, res.text
        await until_status(portal, case, "sign_off")

    async with portal.staff("head") as head:
        res = await act(head, case, "sign-off", approve="true", draft_digest=digest.group(1))
        assert res.status_code == 422 and "请勾选确认" in res.text  # irreversible: confirm
        res = await act(
            head,
            case,
            "sign-off",
            approve="true",
            confirmed="yes",
            draft_digest=digest.group(1),
        )
        assert res.status_code == 303, res.text
    await until_status(portal, case, "replied")


async def test_a_fact_is_dated_with_occurred_at(portal: Portal) -> None:
    case = await open_paper_case(portal)
    await until_status(portal, case, "registered")
    async with portal.staff() as officer:
        for step, form in (
            ("accept", {}),
            ("assign", {"unit": "规划处"}),
            (
                "start-consultation",
                {"kind": "third_party", "party": "某建设公司", "matters": "是否同意公开附图"},
            ),
        ):
            res = await act(officer, case, step, **form)
            assert res.status_code == 303, (step, res.text[-2000:])
        view = await until_status(portal, case, "consulting")
        page = (await officer.get(f"/cases/{case}")).text
        assert 'type="datetime-local" name="occurred_at"' in page
        await asyncio.sleep(1.1)
        when = datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")  # a second after the start
        res = await act(
            officer, case, "record-consultation-answer", answer="consent", occurred_at=when
        )
        assert res.status_code == 303, re.findall(r"role=.alert.[^<]*<", res.text)
        answered: list[dict[str, str]] = []
        async with portal.staff() as api:
            for _ in range(100):
                events = (await api.get(f"/v1/cases/{case}/events")).json()
                answered = [e for e in events if e["kind"] == "consultation_answered"]
                if answered:
                    break
                await asyncio.sleep(0.05)
        assert answered and answered[0]["occurred_at"].startswith(when)
        assert view["status"] == "consulting"


async def test_a_paper_application_is_registered_from_the_form(portal: Portal) -> None:
    async with portal.staff() as officer:
        page = (await officer.get("/cases/new?kind=disclosure")).text
        assert 'name="applicant.name"' in page and 'name="agency"' not in page
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key is not None
        form = {
            "key": key.group(1),
            "channel": "in_person",
            "applicant.name": "赵六",
            "applicant.phone": "13900000000",
            "description": "某小区规划条件核实意见书",
        }
        bad = await officer.post("/cases/new/disclosure", data={**form, "applicant.phone": "12"})
        assert bad.status_code == 422 and 'id="error-new"' in bad.text
        assert 'value="赵六"' in bad.text  # kept as typed
        res = await officer.post("/cases/new/disclosure", data=form)
        assert res.status_code == 303, res.text[-1500:]
        case = res.headers["location"].split("/cases/")[1].split("?")[0]
        again = await officer.post("/cases/new/disclosure", data=form)  # sent twice
        assert again.headers["location"].startswith(f"/cases/{case}")
        view = await until_status(portal, case, "registered")
        assert view["channel"] == "in_person"


async def test_the_receipt_of_an_online_application_is_previewed_before_confirming(
    portal: Portal,
) -> None:
    from tests.portal.test_apply_and_track import apply

    async with portal.browser() as applicant, portal.staff() as officer:
        case, _, _ = await apply(applicant)
        await until_status(portal, case, "received")
        page = (await officer.get(f"/cases/{case}")).text
        assert "预览文书" in page.split('id="action-confirm-receipt"')[1].split("</details>")[0]
        preview = await act(officer, case, "confirm-receipt", preview="1")
        today = zh_date(datetime.now(SHANGHAI).date())
        assert preview.status_code == 200 and "登记回执" in preview.text
        assert today in preview.text and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", preview.text)
        assert (await until_status(portal, case, "received"))["status"] == "received"
