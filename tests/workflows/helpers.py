"""Building blocks for disclosure-workflow tests on the time-skipping server."""

from __future__ import annotations

import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from gongkai.settings import Settings
from rules.outcomes import Outcome, ReplyContent
from schemas import disclosure as s
from workers.worker import INTERCEPTORS, RUNNER, WORKFLOWS, activities
from workflows.disclosure import DisclosureRequestWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"

AGENCY = s.AgencyInfo(
    code="SZ-GT",
    name="某市规划和自然资源局",
    reconsideration_organ="某市人民政府",
    court="某市某区人民法院",
    officer_email="officer@agency.test",
    supervisor_email="supervisor@agency.test",
    head_email="head@agency.test",
)
OFFICER = s.Actor(id="li.officer", name="李经办", role=s.Role.OFFICER, agency="SZ-GT")
SUPERVISOR = s.Actor(id="wang.chief", name="王主任", role=s.Role.SUPERVISOR, agency="SZ-GT")
# The second pair of eyes: signs off what SUPERVISOR reviewed (four eyes).
HEAD = s.Actor(id="zhou.head", name="周局长", role=s.Role.SUPERVISOR, agency="SZ-GT")
STRANGER = s.Actor(id="zhao", name="赵某", role=s.Role.OFFICER, agency="OTHER")
APPLICANT = s.Applicant(
    name="张三",
    id_number="110101199003071233",
    phone="13800138000",
    email="zhangsan@example.test",
    address="某市某路1号",
)

GRANTED = ReplyContent(
    outcome=Outcome.GRANTED,
    facts="经检索，找到该规划许可文件。",
    access_method="电子邮件发送",
    access_place="申请人预留邮箱",
    access_time="答复之日起5个工作日内",
)


def worker(
    env: WorkflowEnvironment, engine: Engine, task_queue: str, settings: Settings | None = None
) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(engine, settings or Settings(), env.client),
        activity_executor=ThreadPoolExecutor(4),
        workflow_runner=RUNNER,  # the production sandbox setting, so tests run what runs
        interceptors=INTERCEPTORS,
    )


def case_input(
    received_at: datetime, channel: s.Channel = s.Channel.IN_PERSON, **kw: Any
) -> s.DisclosureRequestInput:
    return s.DisclosureRequestInput(
        case_no=f"GK-2026-{uuid.uuid4().hex[:8].upper()}",
        agency=AGENCY,
        channel=channel,
        received_at=received_at,
        **{
            "applicant": APPLICANT,
            "description": "2025年某地块建设工程规划许可证及附图",
            "officer": OFFICER,
            **kw,
        },
    )


async def start_case(
    client: Client, task_queue: str, inp: s.DisclosureRequestInput
) -> WorkflowHandle[Any, s.CaseView]:
    return await client.start_workflow(
        DisclosureRequestWorkflow.run, inp, id=inp.case_no, task_queue=task_queue
    )


async def view(handle: WorkflowHandle[Any, Any]) -> s.CaseView:
    for _ in range(200):
        v: s.CaseView = await handle.query(DisclosureRequestWorkflow.view)
        if v.readings and (v.status is s.Status.RECEIVED or v.documents):
            return v
    raise AssertionError("the case never computed its deadlines")


