"""Proactive disclosure (主动公开) under time skipping: the Art. 26 clock of 20 working days from
the day the information was formed, across National Day and its make-up day; escalation of an
unpublished item; the confidentiality review and the sign-off before publication; a policy not
published without its interpretation (80号); publication into the catalogue; a change as a new
version with its own 20 working days; a withdrawal that keeps the record."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle

from rules.calendar import SHANGHAI
from schemas import proactive as p
from store.models import CatalogueEntry
from tests.fixtures.scenario import YEAR, example_notice
from tests.workflows.helpers import AGENCY, HEAD, OFFICER, SUPERVISOR, CaseEnv, act, rejected
from workflows.proactive import ProactiveItemWorkflow as W


def friday_before_national_day(year: int = YEAR) -> date:
    day = date(year, 10, 1) - timedelta(days=1)
    while day.weekday() != 4:
        day -= timedelta(days=1)
    return day


def nth_working_day_by_hand(start: date, n: int) -> date:
    """An oracle apart from rules.calendar: weekdays and make-up days count, holidays do not."""
    notice = example_notice()
    off = {
        h.from_ + timedelta(days=i)
        for h in notice.holidays
        for i in range((h.to - h.from_).days + 1)
    }
    on = {w.date for w in notice.workdays}
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if day in on or (day.weekday() < 5 and day not in off):
            counted += 1
    return day


async def publish_ready(handle: WorkflowHandle[Any, Any]) -> None:
    await act(handle, W.submit_item, p.SubmitItem(actor=OFFICER))
    await act(
        handle,
        W.review_item,
        p.ReviewItem(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True),
    )
    await act(handle, W.sign_off_item, p.SignOffItem(actor=HEAD, approve=True))


async def start_item(ce: CaseEnv, formed_on: date, **kw: Any) -> WorkflowHandle[Any, Any]:
    await ce.skip_to(datetime.combine(formed_on, time(10), tzinfo=SHANGHAI))
    inp = p.ItemInput(
        case_no=f"ZD-{YEAR}-{uuid.uuid4().hex[:8].upper()}",
        agency=kw.pop("agency", AGENCY),
        officer=OFFICER,
        title=kw.pop("title", "关于进一步规范停车收费的通知"),
        category=kw.pop("category", p.Category.RULES),
        attribute=kw.pop("attribute", p.Attribute.PROACTIVE),
        formed_on=formed_on,
        registered_at=await ce.now(),
        **kw,
    )
    handle = await ce.client.start_workflow(W.run, inp, id=inp.case_no, task_queue=ce.tq)
    for _ in range(200):
        if (await handle.query(W.view)).events:
            return handle
    raise AssertionError("not started")


async def test_art26_twenty_working_days_across_national_day_and_escalation(
    case_env: CaseEnv,
) -> None:
    formed = friday_before_national_day()
    handle = await start_item(case_env, formed)
    v = await handle.query(W.view)
    reading = v.readings["publication"]
    assert reading.due_date == nth_working_day_by_hand(formed, 20)
    assert "第二十六条" in reading.explanation.lines[0]
    assert any("国庆节" in (d.label or "") for d in reading.explanation.skipped)
    due = reading.due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=2))
    v = await handle.query(W.view)
    assert [r.rung for r in v.fired] == ["amber", "red", "overdue"]
    assert v.light.value == "red" and "urging_notice" in [d.name for d in v.documents]
    await handle.terminate("test done")


async def test_review_sign_off_interpretation_publication_versions_and_withdrawal(
    case_env: CaseEnv,
) -> None:
    formed = date(YEAR, 3, 2)
    handle = await start_item(
        case_env,
        formed,
        is_policy=True,
        interpretation_required=True,
        document_no="某政发〔2027〕1号",
    )
    await act(handle, W.submit_item, p.SubmitItem(actor=OFFICER))
    await rejected(
        case_env,
        handle,
        W.review_item,
        p.ReviewItem(actor=SUPERVISOR, approve=True),
        "第十七条",
    )
    await act(
        handle,
        W.review_item,
        p.ReviewItem(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True),
    )
    await act(handle, W.sign_off_item, p.SignOffItem(actor=HEAD, approve=True))
    publish = p.PublishItem(
        actor=OFFICER, channels=["政府网站", "政府公报"], url="https://example.gov.cn/1"
    )
    await rejected(case_env, handle, W.publish_item, publish, "同步组织、同步审签、同步部署")
    await act(
        handle,
        W.record_interpretation,
        p.RecordInterpretation(actor=OFFICER, title="《关于进一步规范停车收费的通知》政策解读"),
    )
    await act(handle, W.publish_item, publish)
    v = await handle.query(W.view)
    assert v.status is p.ItemStatus.PUBLISHED and v.publications[0].channels == [
        "政府网站",
        "政府公报",
    ]
    assert v.readings["publication"].stop_reason == "已公开"

    # A change: a new version with its own 20 working days from the day it changed.
    await case_env.skip_to(await case_env.now() + timedelta(days=30))
    await act(
        handle,
        W.amend_item,
        p.AmendItem(actor=OFFICER, reason="收费标准调整", content="调整后的收费标准"),
    )
    v = await handle.query(W.view)
    changed = (await case_env.now()).astimezone(SHANGHAI).date()
    assert v.version == 2 and v.status is p.ItemStatus.RECORDED
    assert v.readings["publication"].due_date == nth_working_day_by_hand(changed, 20)
    await act(handle, W.submit_item, p.SubmitItem(actor=OFFICER))
    await act(
        handle,
        W.review_item,
        p.ReviewItem(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True),
    )
    await act(handle, W.sign_off_item, p.SignOffItem(actor=HEAD, approve=True))
    # 80号 同步: the new version is published with its own interpretation.
    await rejected(case_env, handle, W.publish_item, publish, "同步组织、同步审签、同步部署")
    await act(
        handle,
        W.record_interpretation,
        p.RecordInterpretation(actor=OFFICER, title="调整后收费标准的政策解读"),
    )
    await act(handle, W.publish_item, publish)

    await act(
        handle, W.withdraw_item, p.WithdrawItem(actor=SUPERVISOR, reason="上位法修改，予以废止")
    )
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    await case_env.record(handle, "proactive-versions-interpreted-g2026-12-07")
    with Session(case_env.engine) as db:
        rows = db.exec(
            select(CatalogueEntry)
            .where(CatalogueEntry.case_no == handle.id)
            .order_by(CatalogueEntry.version)
        ).all()
    assert [r.version for r in rows] == [1, 2]
    assert rows[0].document_no == "某政发〔2027〕1号"
    assert rows[1].content == "调整后的收费标准" and "政策解读" in rows[0].interpretation
    assert rows[1].interpretation == "调整后收费标准的政策解读"
    assert all(r.withdrawn_at is not None and "废止" in r.withdrawn_reason for r in rows)


async def test_information_not_within_the_proactive_scope_is_recorded_with_its_ground(
    case_env: CaseEnv,
) -> None:
    handle = await start_item(
        case_env,
        date(YEAR, 3, 2),
        attribute=p.Attribute.NOT_PUBLIC,
        ground="涉及商业秘密（条例第十五条）",
        category=p.Category.LICENSING,
    )
    result = await handle.result()
    assert result.status is p.ItemStatus.NOT_PROACTIVE and "publication" not in result.readings
    assert "商业秘密" in result.events[0].summary


async def test_art44_a_granted_request_moved_into_proactive_disclosure_in_one_step(
    case_env: CaseEnv,
) -> None:
    from schemas import disclosure as s
    from store.cases import put_agency
    from store.models import Agency
    from tests.workflows.helpers import GRANTED, register, to_assigned
    from workflows.disclosure import DisclosureRequestWorkflow as D

    put_agency(case_env.engine, Agency(**AGENCY.model_dump(), case_prefix="GK"))

    handle, _ = await register(case_env, datetime.combine(date(YEAR, 3, 2), time(10), SHANGHAI))
    await to_assigned(handle)
    formed = date(YEAR, 1, 15)  # the information (the licence) was formed long before
    move = p.MoveToProactive(
        actor=OFFICER,
        title="某地块建设工程规划许可证",
        category=p.Category.LICENSING,
        formed_on=formed,
    )
    await act(handle, D.submit_for_review, s.SubmitForReview(actor=OFFICER, reply=GRANTED))
    await act(
        handle, D.review, s.Review(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True)
    )
    await act(handle, D.sign_off, s.SignOff(actor=HEAD, approve=True))
    await act(handle, D.move_to_proactive, move)
    v = await handle.query(D.view)
    assert v.moved_to is not None and v.events[-1].kind == "moved_to_proactive"
    await rejected(case_env, handle, D.move_to_proactive, move, "已纳入主动公开")
    item = case_env.client.get_workflow_handle(v.moved_to)
    for _ in range(200):
        iv = await item.query(W.view)
        if iv.readings:
            break
    today = (await case_env.now()).astimezone(SHANGHAI).date()
    assert iv.status is p.ItemStatus.RECORDED and "由依申请公开案件" in iv.events[0].summary
    assert iv.readings["publication"].due_date == nth_working_day_by_hand(today, 20)
    # The linked item goes the usual way and is published into the catalogue.
    await act(item, W.submit_item, p.SubmitItem(actor=OFFICER))
    await act(
        item,
        W.review_item,
        p.ReviewItem(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True),
    )
    await act(item, W.sign_off_item, p.SignOffItem(actor=HEAD, approve=True))
    await act(item, W.publish_item, p.PublishItem(actor=OFFICER, channels=["政府网站"]))
    with Session(case_env.engine) as db:
        entry = db.exec(select(CatalogueEntry).where(CatalogueEntry.case_no == item.id)).one()
    assert entry.title == "某地块建设工程规划许可证" and entry.category == "licensing"
    # The 目录's 生成日期 is the day the information was formed, not the day it was moved.
    assert entry.formed_on == formed and iv.formed_on == formed and iv.t0 == today
    await item.terminate("test done")
    await handle.terminate("test done")


async def test_a_local_pack_gives_the_interpretation_its_own_window(
    case_env: CaseEnv, tmp_path: Any, monkeypatch: Any
) -> None:
    """Where a local pack allows the interpretation after the policy ([L], e.g. 3 working days),
    the policy may be published first; the interpretation then has its own clock, escalated
    when missed and stopped when it is recorded."""
    (tmp_path / "cn-test.toml").write_text(
        """id = "cn-test-local"
