"""The chrome both faces share, in process: the 大字版 switch (a link and a cookie, no script) that
sends the reader back to the page they were on and never off the site; the portal's own page for
an address it does not have (the API keeps its JSON problems); the favicon; and staff pages that
speak Chinese only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from api.app import create_app
from gongkai.settings import Settings
from store.db import make_engine, migrate
from store.users import add_user
from tests.conftest import TEST_KEY

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates"
BASE = "http://site.test"


@pytest_asyncio.fixture
async def site(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(var_dir=tmp_path, codec_keys=TEST_KEY, temporal_address="127.0.0.1:1")
    engine = make_engine(settings.db_url)
    migrate(engine)
    _, token = add_user(engine, "li", "李经办", "SZ-GT", "officer", datetime.now(UTC), "test")
    app = create_app(settings)
    app.state.engine = engine
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as client:
        client.officer = {"authorization": f"Bearer {token}"}  # type: ignore[attr-defined]
        yield client
    engine.dispose()


async def test_the_large_display_is_chosen_by_a_link_and_kept_in_a_cookie(
    site: httpx.AsyncClient,
) -> None:
    page = (await site.get("/public/catalogue", params={"q": "停车"})).text
    assert '<html lang="zh-CN">' in page
    link = re.search(r'id="display-switch" href="([^"]+)">大字版<', page)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    here = "%2Fpublic%2Fcatalogue%3Fq%3D%25E5%2581%259C%25E8%25BD%25A6"  # /public/catalogue?q=停车
    assert href == f"/public/display?mode=large&next={here}"

    res = await site.get(href)
    assert res.status_code == 303
    assert res.headers["location"] == "/public/catalogue?q=%E5%81%9C%E8%BD%A6"
    cookie = res.headers["set-cookie"]
    assert cookie.startswith("gk_display=large;") and "Path=/;" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie

    large = (await site.get("/public/catalogue")).text
    assert '<html lang="zh-CN" class="large">' in large and ">标准版<" in large
    # The same cookie serves the workbench: the login page is large too, with its own switch.
    login = (await site.get("/login")).text
    assert 'class="large"' in login
    assert 'href="/display?mode=standard&amp;next=%2Flogin">标准版<' in login

    back = await site.get("/display", params={"mode": "standard", "next": "/login"})
    assert back.status_code == 303 and back.headers["location"] == "/login"
    assert 'gk_display=""' in back.headers["set-cookie"]  # removed
    assert 'class="large"' not in (await site.get("/login")).text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/public/",
        "//evil.example/public/",
        "/\\evil.example/public/",
        "javascript:alert(1)",
        "/public/\r\nSet-Cookie: x=1",
        "/v1/cases",  # on the site, but not a portal page
        "",
    ],
)
async def test_the_display_switch_never_sends_the_reader_off_the_site(
    site: httpx.AsyncClient, target: str
) -> None:
    portal = await site.get("/public/display", params={"mode": "large", "next": target})
    assert portal.status_code == 303 and portal.headers["location"] == "/public/"
    if target != "/v1/cases":
        staff = await site.get("/display", params={"mode": "large", "next": target})
        assert staff.status_code == 303 and staff.headers["location"] == "/"


async def test_a_page_answering_a_form_offers_no_switch(site: httpx.AsyncClient) -> None:
    """Going back to a form's answer would lose it (the 查询码 is shown once): no switch there."""
    refused = await site.post("/login", data={"token": "gk_wrong"})
    assert "令牌无效" in refused.text and 'id="display-switch"' not in refused.text


async def test_an_unknown_portal_address_is_a_page_in_chinese_with_a_way_home(
    site: httpx.AsyncClient,
) -> None:
    res = await site.get("/public/no-such-page")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("text/html")
    assert "没有找到这个页面" in res.text and '<a href="/public/">返回首页</a>' in res.text
    assert '<html lang="zh-CN"' in res.text and "<title>没有找到这个页面" in res.text
    # A form's address opened as a page (a bookmark of a POST): a page too.
    wrong = await site.get("/public/case/leave")
    assert wrong.status_code == 405 and wrong.headers["content-type"].startswith("text/html")
    # The API keeps its problem answers.
    api = await site.get("/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["detail"].startswith("本接口没有这个地址")


async def test_the_favicon_is_served_and_named_by_both_faces(site: httpx.AsyncClient) -> None:
    icon = await site.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.text.startswith("<svg")
    assert (await site.get("/static/favicon.svg")).status_code == 200
    for page in ("/public/", "/login"):
        html = (await site.get(page)).text
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


async def test_text_sizes_follow_the_reader_default(site: httpx.AsyncClient) -> None:
    """No fixed pixel font sizes (the reader's own default is respected, 适老化)."""
    for name in ("base.html", "portal/base.html"):
        css = (TEMPLATES / name).read_text()
        assert not re.search(r"font(-size)?:[^;]*\d+px", css), name


# Words a staff page may show in Latin letters: file formats and product names.
ALLOWED = {"JSON", "Temporal", "UI", "PDF", "JPEG", "PNG", "OFD", "DOCX", "MB", "KB", "SHA"}


def _visible_words(template: str) -> set[str]:
    text = re.sub(r"<style>.*?</style>|<script.*?</script>", "", template, flags=re.S)
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return set(re.findall(r"[A-Za-z]{2,}", text))


def test_staff_pages_speak_chinese_only() -> None:
    """The workbench's headings, menus and hints are Chinese (no "Board", "Timeline", "Sign in"),
    and no page tells an officer to run a command."""
    for path in sorted(TEMPLATES.glob("*.html")):
        words = _visible_words(path.read_text()) - ALLOWED
        assert not words, f"{path.name}: {sorted(words)}"
    login = (TEMPLATES / "login.html").read_text()
    assert "gongkai" not in login and "系统管理员" in login


async def test_the_header_offers_officers_only_what_they_may_open(
    site: httpx.AsyncClient,
) -> None:
    board = (await site.get("/", headers=site.officer)).text  # type: ignore[attr-defined]
    nav = board.split('<nav aria-label="工作台栏目">', 1)[1].split("</nav>", 1)[0]
    assert 'href="/mine"' in nav and 'aria-current="page">督办看板<' in nav
    assert 'href="/ratings"' not in nav and 'href="/approvals"' not in nav  # supervisors' pages
