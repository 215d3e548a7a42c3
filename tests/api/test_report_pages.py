"""年度报告 in the workbench (api/routes/report_pages.py) over HTTP, signed in as each person is in
a browser: the list of years, parts 一, 五 and 六 written through the page's form (CSRF-checked,
length-limited, refused for officers and administrators), the preview, the sign-off (refused
before the year is over and without its confirmation; afterwards the page names where it is
published on the portal), and part 三 under the 30号 column groups."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.annual_report import TEXT_MAX, today
from tests.api.test_reports import Api, api  # noqa: F401  (the fixture)
from tests.store.test_report import AGENCY, OTHER_AGENCY

TEXTS = {
    "overview": "2025年，本机关坚持以公开为常态、不公开为例外。\n全年主动公开信息120条。",
    "problems": "政策解读形式较单一，下一步将增加图解。",
    "other": "无。",
    "admin_fees_wan": "12.5",
}


def signed_in(api: Api, who: str) -> TestClient:  # noqa: F811 (the fixture)
    """A browser of its own (cookies), signed in with ``who``'s token as on /login."""
    browser = TestClient(api.client.app)
    token = api.tokens[who]["authorization"].removeprefix("Bearer ")
    res = browser.post("/login", data={"token": token}, follow_redirects=False)
    assert res.status_code == 303, res.text
    return browser


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def write(browser: TestClient, year: int, **fields: str) -> tuple[int, str]:
    page = browser.get(f"/reports/annual/{year}").text
    res = browser.post(
        f"/reports/annual/{year}/text",
        data={"csrf": csrf_of(page), **fields},
        follow_redirects=False,
    )
    return res.status_code, res.text


def test_a_supervisor_finds_the_report_in_the_header_and_writes_its_parts(api: Api) -> None:  # noqa: F811
    wang = signed_in(api, "wang")
    board = wang.get("/").text
    assert '<a href="/reports/annual">年度报告</a>' in board
    listing = wang.get("/reports/annual")
    assert listing.status_code == 200, listing.text
    assert 'href="/reports/annual/2025"' in listing.text and "草稿（未撰写）" in listing.text
    page = wang.get("/reports/annual/2025").text
    for name in ("overview", "problems", "other", "admin_fees_wan"):
        assert f'name="{name}"' in page
    assert f'maxlength="{TEXT_MAX}"' in page
    assert "/v1/reports/annual/2025/full?format=csv" in page
    assert "/reports/annual/2025/preview" in page

    status, _ = write(wang, 2025, **TEXTS)
    assert status == 303
    page = wang.get("/reports/annual/2025?done=saved").text
    assert "已保存" in page and "全年主动公开信息120条" in page and 'value="12.5"' in page
    listing = wang.get("/reports/annual").text
    assert "草稿（已撰写，未签发）" in listing
    report = wang.get("/v1/reports/annual/2025/full").json()  # the same texts through the API
    assert report["problems"] == TEXTS["problems"]
    assert report["proactive"]["admin_fees_wan"] == "12.5"
    csv = wang.get("/v1/reports/annual/2025/full?format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")


def test_a_form_without_its_csrf_token_writes_nothing(api: Api) -> None:  # noqa: F811
    wang = signed_in(api, "wang")
    res = wang.post("/reports/annual/2025/text", data={"overview": "伪造"})
    assert res.status_code == 403 and "CSRF" in res.json()["detail"]
    res = wang.post("/reports/annual/2025/sign-off", data={"csrf": "guessed", "confirmed": "yes"})
    assert res.status_code == 403
    assert "伪造" not in wang.get("/reports/annual/2025").text


def test_officers_neither_read_nor_write_and_administrators_only_read(api: Api) -> None:  # noqa: F811
    li = signed_in(api, "li")
    assert 'href="/reports/annual"' not in li.get("/").text
    res = li.get("/reports/annual/2025")
    assert res.status_code == 403 and "负责人和管理员" in res.json()["detail"]
    res = li.post(
        "/reports/annual/2025/text",
        data={"csrf": csrf_of(li.get("/").text), "overview": "经办人写的"},
    )
    assert res.status_code == 403 and "负责人" in res.json()["detail"]

    root = signed_in(api, "root")  # a cross-agency administrator reads any agency's report
    page = root.get(f"/reports/annual/2025?agency={AGENCY}")
    assert page.status_code == 200 and "某市规划和自然资源局" in page.text
    assert 'name="overview"' not in page.text and "您可以查看和导出" in page.text
    assert f"/v1/reports/annual/2025/full?format=csv&amp;agency={AGENCY}" in page.text
    res = root.post(
        "/reports/annual/2025/text", data={"csrf": csrf_of(page.text), "overview": "代写"}
    )
    assert res.status_code == 403 and "管理员不能代为签发" in res.json()["detail"]
    qian = signed_in(api, "qian")  # another agency's supervisor
    assert qian.get(f"/reports/annual/2025?agency={AGENCY}").status_code == 403
    assert qian.get("/reports/annual").text.count(OTHER_AGENCY) == 1  # the header: their own


