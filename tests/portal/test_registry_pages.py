"""The portal's case pages follow the registry: a kind it has never heard of, registered in
process with its public face (schemas/public.py), is tracked with its 查询号 and 查询码, shows its
status and its events in its own public words (and nothing else of its record), offers its
applicant's step with a form built from the step's body, takes that step through the generated
route, and publishes the letters its face says — without a line of the portal knowing it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

import pytest
from pydantic import Field

from api.public import steps
from rules.limits import LongReq
from schemas.case import ActionBase, CaseViewBase, CreateBase
from schemas.public import ApplicantStep, PublicFace
from schemas.registry import APPLICANT, KINDS, OFFICERS, ActionSpec, KindSpec
from store.db import session_scope
from store.models import CaseEventRow, CaseRow, DocumentRow
from store.portal import issue_code
from tests.portal.conftest import Portal, csrf
from tests.portal.test_apply_and_track import follow


class VisitStatus(StrEnum):
    WAITING = "toy_waiting"
    VISITED = "toy_visited"
    DONE = "toy_done"

    @property
    def zh(self) -> str:
        return {"toy_waiting": "待确认到访", "toy_visited": "已到访", "toy_done": "已结束"}[self]


class ConfirmVisit(ActionBase):
    """The applicant confirms the visit and says how it went."""

    how: Literal["good", "bad"]
    words: LongReq = Field(title="到访感受")


class CloseVisit(ActionBase):
    pass


TOY = KindSpec(
    kind="toy_visit",
    zh="预约到访",
    noun_zh="到访预约",
    path="toy-visits",
    workflow="tests.portal.test_registry_pages:NoWorkflow",
    status=VisitStatus,
    closed=frozenset({VisitStatus.DONE.value}),
    clocks={"visit": "到访期限"},
    opened_zh="预约之日",
    create=CreateBase,
    view=CaseViewBase,
    actions=(
        ActionSpec(
            name="confirm-visit",
            update="confirm_visit",
            body=ConfirmVisit,
            zh="确认到访",
            statuses=frozenset({VisitStatus.WAITING.value}),
            basis="玩具规则第一条",
            roles=APPLICANT,
        ),
        ActionSpec(
            name="close-visit",
            update="close_visit",
            body=CloseVisit,
            zh="结束",
            statuses=frozenset({VisitStatus.VISITED.value}),
            basis="玩具规则第二条",
            roles=OFFICERS,
        ),
    ),
    public=PublicFace(
        status_zh={VisitStatus.WAITING.value: "请您确认是否已到访"},
        told={"received": "收到您的预约。", "visit_confirmed": "您已确认到访。"},
        to_applicant=frozenset({"visit_notice"}),
        steps={"confirm-visit": ApplicantStep(done_zh="感谢您确认到访。")},
        documents=frozenset({"visit_notice"}),
        published_in=frozenset({VisitStatus.VISITED.value}),
    ),
)


def _open(portal: Portal, status: str) -> tuple[str, str]:
    """A case of the toy kind as the read model holds it (its workflow is not the point)."""
    now = datetime.now(UTC)
    case_no = f"TOY-{now.strftime('%H%M%S%f')}"
    with session_scope(portal.engine) as s:
        s.add(
            CaseRow(
                case_no=case_no,
                kind=TOY.kind,
                agency="SZ-GT",
                officer="李经办",
                status=status,
                light="green",
                created_at=now,
                updated_at=now,
            )
        )
        for seq, kind, summary in (
            (1, "received", "收到预约"),
            (2, "note", "内部备注：申请人似乎不耐烦"),
        ):
            s.add(
                CaseEventRow(
                    case_no=case_no,
                    seq=seq,
                    at=now,
                    kind=kind,
                    actor_id="x",
                    actor_name="李经办",
                    status=status,
                    summary=summary,
                )
            )
        for seq, name in ((1, "visit_notice"), (2, "internal_memo")):
            s.add(
                DocumentRow(
                    case_no=case_no,
                    name=name,
                    seq=seq,
                    title=f"{name}的标题",
                    html=f"<html><body>{name}正文</body></html>",
                    created_at=now,
                )
            )
    return case_no, issue_code(portal.engine, case_no, now)


async def test_a_kind_registered_in_process_is_followed_on_the_portal(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(KINDS, TOY.kind, TOY)
    taken: list[tuple[str, Any]] = []

    async def perform(row: CaseRow, spec: KindSpec, action: ActionSpec, body: Any, *_: Any) -> None:
        taken.append((action.name, body))

    monkeypatch.setattr(steps, "perform", perform)
    case_no, code = _open(portal, VisitStatus.WAITING.value)
    async with portal.browser() as browser:
        assert (await follow(browser, case_no, code)).status_code == 303
        page = (await browser.get("/public/case")).text
        # Its noun, its status and its events in its public words; nothing else of its record.
        assert "到访预约" in page and "请您确认是否已到访" in page and "预约之日" in page
        assert "收到您的预约。" in page and "内部备注" not in page
        assert "visit_notice的标题" in page and "internal_memo" not in page
        # Its applicant's step, with a form built from the body (the officers' step is not).
        form = re.search(r'<form[^>]*action="/public/case/confirm-visit".*?</form>', page, re.S)
        assert form is not None and "close-visit" not in page
        assert 'name="how" value="good"' in form.group(0)
        assert "到访感受" in form.group(0) and 'maxlength="2000"' in form.group(0)

        sent = {"csrf": csrf(page), "how": "good", "words": "很顺利", "note": "不该收下"}
        res = await browser.post("/public/case/confirm-visit", data=sent)
        assert res.status_code == 303, res.text
        assert res.headers["location"] == "/public/case?done=confirm-visit"
        ((name, body),) = taken
        assert name == "confirm-visit" and isinstance(body, ConfirmVisit)
        assert (body.how, body.words, body.note) == ("good", "很顺利", "")
        assert body.actor.role == "applicant"
        assert "感谢您确认到访。" in (await browser.get(res.headers["location"])).text

        # Refused in the applicant's words, nothing taken: a bad body, another kind's step.
        res = await browser.post("/public/case/confirm-visit", data={**sent, "how": "meh"})
        assert res.status_code == 422 and len(taken) == 1
        res = await browser.post("/public/case/rating", data={**sent, "score": "satisfied"})
        assert res.status_code == 409 and "当前办理阶段不能进行这一操作" in res.text
        assert (await browser.post("/public/case/no-such-step", data=sent)).status_code == 404

    # Once visited: the step is no longer offered, and the letter its face publishes is public.
    with session_scope(portal.engine) as s:
        row = s.get(CaseRow, case_no)
        assert row is not None
        row.status = VisitStatus.VISITED.value
        s.add(row)
    async with portal.browser() as browser:
        await follow(browser, case_no, code)
        page = (await browser.get("/public/case")).text
        assert "已到访" in page and "confirm-visit" not in page
        res = await browser.post("/public/case/confirm-visit", data={**sent, "csrf": csrf(page)})
        assert res.status_code == 409 and len(taken) == 1
        letter = await browser.get(f"/public/documents/{case_no}/visit_notice")
        assert letter.status_code == 200 and "visit_notice正文" in letter.text
        memo = await browser.get(f"/public/documents/{case_no}/internal_memo")
        assert memo.status_code == 404