version = "1"
title = "测试用地方规则包"
jurisdiction = "CN-TEST"
effective_from = 2019-05-15

[proactive]
publication = { amount = 20, unit = "working_days", basis = "《政府信息公开条例》第二十六条" }
interpretation_with_policy = false
interpretation = { amount = 3, unit = "working_days", basis = "地方规定 [L]" }

[proactive.escalation]
rungs = [{ name = "overdue", light = "red", after_due = 0, actions = ["notify_supervisor"] }]
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("GONGKAI_RULE_PACK_DIR", str(tmp_path))
    handle = await start_item(
        case_env,
        date(YEAR, 3, 2),
        interpretation_required=True,
        is_policy=True,
        agency=AGENCY.model_copy(update={"jurisdiction": "CN-TEST"}),
    )
    assert (await handle.query(W.view)).rule_pack == "cn-test-local@1"
    await act(handle, W.submit_item, p.SubmitItem(actor=OFFICER))
    await act(
        handle,
        W.review_item,
        p.ReviewItem(actor=SUPERVISOR, approve=True, confidentiality_reviewed=True),
    )
    await act(handle, W.sign_off_item, p.SignOffItem(actor=HEAD, approve=True))
    await act(handle, W.publish_item, p.PublishItem(actor=OFFICER, channels=["政府网站"]))
    v = await handle.query(W.view)
    published = (await case_env.now()).astimezone(SHANGHAI).date()
    assert v.status is p.ItemStatus.PUBLISHED
    assert v.readings["interpretation"].due_date == nth_working_day_by_hand(published, 3)
    due = v.readings["interpretation"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=1))
    v = await handle.query(W.view)
    assert ("interpretation", "overdue") in {(r.clock, r.rung) for r in v.fired}
    await act(
        handle,
        W.record_interpretation,
        p.RecordInterpretation(actor=OFFICER, title="政策解读（图解）"),
    )
    v = await handle.query(W.view)
    assert v.readings["interpretation"].stop_reason == "已发布解读" and v.light.value == "green"
    await rejected(
        case_env,
        handle,
        W.record_interpretation,
        p.RecordInterpretation(actor=OFFICER, title="再次解读"),
        "已发布或无需解读",
    )
    await handle.terminate("test done")


