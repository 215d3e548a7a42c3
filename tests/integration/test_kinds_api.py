"""Each of the other case kinds driven through the generated client (client/gongkai_client)
against the real stack: the typed API an integrator gets is the one these tests exercise."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from gongkai_client import ApiError, Gongkai
from gongkai_client import models as m

from tests.integration.stack import Stack, add_agency, bearer

pytestmark = pytest.mark.integration


class Api:
    """The officer's client, the supervisor's, and a wait for a new case's first view."""

    def __init__(self, st: Stack) -> None:
        officer = bearer(st, "li.officer")["Authorization"].removeprefix("Bearer ")
        chief = bearer(st, "wang.chief", "supervisor")["Authorization"].removeprefix("Bearer ")
        self.base = f"http://127.0.0.1:{st.http}"
        self.officer = Gongkai(self.base, token=officer)
        self.chief = self.officer.as_user(chief)

    def view(self, case: str, until: str | None = None) -> Any:
        for _ in range(100):
            v = self.officer.get_case(case)
            ready = getattr(v, "readings", None) or v.status == "drafting"
            if v.events and ready and (until is None or v.status == until):
                return v
            time.sleep(0.1)
        raise AssertionError(v)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    st = Stack(tmp_path_factory.mktemp("kinds"))
    add_agency(st)
    made = Api(st)
    st.start()
    yield made
    made.officer.close()
    assert st.stop() == 0


def refused(status: int, call: Any, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    assert caught.value.status == status, caught.value
    return caught.value


def test_inquiry_through_the_api(api: Api) -> None:
    o = api.officer
    case = o.open_inquiry(
        m.InquiryCreate(
            agency="SZ-GT",
            category="consultation",
            person=m.PersonIn(name="王五"),
            subject="道路修缮",
            message="某路段何时修缮？",
            unit="市交通运输局",
        )
    ).case_no
    v = api.view(case)
    assert isinstance(v, m.InquiryCase) and v.readings["reply"].unit == "working_days"
    o.inquiry_transfer(case, m.InquiryTransferRequest(to_unit="某区住建局", reason="小区内部道路"))
    o.inquiry_answer(case, m.InquiryAnswerRequest(text="已列入修缮计划。"))
    assert api.view(case, "answered").unit == "某区住建局"
    # A disclosure step on an inquiry: no such route for this case.
    refused(404, o.disclosure_accept, case, m.DisclosureAcceptRequest())
    o.inquiry_close(case, m.InquiryCloseRequest())
    assert "<html" in o.case_document(case, "inquiry_reply").lower()
    listed = o.list_cases(kind="inquiry")
    assert case in [c.case_no for c in listed.items]


def test_emergency_through_the_api(api: Api) -> None:
    o, chief = api.officer, api.chief
    case = o.open_emergency(
        m.EmergencyCreate(agency="SZ-GT", grade="major", title="某化工园区火灾")
    ).case_no
    v = api.view(case)
    assert set(v.readings) == {"authoritative_release", "press_conference"}
    o.emergency_submit_draft(
        case, m.EmergencySubmitDraftRequest(kind="authoritative", text="火情已得到控制。")
    )
    approve = m.EmergencyApproveReleaseRequest(approve=True)
    refused(409, o.emergency_approve_release, case, approve)  # officers cannot publish
    chief.emergency_approve_release(case, approve)
    o.emergency_hold_press_conference(
        case, m.EmergencyHoldPressConferenceRequest(place="新闻发布厅", speaker="副市长")
    )
    v = api.view(case, "released")
    assert isinstance(v, m.EmergencyCase) and v.releases[0].approved_by == "wang.chief"
    assert o.case_document(case, "release")
    chief.emergency_close(case, m.EmergencyCloseRequest(reason="处置完毕"))


def test_consultation_through_the_api(api: Api) -> None:
    o = api.officer
    case = o.open_consultation(
        m.ConsultationCreate(agency="SZ-GT", title="停车收费管理办法")
    ).case_no
    api.view(case)
    short = refused(
        422, o.consultation_publish_draft, case, m.ConsultationPublishDraftRequest(period_days=20)
    )
    assert "不少于30日" in short.detail
    o.consultation_publish_draft(case, m.ConsultationPublishDraftRequest())
    v = api.view(case, "comment_open")
    assert v.readings["comment"].unit == "calendar_days"
    public = Gongkai(api.base)  # no token: commenting needs no login
    got = public.comment_on_draft(case, m.CommentIn(text="建议夜间免费", name="市民"))
    assert got.received and got.case_no == case
    refused(
        409,
        api.chief.consultation_record_decision,
        case,
        m.ConsultationRecordDecisionRequest(decision="通过", minutes="纪要"),
    )
    assert o.case_document(case, "comment_notice")
    board = httpx.get(
        f"{api.base}/",
        params={"kind": "consultation"},
        headers={"authorization": f"Bearer {o.token}"},
    ).text
    assert case in board


def test_press_conference_plan_through_the_api(api: Api) -> None:
    o = api.officer
    year = datetime.now(UTC).year
    first = o.open_press_plan(m.PressPlanCreate(agency="SZ-GT", year=year))
    again = o.open_press_plan(m.PressPlanCreate(agency="SZ-GT", year=year))
    assert again.case_no == first.case_no and again.created is False  # one plan a year
    # ... whatever Idempotency-Key a client sends (the generated client sends a fresh one each
    # time; a key is the client's, the one plan a year is the law's).
    keyed = o.open_press_plan(m.PressPlanCreate(agency="SZ-GT", year=year), idempotency_key="x1")
    assert keyed.case_no == first.case_no and keyed.created is False
    case = first.case_no
    v = api.view(case)
    assert v.readings["conference"].unit == "calendar_days"
    o.press_plan_record_press_conference(
        case,
        m.PressPlanRecordPressConferenceRequest(
            held_on=datetime.now(UTC), topic="年度工作", speaker="发言人"
        ),
    )
    v = api.view(case)
    assert isinstance(v, m.PressPlanCase) and sum(v.held.values()) == 1


def test_unknown_law_and_unknown_outcome_are_clear_422s(api: Api) -> None:
    o = api.officer
    old = m.InquiryCreate(
        agency="SZ-GT",
        category="consultation",
        person=m.PersonIn(name="王五"),
        subject="x",
        message="x",
        unit="x",
        received_at=datetime.fromisoformat("2001-03-01T10:00:00+08:00"),
    )
    assert "没有适用于2001-03-01" in refused(422, o.open_inquiry, old).detail
    case = o.open_disclosure(
        m.DisclosureRequestCreate(
            agency="SZ-GT",
            channel="in_person",
            applicant=m.ApplicantIn(name="张三"),
            description="某文件",
        )
    ).case_no
    api.view(case)
    o.disclosure_accept(case, m.DisclosureAcceptRequest())
    o.disclosure_assign(case, m.DisclosureAssignRequest(unit="办公室"))
    # An outcome the typed model would refuse, sent as an untyped client would send it.
    bad = refused(422, o.act_on_case, case, "submit-for-review", {"reply": {"outcome": "MAYBE"}})
    assert "'reply.outcome'" in bad.detail