async def act(handle: WorkflowHandle[Any, Any], update: Any, arg: Any) -> s.ActionResult:
    # Start the update, then wait: updates that wait on activities complete normally.
    uh = await handle.start_update(update, arg, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
    result: s.ActionResult = await uh.result()
    return result


async def skip(env: WorkflowEnvironment, days: float) -> None:
    await env.sleep(timedelta(days=days))


class CaseEnv:
    """A fresh time-skipping server (its clock starts at today's date), a database whose
    calendar carries the scenario year's example notice, and a worker."""

    def __init__(self, env: WorkflowEnvironment, engine: Engine, task_queue: str) -> None:
        self.env, self.engine, self.tq = env, engine, task_queue

    @property
    def client(self) -> Client:
        return self.env.client

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def skip_to(self, when: datetime) -> None:
        now = await self.now()
        if when > now:
            await self.env.sleep(when - now)

    async def start(
        self,
        received_at: datetime | None = None,
        channel: s.Channel = s.Channel.IN_PERSON,
        **kw: Any,
    ) -> WorkflowHandle[Any, s.CaseView]:
        inp = case_input(received_at or await self.now(), channel, **kw)
        return await start_case(self.client, self.tq, inp)

    async def record(self, handle: WorkflowHandle[Any, Any], name: str) -> None:
        """With GONGKAI_RECORD_HISTORIES=1, keep this run's history for the replay test."""
        if os.environ.get("GONGKAI_RECORD_HISTORIES") != "1":
            return
        history = await handle.fetch_history()
        HISTORIES.mkdir(exist_ok=True)
        # The workflow ID travels with the events: payloads are bound to it (gongkai/codec.py).
        recorded = {"workflowId": history.workflow_id, **json.loads(history.to_json())}
        (HISTORIES / f"{name}.json").write_text(json.dumps(recorded, ensure_ascii=False))

    async def written(self, handle: WorkflowHandle[Any, Any]) -> tuple[int, int]:
        """(update events in the Temporal history, business events of the case). A rejected
        update leaves both unchanged: the test server still records the workflow task that ran
        the validator, which the real server keeps speculative."""
        history = await handle.fetch_history()
        updates = sum(
            1
            for e in history.events
            if e.HasField("workflow_execution_update_accepted_event_attributes")
            or e.HasField("workflow_execution_update_completed_event_attributes")
        )
        view = await handle.query("view", result_type=dict)  # any kind's view
        return updates, len(view["events"])


def inquiry_input(received_at: datetime, category: Any = None, **kw: Any) -> Any:
    from schemas import inquiry as q

    return q.InquiryInput(
        case_no=f"WZ-2026-{uuid.uuid4().hex[:8].upper()}",
        agency=AGENCY,
        received_at=received_at,
        category=category or q.InquiryCategory.CONSULTATION,
        **{
            "officer": OFFICER,
            "person": q.Person(name="王五", phone="13900139000"),
            "subject": "小区旁道路何时修缮",
            "message": "请问某路段破损何时修缮？",
            "unit": "市交通运输局",
            **kw,
        },
    )


def emergency_input(detected_at: datetime, grade: Any) -> Any:
    from schemas import emergency as e

    return e.EmergencyInput(
        case_no=f"TF-2026-{uuid.uuid4().hex[:8].upper()}",
        agency=AGENCY,
        officer=OFFICER,
        detected_at=detected_at,
        grade=grade,
        title="某化工园区火灾",
        summary="网传多人伤亡",
    )


def consultation_input(started_at: datetime, **kw: Any) -> Any:
    from schemas import consultation as c

    return c.ConsultationInput(
        case_no=f"JC-2027-{uuid.uuid4().hex[:8].upper()}",
        agency=AGENCY,
        officer=OFFICER,
        started_at=started_at,
        title="某市城市停车收费管理办法",
        **kw,
    )


async def register(
    ce: CaseEnv, when: datetime, **kw: Any
) -> tuple[WorkflowHandle[Any, Any], s.CaseView]:
    """An in-person application received at ``when`` (virtual time moves there first)."""
    await ce.skip_to(when)
    handle = await ce.start(**kw)
    return handle, await view(handle)


async def to_assigned(handle: WorkflowHandle[Any, Any]) -> None:
    await act(handle, DisclosureRequestWorkflow.accept, s.Accept(actor=OFFICER))
    await act(handle, DisclosureRequestWorkflow.assign, s.Assign(actor=OFFICER, unit="规划处"))


async def rejected(
    ce: CaseEnv, handle: WorkflowHandle[Any, Any], update: Any, arg: Any, fragment: str
) -> str:
    """The update is refused with a message containing ``fragment`` and nothing is written."""
    before = await ce.written(handle)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await act(handle, update, arg)
    message = str(info.value.cause)
    assert fragment in message, message
    assert await ce.written(handle) == before  # the validator rejected it: nothing written
    return message


# What must never reach a person in a rendered document: Python's and JSON's empty values, an
# empty citation, an unreplaced template placeholder.
DOCUMENT_FLAWS = (
    "None",
    "null",
    "{{",
    "}}",
    "{%",
    "%}",
    "《》",
    "依据：。",
    "依据。",
    "第条",
    "（）",
)


def document_flaws(html: str) -> list[str]:
    import re

    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    return [flaw for flaw in DOCUMENT_FLAWS if flaw in text]


def scan_documents(engine: Engine) -> int:
    """Every document rendered in this database reads cleanly; returns how many there were."""
    from sqlmodel import Session, select

    from store.models import DocumentRow

    with Session(engine) as db:
        rows = db.exec(select(DocumentRow)).all()
    for row in rows:
        assert document_flaws(row.html) == [], (row.case_no, row.name, document_flaws(row.html))
    return len(rows)
