"""Officers attach files to a case on its page (the portal's store: checked by content and size,
encrypted at rest) and release chosen ones to the applicant, who downloads them on the portal;
a file not released, or withdrawn, stays with the agency."""

from __future__ import annotations

import re

from tests.portal.conftest import Portal
from tests.portal.test_apply_and_track import PDF, PNG, apply, case_page, follow, until_status


async def test_officer_files_and_their_release_to_the_applicant(portal: Portal) -> None:
    async with portal.browser() as applicant, portal.staff() as officer:
        number, code, _ = await apply(applicant)
        assert (await follow(applicant, number, code)).status_code == 303
        await officer.post(f"/v1/disclosure-requests/{number}/actions/confirm-receipt", json={})
        await until_status(portal, number, "registered")

        bad = await officer.post(
            f"/cases/{number}/attachments",
            files=[("files", ("说明.txt", b"plain text", "text/plain"))],
        )
        assert (
            bad.status_code == 422 and 'id="error-upload"' in bad.text and "按文件内容" in bad.text
        )
        res = await officer.post(
            f"/cases/{number}/attachments",
            data={"release": "yes"},
            files=[("files", ("规划许可证.pdf", PDF + b"%agency", "application/pdf"))],
        )
        assert res.status_code == 303, res.text[-1500:]
        res = await officer.post(
            f"/cases/{number}/attachments",
            files=[("files", ("内部检索记录.png", PNG + b"agency", "image/png"))],
        )
        assert res.status_code == 303

        staff_page = (await officer.get(f"/cases/{number}")).text
        assert "已向申请人提供（李经办" in staff_page and "内部检索记录.png" in staff_page
        page = await case_page(applicant)
        released = re.search(r'<ul id="released">(.*?)</ul>', page, re.S)
        assert released is not None and "规划许可证.pdf" in released.group(1)
        assert "内部检索记录.png" not in page
        link = re.search(r'href="(/public/case/attachments/[0-9a-f]{64})">规划许可证.pdf', page)
        assert link is not None
        got = await applicant.get(link.group(1))
        assert got.status_code == 200 and got.content == PDF + b"%agency"

        internal = re.search(
            r'href="/cases/[^"]+/attachments/([0-9a-f]{64})">内部检索记录.png', staff_page
        )
        assert internal is not None
        hidden = await applicant.get(f"/public/case/attachments/{internal.group(1)}")
        assert hidden.status_code == 404

        digest = link.group(1).rsplit("/", 1)[1]
        res = await officer.post(
            f"/cases/{number}/attachments/{digest}/release", data={"release": "no"}
        )
        assert res.status_code == 303 and "withdrawn" in res.headers["location"]
        assert (await applicant.get(link.group(1))).status_code == 404
        assert 'id="released"' not in await case_page(applicant)
