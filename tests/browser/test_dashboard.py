"""The dashboard in a real browser against the real stack: log in, open the board, follow a red
case to its page and read the explanation of its deadline (skipped holidays), with screenshots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.integration.stack import Stack, add_agency, bearer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    st = Stack(tmp_path_factory.mktemp("browser"))
    add_agency(st)
    st.tokens = {  # type: ignore[attr-defined]
        "officer": bearer(st, "li.officer", name="李经办"),
        "supervisor": bearer(st, "wang.chief", "supervisor", name="王主任"),
    }
    st.start()
    yield st
    assert st.stop() == 0


def _red_case(stack: Any) -> str:
    """An application received on 2026-09-15 and registered late: its reply period (due
    2026-10-19, across 中秋节 and the National Day week) has run out, so the case is red."""
    http = httpx.Client(base_url=f"http://127.0.0.1:{stack.http}", timeout=30)
    res = http.post(
        "/v1/disclosure-requests",
        headers=stack.tokens["officer"],
        json={
            "agency": "SZ-GT",
            "channel": "in_person",
            "received_at": "2026-09-15T10:00:00+08:00",
            "applicant": {"name": "张三", "phone": "13800138000"},
            "description": "某地块建设工程规划许可证及附图",
        },
    )
    assert res.status_code == 201, res.text
    case = str(res.json()["case_no"])
    http.post(
        "/v1/disclosure-requests",
        headers=stack.tokens["officer"],
        json={
            "agency": "SZ-GT",
            "channel": "in_person",
            "applicant": {"name": "李四"},
            "description": "2026年财政预算执行情况",
        },
    )
    for _ in range(150):
        listed = http.get(
            "/v1/cases", params={"light": "red"}, headers=stack.tokens["officer"]
        ).json()
        if any(c["case_no"] == case for c in listed["items"]):
            return case
        time.sleep(0.2)
    raise AssertionError("the overdue case never turned red")


async def test_supervisor_follows_a_red_case_to_its_explanation(
    stack: Any, page: Page, screenshot: Any
) -> None:
    case = _red_case(stack)
    base = f"http://127.0.0.1:{stack.http}"
    await page.goto(f"{base}/")
    await expect(page).to_have_url(f"{base}/login")  # the board needs a login
    token = stack.tokens["supervisor"]["Authorization"].removeprefix("Bearer ")
    await page.fill("input[name=token]", token)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/")
    await expect(page.locator(".card.red[data-light=red] .n")).not_to_have_text("0")
    await expect(page.locator("svg[role=img]")).to_be_visible()
    shot = await screenshot(page, "board")
    red_row = page.locator("tr.case-row[data-light=red]", has_text=case).first
    await expect(red_row).to_be_visible()
    await red_row.locator("a", has_text=case).click()
    await expect(page).to_have_url(f"{base}/cases/{case}")
    reply = page.locator("#clock-reply")
    await expect(reply).to_contain_text("届满 2026-10-19")
    await expect(reply.locator(".holiday", has_text="中秋节")).to_be_visible()
    await expect(reply.locator(".holiday", has_text="国庆节").first).to_be_visible()
    await expect(reply).to_contain_text("2026-10-10（周六，调休上班）")
    await expect(page.locator("text=催办通知书").first).to_be_visible()
    await expect(page.locator("a", has_text="Temporal UI")).to_have_attribute(
        "href", f"{base}/temporal/namespaces/default/workflows/{case}"
    )
    shot2 = await screenshot(page, "case-red")
    assert Path(shot).stat().st_size > 10_000 and Path(shot2).stat().st_size > 10_000
    await page.goto(f"{base}/calendar?year=2026")
    await expect(page.locator("body")).to_contain_text("2026-10-10（周六，调休上班）")
    await screenshot(page, "calendar")


async def test_an_officer_cannot_open_the_dashboard_without_a_valid_token(
    page: Page, stack: Any
) -> None:
    base = f"http://127.0.0.1:{stack.http}"
    await page.goto(f"{base}/login")
    await page.fill("input[name=token]", "gk_wrong")
    await page.click("button[type=submit]")
    await expect(page.locator(".error")).to_contain_text("令牌无效")
    await page.goto(f"{base}/calendar")
    await expect(page).to_have_url(f"{base}/login")


async def _sign_in(page: Page, stack: Any, who: str) -> str:
    base = f"http://127.0.0.1:{stack.http}"
    await page.goto(f"{base}/login")
    token = stack.tokens[who]["Authorization"].removeprefix("Bearer ")
    await page.fill("input[name=token]", token)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/")
    return base


async def _open_in_temporal_ui(page: Page, base: str, case: str) -> None:
    """The case's workflow in the Temporal UI, as the dashboard links to it, with its input
    (the application, encrypted in Temporal) shown."""
    await page.goto(f"{base}/temporal/namespaces/default/workflows/{case}")
    await expect(page.get_by_role("heading", name=case)).to_be_visible(timeout=20_000)
    await expect(page.locator(".cm-line:visible").first).to_be_visible(timeout=20_000)


async def _find_in_input(page: Page, text: str) -> bool:
    """Scroll the input's viewer (it draws only the lines in view) looking for ``text``."""
    scroller = page.locator(".cm-scroller:visible").first
    for _ in range(60):
        if await page.locator(".cm-line:visible", has_text=text).count():
            await page.locator(".cm-line:visible", has_text=text).first.scroll_into_view_if_needed()
            return True
        at_end = await scroller.evaluate(
            "e => { const end = e.scrollTop + e.clientHeight >= e.scrollHeight - 1;"
            " e.scrollTop += e.clientHeight / 2; return end; }"
        )
        if at_end:
            return bool(await page.locator(".cm-line:visible", has_text=text).count())
        await page.wait_for_timeout(100)
    return False


