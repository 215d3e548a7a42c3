"""The rules of a public surface, each attacked: no personal data on any public page or answer,
the 查询码 lockout, no probing of case numbers, CSRF and honeypot, files checked by content and
size, per-address limits — and each refusal changes nothing."""

from __future__ import annotations

import re

import httpx
from sqlmodel import Session, func, select

from api.public import PortalGuard
from api.ratelimit import RateLimiter
from store.models import AccessLock, AttachmentRow, CaseRow
from store.portal import LOCK
from tests.portal.conftest import Portal, form_token
from tests.portal.test_apply_and_track import APPLICANT, PDF, PII, apply, follow, no_pii


def _cases(portal: Portal) -> int:
    with Session(portal.engine) as s:
        return int(s.exec(select(func.count()).select_from(CaseRow)).one())


def _strip(page: str) -> str:
    """A page without what differs between any two requests (the form token, and the number
    the visitor typed, shown back to them)."""
    page = re.sub(r'name="form_token" value="[^"]+"', "", page)
    return re.sub(r'name="number" value="[^"]*"', "", page)


async def test_five_wrong_codes_lock_the_number_and_unknown_numbers_look_the_same(
    portal: Portal,
) -> None:
    async with portal.browser() as browser:
        number, code, _ = await apply(browser)
        answers = [await follow(browser, number, "AAAA-BBBB-CCCC-DDDD") for _ in range(5)]
        assert {a.status_code for a in answers} == {401}
        locked = await follow(browser, number, code)  # the right code, too late
        assert locked.status_code == 401
        unknown = await follow(browser, "GK-2026-999999", code)
        assert unknown.status_code == 401
        assert _strip(unknown.text) == _strip(locked.text) == _strip(answers[0].text)
        # Fifteen minutes later the right code works again.
        with Session(portal.engine) as s:
            lock = s.get(AccessLock, number)
            assert lock is not None and lock.failures == 5
            lock.locked_until = lock.locked_until - LOCK  # type: ignore[operator]
            s.add(lock)
            s.commit()
        assert (await follow(browser, number, code)).status_code == 303


async def test_no_personal_data_on_any_public_page(portal: Portal) -> None:
    async with portal.browser() as browser:
        number, code, receipt = await apply(browser)
        no_pii(receipt)
        anonymous = [
            "/public/",
            "/public/apply",
            "/public/track",
            "/public/inquiries",
            "/public/inquiries/new",
            "/public/consultations",
            "/public/releases",
            f"/public/consultations/{number}",
            f"/public/releases/{number}",
            f"/public/documents/{number}/receipt",
            "/v1/deadlines?start=2026-09-15&n=20",
        ]
        for path in anonymous:
            res = await browser.get(path)
            assert res.status_code in (200, 404), path
            no_pii(res.text)
        # The applicant's receipt is theirs only, behind the code.
        assert "收到申请" not in (await browser.get(f"/public/documents/{number}/receipt")).text
        await follow(browser, number, code)
        page = (await browser.get("/public/case")).text
        no_pii(page)
        assert "张**" not in page or "张三丰" not in page


async def test_forms_need_their_token_and_robots_get_nothing(portal: Portal) -> None:
    async with portal.browser() as browser:
        before = _cases(portal)
        page = (await browser.get("/public/apply")).text
        token = form_token(page)
        robot = await browser.post(
            "/public/apply", data={**APPLICANT, "form_token": token, "website": "http://spam"}
        )
        forged = await browser.post("/public/apply", data={**APPLICANT, "form_token": "x" * 30})
        elsewhere = await browser.post(
            "/public/apply",
            data={**APPLICANT, "form_token": token},
            headers={"origin": "https://evil.example"},
        )
        assert robot.status_code == forged.status_code == elsewhere.status_code == 403
        assert "页面已过期" in robot.text
        assert _cases(portal) == before  # nothing was opened


async def test_files_are_checked_by_content_and_size(portal: Portal) -> None:
    async with portal.browser() as browser:
        before = _cases(portal)
        page = (await browser.get("/public/apply")).text
        disguised = await browser.post(
            "/public/apply",
            data={**APPLICANT, "form_token": form_token(page)},
            files=[("attachments", ("说明.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"))],
        )
        assert disguised.status_code == 422 and "按文件内容判断" in disguised.text
        portal.app.state.settings = portal.settings.model_copy(update={"attachment_max_mb": 1})
        big = PDF + b"0" * (2**20)
        too_big = await browser.post(
            "/public/apply",
            data={**APPLICANT, "form_token": form_token(page)},
            files=[("attachments", ("大文件.pdf", big, "application/pdf"))],
        )
        assert too_big.status_code == 422 and "超过单个文件1 MB" in too_big.text
        portal.app.state.settings = portal.settings
        assert _cases(portal) == before
        with Session(portal.engine) as s:
            assert s.exec(select(func.count()).select_from(AttachmentRow)).one() == 0
        # Stored encrypted: the file on disk is not the file.
        await apply(browser)
        stored = list((portal.settings.var_dir / "files").rglob("*"))
        blobs = [p.read_bytes() for p in stored if p.is_file()]
        assert blobs and all(PDF not in b and not b.startswith(b"%PDF") for b in blobs)


async def test_every_public_post_is_limited_per_address(portal: Portal) -> None:
    portal.app.state.portal_guard = PortalGuard(
        RateLimiter(2, 600), RateLimiter(3, 60), RateLimiter(3, 60)
    )
    async with portal.browser() as browser:
        await apply(browser)
        await apply(browser)
        page = (await browser.get("/public/apply")).text
        third = await browser.post(
            "/public/apply", data={**APPLICANT, "form_token": form_token(page)}
        )
        assert third.status_code == 429 and int(third.headers["retry-after"]) > 0
        assert "过于频繁" in third.text
        tries = [await follow(browser, "GK-2026-000001", "X") for _ in range(4)]
        assert [t.status_code for t in tries] == [401, 401, 401, 429]


async def test_case_forms_need_the_session_token(portal: Portal) -> None:
    async with portal.browser() as browser:
        number, code, _ = await apply(browser)
        await follow(browser, number, code)
        res = await browser.post(
            "/public/case/withdraw", data={"csrf": "forged", "reason": "不需要了"}
        )
        assert res.status_code == 403
        other = httpx.AsyncClient(
            transport=httpx.ASGITransport(portal.app), base_url="http://portal.test"
        )
        assert (await other.get("/public/case")).status_code == 303  # no session: to the form
        await other.aclose()
    assert PII  # the scan's values are the applicant's (tests/portal/test_apply_and_track.py)
