"""我的案件 and the search box, in process on SQLite and PostgreSQL: the officer's own open cases
of every kind, red before yellow before green and the earliest due first, with counts and
filters; the search finds by number or text, within the agency only, and says in Chinese what
it cannot search."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest_asyncio
from sqlalchemy.engine import Engine

from api.app import create_app
from gongkai.settings import Settings
from store.cases import ensure_case_row
from store.db import session_scope
from store.search import index_text
from store.users import add_user
from tests.conftest import TEST_KEY
from tests.fixtures.rows import case_row

NOW = datetime.now(UTC)


@pytest_asyncio.fixture
async def officer(fresh_engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(var_dir=tmp_path, codec_keys=TEST_KEY, temporal_address="127.0.0.1:1")
    _, token = add_user(fresh_engine, "li", "李经办", "SZ-GT", "officer", NOW, "test")
    rows = [  # (case_no, kind, light, due in days, officer, agency, status, summary, unit)
        (
            "GK-2026-000001",
            "disclosure",
            "green",
            3,
            "li",
            "SZ-GT",
            "accepted",
            "规划许可证",
            "规划处",
        ),
        (
            "GK-2026-000002",
            "disclosure",
            "red",
            -2,
            "li",
            "SZ-GT",
            "assigned",
            "财政预算",
            "财务处",
        ),
        (
            "GK-2026-000003",
            "inquiry",
            "yellow",
            1,
            "li",
            "SZ-GT",
            "handling",
            "某路段修缮",
            "规划处",
        ),
        ("GK-2026-000004", "disclosure", "red", -5, "li", "SZ-GT", "review", "拆迁补偿方案", ""),
        ("GK-2026-000005", "disclosure", "green", 1, "zhao", "SZ-GT", "accepted", "规划条件", ""),
        ("GK-2026-000006", "disclosure", "green", 1, "li", "SZ-GT", "archived", "规划旧案", ""),
        ("OT-2026-000001", "disclosure", "red", -1, "li", "OTHER", "accepted", "规划许可证", ""),
    ]
    for no, kind, light, days, who, agency, status, summary, unit in rows:
        due = NOW + timedelta(days=days)
        ensure_case_row(
            fresh_engine,
            case_row(
                no,
                kind=kind,
                light=light,
                due_at=due,
                officer=who,
                agency=agency,
                status=status,
                summary=summary,
                unit=unit,
                provisional=no.endswith("3"),
            ),
        )
        with session_scope(fresh_engine) as s:
            index_text(s, no, agency, summary, None)
    app = create_app(settings)
    app.state.engine = fresh_engine
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://workbench.test",
        headers={"authorization": f"Bearer {token}"},
    ) as client:
        yield client


def listed(page: str, table: str) -> list[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="/cases/([^"]+)"', body)


async def test_my_cases_most_urgent_first_with_counts_and_filters(
    officer: httpx.AsyncClient,
) -> None:
    page = (await officer.get("/mine")).text
    # Mine only (not zhao's, not another agency's, not closed); red, yellow, green; earliest due.
    assert listed(page, "queue") == [
        "GK-2026-000004",
        "GK-2026-000002",
        "GK-2026-000003",
        "GK-2026-000001",
    ]
    assert re.search(r'data-light="red" href="/mine\?light=red"><div class="n">2<', page)
    assert "共 4 件" in page and "预估" in page
    red = (await officer.get("/mine", params={"light": "red"})).text
    assert listed(red, "queue") == ["GK-2026-000004", "GK-2026-000002"]
    inquiries = (await officer.get("/mine", params={"kind": "inquiry"})).text
    assert listed(inquiries, "queue") == ["GK-2026-000003"]
    unit = (await officer.get("/mine", params={"unit": "规划处"})).text
    assert listed(unit, "queue") == ["GK-2026-000003", "GK-2026-000001"]
    soon = (await officer.get("/mine", params={"due_within": 1})).text
    assert "GK-2026-000001" not in listed(soon, "queue")  # due in three days
    bad = await officer.get("/mine", params={"due_within": 0})
    assert bad.status_code == 422


async def test_the_search_box_by_number_or_text_within_the_agency(
    officer: httpx.AsyncClient,
) -> None:
    page = (await officer.get("/search", params={"q": "规划"})).text
    assert sorted(listed(page, "results")) == ["GK-2026-000001", "GK-2026-000005", "GK-2026-000006"]
    assert "OT-2026-000001" not in page  # another agency's case
    by_number = (await officer.get("/search", params={"q": "gk-2026-000004"})).text
    assert listed(by_number, "results") == ["GK-2026-000004"]
    short = (await officer.get("/search", params={"q": "规"})).text
    assert "请输入至少2个字符" in short and 'id="results"' not in short
    api = await officer.get("/v1/search", params={"q": "补偿方案"})
    assert api.status_code == 200
    assert [c["case_no"] for c in api.json()["items"]] == ["GK-2026-000004"]
    refused = await officer.get("/v1/search", params={"q": "规"})
    assert refused.status_code == 422 and "至少2个字符" in refused.text
    other = await officer.get("/v1/search", params={"q": "规划", "agency": "OTHER"})
    assert other.status_code == 403


async def test_the_status_filter_lists_each_name_once_and_finds_every_kind_by_it(
    officer: httpx.AsyncClient, fresh_engine: Engine
) -> None:
    """已登记 is an application's ``registered`` and a proactive item's ``recorded``: one choice,
    and it finds both; 审核中 (an application's ``review``) is not a proactive item's 待审核."""
    for no, kind, status in (
        ("GK-2026-000011", "disclosure", "registered"),
        ("GK-2026-000012", "proactive", "recorded"),
        ("GK-2026-000013", "proactive", "review"),
    ):
        ensure_case_row(fresh_engine, case_row(no, kind=kind, status=status, due_at=NOW))
    page = (await officer.get("/mine")).text
    select = page.split('name="status"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r">([^<>]+)</option>", select)
    assert len(labels) == len(set(labels)) and labels.count("已登记") == 1
    registered = (await officer.get("/mine", params={"status": "已登记"})).text
    assert sorted(listed(registered, "queue")) == ["GK-2026-000011", "GK-2026-000012"]
    assert '<option value="已登记" selected>' in registered
    review = (await officer.get("/mine", params={"status": "审核中"})).text
    assert listed(review, "queue") == ["GK-2026-000004"]
    raw = (await officer.get("/mine", params={"status": "review"})).text  # an old link
    assert sorted(listed(raw, "queue")) == ["GK-2026-000004", "GK-2026-000013"]