async def test_a_supervisor_reads_the_history_decoded_in_the_temporal_ui(
    stack: Any, page: Page, screenshot: Any
) -> None:
    """No setting to change: the UI served by the API is on its origin, so its codec calls
    carry the supervisor's session and the applicant's name shows decrypted."""
    case = _red_case(stack)
    base = await _sign_in(page, stack, "supervisor")
    await _open_in_temporal_ui(page, base, case)
    await expect(page.locator(".cm-line:visible", has_text=f'"case_no": "{case}"')).to_be_visible()
    assert await _find_in_input(page, '"name": "张三"')
    await screenshot(page, "temporal-ui-supervisor", full_page=False)


async def test_an_officer_sees_the_history_encrypted_and_outsiders_get_nothing(
    stack: Any, page: Page, screenshot: Any
) -> None:
    case = _red_case(stack)
    base = f"http://127.0.0.1:{stack.http}"
    # Without a session: the sign-in page, and the codec answers 401.
    await page.goto(f"{base}/temporal/namespaces/default/workflows/{case}")
    await expect(page).to_have_url(f"{base}/login")
    anonymous = httpx.post(f"{base}/codec/decode", json={"payloads": []}, timeout=10)
    assert anonymous.status_code == 401
    await _sign_in(page, stack, "officer")
    await _open_in_temporal_ui(page, base, case)
    await screenshot(page, "temporal-ui-officer", full_page=False)
    # The codec refused this officer: the UI says so and shows the ciphertext.
    await expect(
        page.locator("#content").get_by_text("Codec Server could not connect")
    ).to_be_visible()
    assert not await _find_in_input(page, "case_no")
    assert not await _find_in_input(page, "张三")
    # Read-only: nothing can be sent to Temporal through the UI served here.
    refused = await page.request.post(
        f"{base}/temporal/api/v1/namespaces/default/workflows/{case}/terminate", data={}
    )
    assert refused.status == 405
    # Nor can a page on this origin write through the API with the session's cookie alone.
    forged = await page.request.post(
        f"{base}/v1/cases/{case}/actions/note", data={"text": "经由页面伪造的备注"}
    )
    assert forged.status == 403 and "X-CSRF-Token" in await forged.text()
