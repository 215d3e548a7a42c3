"""A new kind is its schema, its workflow module, its registry entry and its pack data
(docs/kinds.md). A toy kind — tests/fixtures/toy_visit/, copied into a temporary package and
imported from there, nothing else — is registered in process, given its API routes, run by a
worker on the dev server, opened and acted on through the HTTP API, read back, and followed on
the portal's registry-driven pages, where its applicant takes their step through the workflow."""

from __future__ import annotations

import importlib
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import tests.test_registry as kinds_must
from api.app import create_app
from api.routes.kinds import kind_routes
from gongkai.settings import Settings
from schemas.registry import KINDS, STATUS_NAMES, KindSpec
from store.cases import put_agency
from store.db import make_engine, migrate
from store.models import Agency
from store.portal import issue_code
from store.users import add_user
from tests.conftest import TEST_KEY
from tests.portal.conftest import BASE, Portal, csrf
from tests.portal.test_apply_and_track import follow, until_status
from workers.worker import INTERCEPTORS, RUNNER, WORKFLOWS, activities

TOY = Path(__file__).resolve().parents[1] / "fixtures" / "toy_visit"
AGENCY = "SZ-TOY"


@pytest.fixture
def toy_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KindSpec]:
    """The toy package in a temporary directory, its pack installed as a local pack, its entry
    in the registry (and nothing of it left behind)."""
    shutil.copytree(TOY, tmp_path / "toy_visit")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("GONGKAI_RULE_PACK_DIR", str(tmp_path / "toy_visit" / "packs"))
    kind: KindSpec = importlib.import_module("toy_visit.kind").TOY_VISIT
    monkeypatch.setitem(KINDS, kind.kind, kind)
    for status in kind.status:
        monkeypatch.setitem(STATUS_NAMES, status.value, status.zh)  # type: ignore[attr-defined]
    yield kind
    for name in [m for m in sys.modules if m.partition(".")[0] == "toy_visit"]:
        del sys.modules[name]


@pytest_asyncio.fixture
async def toy(
    toy_kind: KindSpec, local_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Portal]:
    """The API and the portal with the toy kind's routes, a worker that runs its workflow, and
    an agency in the toy pack's jurisdiction with its officer."""
    settings = Settings(
        var_dir=tmp_path,
        codec_keys=TEST_KEY,
        public_url=BASE,
        temporal_task_queue=f"tq-{uuid.uuid4()}",
    )
    app = create_app(settings, temporal=local_env.client)
    app.include_router(kind_routes(toy_kind))
    engine = make_engine(settings.db_url)
    migrate(engine)
    app.state.engine = engine
    put_agency(
        engine,
        Agency(
            code=AGENCY,
            name="某市档案馆",
            reconsideration_organ="某市人民政府",
            court="某市某区人民法院",
            jurisdiction="CN-99",
            case_prefix=f"T{uuid.uuid4().hex[:6].upper()}",
        ),
    )
    now = datetime.now(UTC)
    _, token = add_user(engine, "officer.toy", "李经办", AGENCY, "officer", now, "test")
    async with Worker(
        local_env.client,
        task_queue=settings.temporal_task_queue,
        workflows=[*WORKFLOWS, toy_kind.workflow_class],
        activities=activities(engine, settings, local_env.client),
        activity_executor=ThreadPoolExecutor(4),
        workflow_runner=RUNNER,
        interceptors=INTERCEPTORS,
    ):
        yield Portal(app, engine, settings, {"officer": token})
    engine.dispose()


def test_the_toy_is_a_kind_as_the_registry_requires(toy_kind: KindSpec) -> None:
    kinds_must.test_every_status_is_named_and_classified(toy_kind)
    kinds_must.test_every_action_is_a_validated_update_of_the_kind(toy_kind)


async def _opened(portal: Portal, case_no: str) -> dict[str, Any]:
    """The case's view once its workflow has started its clock from the toy's pack."""
    view = await until_status(portal, case_no, "toy_waiting")
    for _ in range(200):
        if "visit" in view["readings"]:
            return view
        async with portal.staff() as staff:
            view = (await staff.get(f"/v1/cases/{case_no}")).json()
    raise AssertionError(f"{case_no}: the visit clock never started")


async def test_a_toy_kind_runs_through_the_api_and_the_portal(toy: Portal) -> None:
    async with toy.staff() as officer:
        paths = (await officer.get("/openapi.json")).json()["paths"]
        assert "/v1/toy-visits/{case_no}/actions/close-visit" in paths
        assert "/v1/toy-visits/{case_no}/actions/confirm-visit" not in paths  # the applicant's
        res = await officer.post("/v1/toy-visits", json={"agency": AGENCY, "visitor": "张三"})
        assert res.status_code == 201, res.text
        case_no = res.json()["case_no"]
        view = await _opened(toy, case_no)
        assert view["rule_pack"] == "toy-visits@2026.1" and view["visitor"] == "张三"
        assert view["clocks"]["visit"]["basis"] == "玩具规则第一条"
        # The registry's guard, in its words: the officer's step waits for the applicant's.
        res = await officer.post(f"/v1/toy-visits/{case_no}/actions/close-visit", json={})
        assert res.status_code == 409 and "只能在以下状态进行：已到访" in res.json()["detail"]

    async with toy.browser() as browser:
        code = issue_code(toy.engine, case_no, datetime.now(UTC))
        assert (await follow(browser, case_no, code)).status_code == 303
        page = (await browser.get("/public/case")).text
        assert "到访预约" in page and "请您确认是否已到访" in page and "收到您的预约。" in page
        assert 'action="/public/case/confirm-visit"' in page and "到访感受" in page
        sent = {"csrf": csrf(page), "how": "good", "words": "很顺利"}
        res = await browser.post("/public/case/confirm-visit", data=sent)
        assert res.status_code == 303, res.text
        page = (await browser.get(res.headers["location"])).text
        assert "感谢您确认到访。" in page and "您已确认到访。" in page and "已到访" in page
        assert 'action="/public/case/confirm-visit"' not in page

    async with toy.staff() as officer:
        res = await officer.post(f"/v1/toy-visits/{case_no}/actions/close-visit", json={})
        assert res.status_code == 200, res.text
        assert res.json()["status"] == "toy_done"
        view = (await officer.get(f"/v1/cases/{case_no}")).json()
        assert view["status"] == "toy_done" and view["how"] == "good"
        assert [e["kind"] for e in view["events"]] == ["received", "visit_confirmed", "closed"]
        assert view["readings"]["visit"]["state"] == "stopped"
        listed = (await officer.get("/v1/cases", params={"kind": "toy_visit"})).json()
        assert [(c["case_no"], c["status"]) for c in listed["items"]] == [(case_no, "toy_done")]

    async with toy.browser() as browser:
        await follow(browser, case_no, code)
        page = (await browser.get("/public/case")).text
        assert "已结束" in page and "本次预约已结束。" in page