async def test_art17_art26_a_publication_is_not_dated_before_its_sign_off_and_late_is_late(
    case_env: CaseEnv,
) -> None:
    """Publication comes after the confidentiality review and the sign-off (Art. 17): dating it
    earlier made a late publication look timely and turned the light green. Published after
    its 20 working days (Art. 26), it is recorded as late on the item and in the catalogue."""
    formed = date(YEAR, 3, 2)
    handle = await start_item(case_env, formed, document_no="某政发〔2027〕3号")
    due = (await handle.query(W.view)).readings["publication"]
    assert due.due_at is not None and due.due_date is not None
    await case_env.skip_to(due.due_at + timedelta(days=3))
    await publish_ready(handle)
    early = datetime.combine(due.due_date - timedelta(days=5), time(10), tzinfo=SHANGHAI)
    for when, words in (
        (early, "早于本版的签发"),
        (await case_env.now() + timedelta(days=1), "在未来"),
    ):
        await rejected(
            case_env,
            handle,
            W.publish_item,
            p.PublishItem(actor=OFFICER, channels=["政府网站"], occurred_at=when),
            words,
        )
    await act(handle, W.publish_item, p.PublishItem(actor=OFFICER, channels=["政府网站"]))
    v = await handle.query(W.view)
    assert v.publications[0].late and v.publications[0].due_on == due.due_date
    assert "逾期公开" in v.events[-1].summary and v.events[-1].data["late"] is True
    with Session(case_env.engine) as db:
        entry = db.exec(select(CatalogueEntry).where(CatalogueEntry.case_no == handle.id)).one()
    assert entry.late and entry.doc_kind == ""
    await case_env.record(handle, "proactive-late-publication-g2026-12-07")