def test_too_long_a_part_is_refused_in_chinese_and_kept_as_typed(api: Api) -> None:  # noqa: F811
    wang = signed_in(api, "wang")
    long = "公" * (TEXT_MAX + 1)
    status, page = write(wang, 2025, overview=long, problems="问题", admin_fees_wan="十万")
    assert status == 422
    assert f"一、总体情况：最多{TEXT_MAX}字（现为{TEXT_MAX + 1}字），请删减后再保存" in page
    assert "第二部分 行政事业性收费（万元）：请填写以万元为单位的金额" in page
    assert long in page and ">问题</textarea>" in page  # what was typed is still there
    assert wang.get("/v1/reports/annual/2025/full").json()["overview"] == ""  # nothing saved


def test_the_preview_is_the_report_as_it_will_be_published(api: Api) -> None:  # noqa: F811
    wang = signed_in(api, "wang")
    write(wang, 2025, **TEXTS)
    res = wang.get("/reports/annual/2025/preview")
    assert res.status_code == 200 and res.text.startswith("<!doctype html>")
    assert "预览：这是签发后将在门户网站公布的样式" in res.text
    assert "六、其他需要报告的事项" in res.text and "政策解读形式较单一" in res.text
    assert "<header>" not in res.text  # the document alone, not the workbench around it


def test_sign_off_waits_for_the_year_then_names_where_it_is_published(api: Api) -> None:  # noqa: F811
    wang = signed_in(api, "wang")
    this_year = today().year
    write(wang, this_year, **TEXTS)
    page = wang.get(f"/reports/annual/{this_year}").text
    assert "年度尚未结束" in page
    res = wang.post(
        f"/reports/annual/{this_year}/sign-off", data={"csrf": csrf_of(page), "confirmed": "yes"}
    )
    assert res.status_code == 409
    assert f"{this_year}年度尚未结束，年度报告在次年签发（条例第四十九条）" in res.text

    page = wang.get("/reports/annual/2025").text
    res = wang.post("/reports/annual/2025/sign-off", data={"csrf": csrf_of(page)})
    assert res.status_code == 422 and "请勾选确认后再签发" in res.text
    res = wang.post(
        "/reports/annual/2025/sign-off", data={"csrf": csrf_of(page), "confirmed": "yes"}
    )
    assert res.status_code == 409 and "总体情况" in res.text  # parts 一 and 五 not yet written

    write(wang, 2025, **TEXTS)
    res = wang.post(
        "/reports/annual/2025/sign-off",
        data={"csrf": csrf_of(page), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert (
        res.status_code == 303
        and res.headers["location"] == "/reports/annual/2025?done=signed#done"
    )
    page = wang.get(res.headers["location"]).text
    published = f"/public/reports/{AGENCY}/2025"
    assert "已签发，报告已在门户网站公布" in page and f'<a href="{published}">' in page
    assert 'name="overview"' not in page and 'id="sign-off"' not in page  # as published
    assert "已签发 · 已公布" in wang.get("/reports/annual").text
    assert "政策解读形式较单一" in api.client.get(published).text
    preview = wang.get("/reports/annual/2025/preview", follow_redirects=False)
    assert preview.status_code == 303 and preview.headers["location"] == published
    status, page = write(wang, 2025, overview="改", problems="改")
    assert status == 409 and "已于" in page and "签发公布，不能再修改" in page


def test_part_three_has_the_30_format_column_groups(api: Api) -> None:  # noqa: F811
    wang = signed_in(api, "wang")
    for html in (
        wang.get("/reports/annual/2025").text,
        wang.get("/reports/annual/2025/preview").text,  # as the portal will publish it
        wang.get("/v1/reports/annual/2025/full?format=html").text,
        wang.get("/v1/reports/annual/2025?format=html").text,  # part 三 alone
    ):
        assert GROUPS.search(html), html


GROUPS = re.compile(
    r'<th rowspan="3"[^>]*>（本列数据的勾稽关系为：[^<]*）</th>'
    r'<th colspan="7"[^>]*>申请人情况</th></tr>\s*'
    r'<tr><th rowspan="2"[^>]*>自然人</th><th colspan="5"[^>]*>法人或其他组织</th>'
    r'<th rowspan="2"[^>]*>总计</th></tr>\s*'
    r"<tr><th[^>]*>商业企业</th><th[^>]*>科研机构</th><th[^>]*>社会公益组织</th>"
    r"<th[^>]*>法律服务机构</th><th[^>]*>其他</th></tr>"
)
