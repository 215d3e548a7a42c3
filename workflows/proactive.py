"""Proactive disclosure of one piece of government information (主动公开, LAW.md §6A).

Registered when it is formed or changed, with its 公开属性 decided at the source: information not
within the proactive scope is recorded with its ground and no more. Otherwise the Art. 26 clock
runs from the day it was formed (20 working days, escalated on the usual ladder), the
confidentiality review (Art. 17) and the sign-off come before publication, a policy is published
with its interpretation (国办发〔2016〕80号), and publishing records where and when and puts the
item into the public catalogue. A change starts a new version with its own 20 working days; a
withdrawal takes it out of publication and keeps it in the record."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from rules.calendar import SHANGHAI, local_date
    from rules.packs import ProactiveRules
    from schemas import case as d
    from schemas import proactive as s
    from schemas import registry
    from schemas.activities import CatalogueEntryIn
    from workflows.casework import ACTIVITY_TIMEOUT, RETRY, IncompleteAction
    from workflows.kind import KindWorkflow

OPEN = (s.ItemStatus.RECORDED, s.ItemStatus.REVIEW, s.ItemStatus.SIGN_OFF, s.ItemStatus.READY)
# Issue 24: a new version needs its own interpretation (80号: 同步) and starts its period with a
# clean light; histories from before keep version 1's interpretation and the old rungs' light.
PER_VERSION = "interpretation-and-light-per-version"


def _period_start(inp: s.ItemInput) -> datetime:
    """Art. 26: the period runs from the day the information was formed; Art. 44: from the day
    it was moved from an application (noon of that day, on the calendar)."""
    return datetime.combine(inp.clock_from or inp.formed_on, time(12), tzinfo=SHANGHAI)


@workflow.defn
class ProactiveItemWorkflow(KindWorkflow[s.ItemInput]):
    SPEC = registry.PROACTIVE
    CARRY: ClassVar[dict[str, Any]] = {
        "version": int,
        "title": str,
        "content": str,
        "interpretation": str | None,
        "publications": list[s.Publication],
        "reviewed_by": str | None,
        "withdrawn_reason": str | None,
        "signed_off_at": datetime | None,
        "decisions": int,
        "fee_amount_yuan": int,
        "repealed_by": str | None,
    }
    DUE_CLOCKS = ("publication", "interpretation")

    @workflow.init
    def __init__(self, inp: s.ItemInput) -> None:
        self._open(inp, inp.title)
        self.version = 1
        self.title = inp.title
        self.content = inp.content
        self.interpretation: str | None = None
        self.publications: list[s.Publication] = []
        self.reviewed_by: str | None = None
        self.withdrawn_reason: str | None = None
        self.signed_off_at: datetime | None = None  # this version's sign-off (Art. 17 before)
        self.decisions = inp.decisions  # part 二 of the annual report: the latest version's
        self.fee_amount_yuan = inp.fee_amount_yuan
        self.repealed_by: str | None = None  # 废止, by this document

    @workflow.run
    async def run(self, inp: s.ItemInput) -> s.ItemView:
        # The rules in force when its period began (the day it was formed, or moved).
        await self._run_case(inp, _period_start(inp))
        return self.view()

    async def _begin(self, inp: s.ItemInput) -> None:
        self.t0 = inp.clock_from or inp.formed_on
        if inp.attribute is not s.Attribute.PROACTIVE:
            self.status = s.ItemStatus.NOT_PROACTIVE
            self._event(
                "registered",
                inp.officer,
                f"登记：{inp.title}，公开属性为{inp.attribute.zh}：{inp.ground}",
                attribute=inp.attribute.value,
            )
            self.done = True
        else:
            via = (
                f"（由依申请公开案件{inp.from_request}纳入主动公开"
                + (f"，{inp.clock_from}纳入，公开期限自纳入之日起算" if inp.clock_from else "")
                + "）"
                if inp.from_request
                else ""
            )
            self._event(
                "registered",
                inp.officer,
                f"登记：{inp.title}，{inp.formed_on}形成，属于主动公开范围"
                f"（{inp.category.zh}）{via}。",
                attribute=inp.attribute.value,
                category=inp.category.value,
            )
            self._start_publication(_period_start(inp))
        await self._refresh()

    def _rules(self) -> ProactiveRules:
        assert self.pack is not None and self.pack.proactive is not None
        return self.pack.proactive

    def _start_publication(self, since: datetime) -> None:
        rules = self._rules()
        self._start("publication", rules.publication, since, rungs=list(rules.escalation.rungs))

    def _is_open(self) -> bool:
        return self.status in OPEN or self._watching("interpretation")

    async def _lapse(self, clock_name: str) -> None:
        return None  # no window of this kind lapses: an unpublished item escalates

    @workflow.query
    def view(self) -> s.ItemView:
        return s.ItemView(
            **self._common_view(),
            title=self.title,
            category=self.inp.category,
            attribute=self.inp.attribute,
            formed_on=self.inp.formed_on,
            version=self.version,
            interpretation_required=self.inp.interpretation_required,
            interpretation=self.interpretation,
            publications=self.publications,
            withdrawn_reason=self.withdrawn_reason,
            doc_kind=self.inp.doc_kind,
            decisions=self.decisions,
            fee_amount_yuan=self.fee_amount_yuan,
            repealed_by=self.repealed_by,
        )

    async def _catalogue(self, **change: Any) -> None:
        """Write the item's catalogue entry (this version) in the read model."""
        await workflow.execute_activity_method(
            CaseActivities.record_catalogue,
            CatalogueEntryIn(
                case_no=self.case_no,
                version=self.version,
                agency=self.agency.code,
                category=self.inp.category.value,
                title=self.title,
                document_no=self.inp.document_no,
                content=self.content,
                # The 目录's 生成日期: the day the information was formed (a moved item's too),
                # or the day this version changed.
                formed_on=self.inp.formed_on
                if self.version == 1
                else (self.t0 or self.inp.formed_on),
                interpretation=self.interpretation or "",
                doc_kind=self.inp.doc_kind.value if self.inp.doc_kind else "",
                decisions=self.decisions,
                fee_amount_yuan=self.fee_amount_yuan,
                **change,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )

    # -- steps ------------------------------------------------------------------------------

    @workflow.update
    async def submit_item(self, a: s.SubmitItem) -> d.ActionResult:
        async with self._turn(self._v_submit_item, a):
            self.status = s.ItemStatus.REVIEW
            return await self._act("submitted", a.actor, "提交审核（保密审查）。")

    @submit_item.validator
    def _v_submit_item(self, a: s.SubmitItem) -> None:
        self._allowed("submit_item", a.actor)

    @workflow.update
    async def review_item(self, a: s.ReviewItem) -> d.ActionResult:
        async with self._turn(self._v_review_item, a):
            if not a.approve:
                self.status = s.ItemStatus.RECORDED
                return await self._act("review_returned", a.actor, f"审核退回：{a.comments}")
            self.reviewed_by = a.actor.id
            self.status = s.ItemStatus.SIGN_OFF
            return await self._act("reviewed", a.actor, "审核通过（已进行保密审查）。")

    @review_item.validator
    def _v_review_item(self, a: s.ReviewItem) -> None:
        self._allowed("review_item", a.actor)
        if a.approve and not a.confidentiality_reviewed:
            raise IncompleteAction(
                "公开前应当依照《政府信息公开条例》第十七条进行保密审查；审查后请勾选确认。"
            )

    @workflow.update
    async def sign_off_item(self, a: s.SignOffItem) -> d.ActionResult:
        async with self._turn(self._v_sign_off_item, a):
            if not a.approve:
                self.status = s.ItemStatus.RECORDED
                return await self._act("sign_off_returned", a.actor, f"签发退回：{a.comments}")
            self.status = s.ItemStatus.READY
            self.signed_off_at = workflow.now()
            return await self._act("signed_off", a.actor, "签发，同意公开。")

    @sign_off_item.validator
    def _v_sign_off_item(self, a: s.SignOffItem) -> None:
        self._allowed("sign_off_item", a.actor)
        self._require(
            not (self.agency.four_eyes and a.approve and a.actor.id == self.reviewed_by),
            "审核与签发须由两名不同的负责人完成（四眼原则）。",
        )

    @workflow.update
    async def record_interpretation(self, a: s.RecordInterpretation) -> d.ActionResult:
        async with self._turn(self._v_record_interpretation, a):
            self.interpretation = a.title + (f"（{a.url}）" if a.url else "")
            self._stop("interpretation", "已发布解读", a.occurred_at)
            return await self._act(
                "interpretation_recorded", a.actor, f"登记政策解读：{a.title}", a.occurred_at
            )

    @record_interpretation.validator
    def _v_record_interpretation(self, a: s.RecordInterpretation) -> None:
        self._allowed("record_interpretation", a.actor)
        if self.status is s.ItemStatus.PUBLISHED:  # within its own window, after the policy
            self._require(self._watching("interpretation"), "该文件的政策解读已发布或无需解读。")
        self._require(
            self.inp.interpretation_required or self.inp.is_policy,
            "本事项不是需要解读的政策性文件。",
        )

    @workflow.update
    async def publish_item(self, a: s.PublishItem) -> d.ActionResult:
        async with self._turn(self._v_publish_item, a):
            at = a.occurred_at or workflow.now()
            reading = self.readings.get("publication")
            due = reading.due_date if reading is not None else None
            late = due is not None and local_date(at) > due  # Art. 26: after its 20 WD
            self._stop("publication", "已公开（逾期）" if late else "已公开", at)
            self.publications.append(
                s.Publication(
                    version=self.version,
                    at=at,
                    channels=list(a.channels),
                    url=a.url,
                    by=a.actor.name,
                    late=late,
                    due_on=due,
                )
            )
            self.status = s.ItemStatus.PUBLISHED
            rules = self._rules()
            if self.inp.interpretation_required and self.interpretation is None:
                assert rules.interpretation is not None  # the validator let it through
                self._start(
                    "interpretation",
                    rules.interpretation,
                    at,
                    rungs=list(rules.escalation.rungs),
                )
            where = "、".join(a.channels)
            overdue = f"逾期公开：公开期限为{due}（条例第二十六条）。" if late else ""
            result = await self._act(
                "published",
                a.actor,
                f"{local_date(at)}通过{where}公开（第{self.version}版）。{overdue}",
                at,
                version=self.version,
                late=late,
            )
            await self._catalogue(
                published_at=at,
                channels=list(a.channels),
                url=a.url,
                published_by=a.actor.name,
                late=late,
            )
            return result

    @publish_item.validator
    def _v_publish_item(self, a: s.PublishItem) -> None:
        self._allowed("publish_item", a.actor)
        at = a.occurred_at or workflow.now()
        signed = self.signed_off_at
        if signed is not None and at < signed:
            raise IncompleteAction(
                f"公开日期（{at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}）早于本版的签发"
                f"（{signed.astimezone(SHANGHAI):%Y-%m-%d %H:%M}）：公开前应当经保密审查和签发"
                "（《政府信息公开条例》第十七条），请填写实际公开的时间。"
            )
        self._fact_at(a.occurred_at, "公开")  # not in the future, not before the last fact
        if (
            self.inp.interpretation_required
            and self.interpretation is None
            and self._rules().interpretation_with_policy
        ):
            raise IncompleteAction(
                "该政策性文件需要解读：解读材料应与文件同步组织、同步审签、同步部署"
                "（国办发〔2016〕80号），请先登记解读材料再发布。"
            )

    @workflow.update
    async def amend_item(self, a: s.AmendItem) -> d.ActionResult:
        async with self._turn(self._v_amend_item, a):
            changed = a.occurred_at or workflow.now()
            self.version += 1
            self.title = a.title or self.title
            self.content = a.content or self.content
            if a.decisions is not None:
                self.decisions = a.decisions
            if a.fee_amount_yuan is not None:
                self.fee_amount_yuan = a.fee_amount_yuan
            self.reviewed_by = None
            self.signed_off_at = None
            self.t0 = local_date(changed)
            self.status = s.ItemStatus.RECORDED
            if self._patched(PER_VERSION):
                # 80号 同步: the new version is interpreted anew; its period starts anew, and so
                # does its light (the old version's rungs stay in the record).
                self.interpretation = None
                self._stop("interpretation", f"第{self.version}版另行解读", changed)
                self.fired = [
                    r for r in self.fired if r.clock not in ("publication", "interpretation")
                ]
            self._start_publication(changed)
            return await self._act(
                "amended",
                a.actor,
                f"变更（第{self.version}版），{local_date(changed)}起20个工作日内公开：{a.reason}",
                changed,
                version=self.version,
            )

    @amend_item.validator
    def _v_amend_item(self, a: s.AmendItem) -> None:
        self._allowed("amend_item", a.actor)
        self._fact_at(a.occurred_at, "变更")  # Art. 26: not in the future, not before the last
        if a.decisions is None and a.fee_amount_yuan is None:
            return
        problem = s.figures_problem(
            self.inp.category,
            # an item registered before kinds were kept
            self.inp.doc_kind
            or (s.DocKind.OTHER if self.inp.category is s.Category.RULES else None),
            self.decisions if a.decisions is None else a.decisions,
            self.fee_amount_yuan if a.fee_amount_yuan is None else a.fee_amount_yuan,
        )
        if problem:
            raise IncompleteAction(problem + "。")

    @workflow.update
    async def repeal_item(self, a: s.RepealItem) -> d.ActionResult:
        """废止: the document is repealed by another (the annual report counts it as 本年废止,
        and no longer as 现行有效); the item and its catalogue rows stay, marked."""
        async with self._turn(self._v_repeal_item, a):
            at = a.occurred_at or workflow.now()
            self.repealed_by = a.repealed_by
            self.status = s.ItemStatus.REPEALED
            result = await self._act(
                "repealed",
                a.actor,
                f"{local_date(at)}由{a.repealed_by}废止（第{self.version}版）。",
                at,
                repealed_by=a.repealed_by,
            )
            await self._catalogue(repealed_at=at, repealed_by=a.repealed_by)
            self.done = True
            return result

    @repeal_item.validator
    def _v_repeal_item(self, a: s.RepealItem) -> None:
        self._allowed("repeal_item", a.actor)
        self._fact_at(a.occurred_at, "废止")
        self._require(
            self.inp.category is s.Category.RULES
            and self.inp.doc_kind in (None, s.DocKind.RULE, s.DocKind.NORMATIVE),
            "只有规章和行政规范性文件才废止；从目录中撤下其他信息请用“撤回”。",
        )

    @workflow.update
    async def withdraw_item(self, a: s.WithdrawItem) -> d.ActionResult:
        async with self._turn(self._v_withdraw_item, a):
            now = workflow.now()
            self.withdrawn_reason = a.reason
            self.status = s.ItemStatus.WITHDRAWN
            result = await self._act(
                "withdrawn", a.actor, f"撤回（第{self.version}版）：{a.reason}"
            )
            await self._catalogue(withdrawn_at=now, withdrawn_reason=a.reason)
            self.done = True
            return result

    @withdraw_item.validator
    def _v_withdraw_item(self, a: s.WithdrawItem) -> None:
        self._allowed("withdraw_item", a.actor)
