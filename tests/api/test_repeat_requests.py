"""GIDR Art. 36(6) through the HTTP API and the case page, on the dev server: a repeat-request
reply cites the same applicant's answered request to this agency, chosen from the ones the
reply form offers. A case that does not exist, one not yet answered and another applicant's are
refused (422) with reasons that reveal nothing of a case that is not the applicant's, and
nothing reaches the case."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.portal.conftest import Portal
from tests.portal.test_apply_and_track import until_status

ZHANG = {"name": "张三", "id_number": "110101199003071233", "phone": "13800138000"}
LI = {"name": "李四", "id_number": "110101198001011232", "phone": "13900139000"}
ASKED = "2025年某地块建设工程规划许可证及附图"
GRANTED = {
    "outcome": "GRANTED",
    "facts": "经检索，找到该规划许可文件。",
    "access_method": "电子邮件发送",
    "access_place": "申请人预留邮箱",
    "access_time": "答复之日起5个工作日内",
}


async def _open(portal: Portal, applicant: dict[str, str], asked: str = ASKED) -> str:
    async with portal.staff() as api:
        res = await api.post(
            "/v1/disclosure-requests",
            json={
                "agency": "SZ-GT",
                "channel": "in_person",
                "applicant": applicant,
                "description": asked,
            },
        )
        assert res.status_code == 201, res.text
    case = str(res.json()["case_no"])
    await until_status(portal, case, "registered")
    return case


async def _act(api: httpx.AsyncClient, case: str, step: str, body: Any = None) -> httpx.Response:
    return await api.post(f"/v1/disclosure-requests/{case}/actions/{step}", json=body or {})


async def _to_assigned(portal: Portal, case: str) -> None:
    async with portal.staff() as api:
        assert (await _act(api, case, "accept")).status_code == 200
        assert (await _act(api, case, "assign", {"unit": "规划处"})).status_code == 200


async def _answer(portal: Portal, case: str, reply: dict[str, Any]) -> dict[str, Any]:
    """Drafted, reviewed and signed off (four eyes)."""
    async with (
        portal.staff() as api,
        portal.staff("supervisor") as chief,
        portal.staff("head") as head,
    ):
        res = await _act(api, case, "submit-for-review", {"reply": reply})
        assert res.status_code == 200, res.text
        res = await _act(chief, case, "review", {"approve": True, "confidentiality_reviewed": True})
        assert res.status_code == 200, res.text
        assert (await _act(head, case, "sign-off", {"approve": True})).status_code == 200
    return await until_status(portal, case, "replied")


def _repeat(previous: str) -> dict[str, Any]:
    return {
        "outcome": "NOT_PROCESSED.repeat",
        "reasons": "您已就同一政府信息提出过申请，本机关已经作出答复。",
        "previous_case": previous,
        "repeated_information": "该地块建设工程规划许可证及附图",
    }


async def test_art36_6_a_repeat_reply_cites_only_the_same_applicants_answered_case(
    portal: Portal,
) -> None:
    first = await _open(portal, ZHANG)
    await _to_assigned(portal, first)
    await _answer(portal, first, GRANTED)
    others = await _open(portal, LI)  # another applicant, answered
    await _to_assigned(portal, others)
    await _answer(portal, others, GRANTED)
    pending = await _open(portal, ZHANG, "2025年某地块建设工程规划许可证附图")  # not answered
    again = await _open(portal, {**ZHANG, "id_number": "110101199003071233 "})
    await _to_assigned(portal, again)

    async with portal.staff() as api:
        before = await api.get(f"/v1/cases/{again}")
        refusals = {}
        for cited in (others, "GK-2099-999999", "not a number", pending, "", again):
            res = await _act(api, again, "submit-for-review", {"reply": _repeat(cited)})
            assert res.status_code == 422, (cited, res.text)
            refusals[cited] = res.json()["detail"]
        # Another applicant's case and one that does not exist: the same answer.
        assert refusals[others].replace(others, "N") == refusals["GK-2099-999999"].replace(
            "GK-2099-999999", "N"
        )
        assert "第三十六条第（六）项" in refusals[others]
        assert "李四" not in refusals[others] and "予以公开" not in refusals[others]
        assert "尚未作出答复" in refusals[pending]
        assert "本案自身" in refusals[again]
        after = await api.get(f"/v1/cases/{again}")
        assert after.json()["events"] == before.json()["events"]  # nothing reached the case

        # What the law requires in the draft: which information repeats.
        bare = {**_repeat(first), "repeated_information": ""}
        res = await _act(api, again, "submit-for-review", {"reply": bare})
        assert res.status_code == 422 and "重复申请的信息" in res.json()["detail"]
        # A caller cannot vouch for the cited case itself.
        res = await _act(
            api,
            again,
            "submit-for-review",
            {
                "reply": _repeat(others),
                "previous_answer": {"case_no": others, "replied_on": "2026-01-01", "outcome": "X"},
            },
        )
        assert res.status_code == 422, res.text

        # The reply form offers the same applicant's answered request, not a text box.
        page = (await api.get(f"/cases/{again}?outcome=NOT_PROCESSED.repeat")).text
        select = re.search(r'<select[^>]*name="reply.previous_case".*?</select>', page, re.S)
        assert select is not None, "no select of earlier cases"
        offered = re.findall(r'<option value="([^"]+)"', select.group(0))
        assert [o for o in offered if o] == [first]

    view = await _answer(portal, again, _repeat(first.lower()))
    assert view["outcome"] == "NOT_PROCESSED.repeat"
    async with portal.staff() as api:
        html = (await api.get(f"/v1/cases/{again}/documents/reply")).text
    assert first in html and others not in html and "第三十六条第（六）项" in html
    assert "该地块建设工程规划许可证及附图" in html
