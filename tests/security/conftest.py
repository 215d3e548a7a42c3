"""A worker of its own on the session's dev server, with a read model of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from store.db import make_engine, migrate
from tests.conftest import TEST_SETTINGS
from tests.workflows.helpers import case_input, worker
from workflows.disclosure import DisclosureRequestWorkflow as W


@dataclass
class Running:
    env: WorkflowEnvironment
    engine: Engine
    task_queue: str

    async def case(self) -> str:
        """A registered disclosure case (its receipt issued)."""
        inp = case_input(await self.env.get_current_time())
        handle = await self.env.client.start_workflow(
            W.run, inp, id=inp.case_no, task_queue=self.task_queue
        )
        for _ in range(200):
            if (await handle.query(W.view)).documents:
                return inp.case_no
        raise AssertionError("not registered")


@pytest_asyncio.fixture
async def running(local_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Running]:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate(engine)
    tq = f"tq-{uuid.uuid4()}"
    async with worker(local_env, engine, tq, TEST_SETTINGS):
        yield Running(local_env, engine, tq)
    engine.dispose()