async def test_80hao_art26_an_amended_policy_has_its_own_interpretation_and_a_green_start(
    case_env: CaseEnv,
) -> None:
    """Version 2 of a policy was published with version 1's interpretation; 同步 means each
    version's own. And the new version's period starts with a clean light (Art. 26: 20 WD from
    the change): the old version's red stayed on."""
    formed = date(YEAR, 3, 2)
    handle = await start_item(case_env, formed, is_policy=True, interpretation_required=True)
    due = (await handle.query(W.view)).readings["publication"].due_at
    assert due is not None
    await case_env.skip_to(due + timedelta(hours=2))
    assert (await handle.query(W.view)).light.value == "red"
    await act(
        handle,
        W.record_interpretation,
        p.RecordInterpretation(actor=OFFICER, title="第一版政策解读"),
    )
    await publish_ready(handle)
    await act(handle, W.publish_item, p.PublishItem(actor=OFFICER, channels=["政府网站"]))

    await case_env.skip_to(await case_env.now() + timedelta(days=2))
    await act(handle, W.amend_item, p.AmendItem(actor=OFFICER, reason="标准调整"))
    v = await handle.query(W.view)
    assert v.version == 2 and v.interpretation is None
    assert v.light.value == "green" and not [r for r in v.fired if r.clock == "publication"]
    assert [e for e in v.events if e.kind == "escalation"]  # the old rungs stay on record
    await publish_ready(handle)
    publish = p.PublishItem(actor=OFFICER, channels=["政府网站"])
    await rejected(case_env, handle, W.publish_item, publish, "同步组织、同步审签、同步部署")
    await act(
        handle,
        W.record_interpretation,
        p.RecordInterpretation(actor=OFFICER, title="第二版政策解读"),
    )
    await act(handle, W.publish_item, publish)
    with Session(case_env.engine) as db:
        rows = db.exec(
            select(CatalogueEntry)
            .where(CatalogueEntry.case_no == handle.id)
            .order_by(CatalogueEntry.version)
        ).all()
    assert [r.interpretation for r in rows] == ["第一版政策解读", "第二版政策解读"]
    await case_env.record(handle, "proactive-amended-policy-g2026-12-07")


async def test_30hao_a_repeal_is_not_a_withdrawal_and_decisions_are_counted_once(
    case_env: CaseEnv,
) -> None:
    """废止 (by another document) is recorded as such, for 本年废止件数; a licensing result
    carries the number of decisions it publishes, which a new version corrects, never adds."""
    rule = await start_item(
        case_env, date(YEAR, 3, 2), doc_kind=p.DocKind.RULE, document_no="某政府令第1号"
    )
    await publish_ready(rule)
    await act(rule, W.publish_item, p.PublishItem(actor=OFFICER, channels=["政府公报"]))
    await act(rule, W.repeal_item, p.RepealItem(actor=OFFICER, repealed_by="某政府令第9号"))
    v = await rule.query(W.view)
    assert v.status is p.ItemStatus.REPEALED and v.repealed_by == "某政府令第9号"
    licence = await start_item(
        case_env, date(YEAR, 3, 2), category=p.Category.LICENSING, decisions=37
    )
    await publish_ready(licence)
    await act(licence, W.publish_item, p.PublishItem(actor=OFFICER, channels=["政府网站"]))
    await rejected(
        case_env,
        licence,
        W.repeal_item,
        p.RepealItem(actor=OFFICER, repealed_by="某文件"),
        "只有规章和行政规范性文件才废止",
    )
    await act(licence, W.amend_item, p.AmendItem(actor=OFFICER, reason="更正", decisions=36))
    await publish_ready(licence)
    await act(licence, W.publish_item, p.PublishItem(actor=OFFICER, channels=["政府网站"]))
    with Session(case_env.engine) as db:
        rows = db.exec(
            select(CatalogueEntry).where(col(CatalogueEntry.case_no).in_([rule.id, licence.id]))
        ).all()
    repealed = [r for r in rows if r.case_no == rule.id]
    assert repealed[0].repealed_by == "某政府令第9号" and repealed[0].withdrawn_at is None
    assert repealed[0].doc_kind == "rule"
    assert sorted(r.decisions for r in rows if r.case_no == licence.id) == [36, 37]
    await licence.terminate("test done")
