"""The portal in process: the API app on the session's dev server with a worker of its own, a
read model of its own (SQLite), one agency and its staff; the browser is an httpx client that
keeps cookies, as a browser does, and says where its forms come from (Origin)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from gongkai.settings import Settings
from store.cases import put_agency
from store.db import make_engine, migrate
from store.models import Agency
from store.users import add_user
from tests.conftest import TEST_KEY
from tests.workflows.helpers import worker

BASE = "http://portal.test"


@dataclass
class Portal:
    app: Any
    engine: Any
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)

    def browser(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(self.app),
            base_url=BASE,
            headers={"origin": BASE},
            timeout=30,
        )

    def staff(self, who: str = "officer") -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(self.app),
            base_url=BASE,
            headers={"authorization": f"Bearer {self.tokens[who]}"},
            timeout=30,
        )


def form_token(page: str) -> str:
    m = re.search(r'name="form_token" value="([^"]+)"', page)
    assert m is not None, "no form token on the page"
    return m.group(1)


def csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m is not None, "no csrf token on the page"
    return m.group(1)


@pytest_asyncio.fixture
async def portal(local_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Portal]:
    settings = Settings(
        var_dir=tmp_path,
        codec_keys=TEST_KEY,
        public_url=BASE,
        temporal_task_queue=f"tq-{uuid.uuid4()}",
        portal_tracking_per_address=1000,
        portal_posts_per_address=1000,
        portal_new_cases_per_address=1000,
    )
    engine = make_engine(settings.db_url)
    migrate(engine)
    put_agency(
        engine,
        Agency(
            code="SZ-GT",
            name="某市规划和自然资源局",
            reconsideration_organ="某市人民政府",
            court="某市某区人民法院",
            case_prefix=f"P{uuid.uuid4().hex[:6].upper()}",  # workflow ids unique per test
        ),
    )
    now = datetime.now(UTC)
    tokens = {
        who: add_user(engine, f"{who}.sz", name, "SZ-GT", role, now, "test")[1]
        for who, name, role in (
            ("officer", "李经办", "officer"),
            ("supervisor", "王主任", "supervisor"),
            ("head", "周局长", "supervisor"),
        )
    }
    app = create_app(settings, temporal=local_env.client)
    app.state.engine = engine
    async with worker(local_env, engine, settings.temporal_task_queue, settings):
        yield Portal(app, engine, settings, tokens)
    engine.dispose()
