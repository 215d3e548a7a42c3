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
    from schemas import disclosure as d
    from schemas import proactive as s
    from schemas import registry
    from schemas.activities import CatalogueEntryIn
    from workflows.casework import ACTIVITY_TIMEOUT, RETRY, CaseWorkflow, IncompleteAction

OPEN = (s.ItemStatus.RECORDED, s.ItemStatus.REVIEW, s.ItemStatus.SIGN_OFF, s.ItemStatus.READY)


@workflow.defn
class ProactiveItemWorkflow(CaseWorkflow):
    SPEC = registry.PROACTIVE
    CARRY: ClassVar[dict[str, Any]] = {
        "version": int,
        "title": str,
        "content": str,
        "interpretation": str | None,
        "publications": list[s.Publication],
        "reviewed_by": str | None,
        "withdrawn_reason": str | None,
    }
    DUE_CLOCKS = ("publication", "interpretation")

    @workflow.init
    def __init__(self, inp: s.ItemInput) -> None:
        self.inp = inp
        self._setup(
            inp.case_no,
            inp.agency,
            inp.officer,
            inp.registered_at,
            s.ItemStatus.RECORDED,
            inp.title,
        )
        self.version = 1
        self.title = inp.title
        self.content = inp.content
        self.interpretation: str | None = None
        self.publications: list[s.Publication] = []
        self.reviewed_by: str | None = None
        self.withdrawn_reason: str | None = None

    @workflow.run
    async def run(self, inp: s.ItemInput) -> s.ItemView:
        if inp.carried is not None:  # continued as new: the state travels along
            self._restore(inp.carried)
        else:
            async with self.lock:
                formed = datetime.combine(inp.formed_on, time(12), tzinfo=SHANGHAI)
                await self._load_pack(formed)  # the rules in force when it was formed
                self.t0 = inp.formed_on
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
                        f"（由依申请公开案件{inp.from_request}纳入主动公开）"
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
                    self._start_publication(formed)
                await self._refresh()
        await self._loop(inp)
        return self.view()

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
                formed_on=self.t0 or self.inp.formed_on,
                interpretation=self.interpretation or "",
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
            self._stop("publication", "已公开", at)
            self.publications.append(
                s.Publication(
                    version=self.version,
                    at=at,
                    channels=list(a.channels),
                    url=a.url,
                    by=a.actor.name,
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
            result = await self._act(
                "published",
                a.actor,
                f"{local_date(at)}通过{where}公开（第{self.version}版）。",
                at,
                version=self.version,
            )
            await self._catalogue(
                published_at=at, channels=list(a.channels), url=a.url, published_by=a.actor.name
            )
            return result

    @publish_item.validator
    def _v_publish_item(self, a: s.PublishItem) -> None:
        self._allowed("publish_item", a.actor)
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
            self.reviewed_by = None
            self.t0 = local_date(changed)
            self.status = s.ItemStatus.RECORDED
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
