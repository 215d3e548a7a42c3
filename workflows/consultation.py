"""Major administrative decisions, pre-publication (重大行政决策预公开, Decree 713): publish the
draft for ≥30 days of public comment, hearing / expert review / risk assessment where required,
the legality review as a hard gate before collective discussion, the decision reported and
published with how comments were adopted, archive. Inactivity escalates per stage (久拖不决)."""

from __future__ import annotations

from typing import Any, ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from rules.calendar import SHANGHAI, local_date
    from rules.packs import ConsultationRules, Period
    from schemas import case as d
    from schemas import consultation as s
    from schemas import registry
    from schemas.activities import CountComments
    from workflows.casework import (
        ACTIVITY_TIMEOUT,
        RETRY,
        IllegalAction,
        IncompleteAction,
    )
    from workflows.kind import KindWorkflow


@workflow.defn
class ConsultationWorkflow(KindWorkflow[s.ConsultationInput]):
    SPEC = registry.CONSULTATION
    CARRY: ClassVar[dict[str, Any]] = {
        "comment_count": int,
        "steps": dict[str, str],
        "adoption": s.RecordAdoption | None,
        "legality_lawful": bool | None,
        "decision": str | None,
    }
    # The legality review's 7 WD are a minimum given to the reviewer (Art. 27), not a deadline:
    # it never makes the case due or late.
    DUE_CLOCKS = ("comment", "publication")

    @workflow.init
    def __init__(self, inp: s.ConsultationInput) -> None:
        self._open(inp, inp.title)
        self.comment_count = 0
        self.steps: dict[str, str] = {}
        self.adoption: s.RecordAdoption | None = None
        self.legality_lawful: bool | None = None
        self.decision: str | None = None

    @workflow.run
    async def run(self, inp: s.ConsultationInput) -> s.ConsultationView:
        await self._run_case(inp, inp.started_at)
        return self.view()

    async def _begin(self, inp: s.ConsultationInput) -> None:
        self.t0 = local_date(inp.started_at)
        self._event("started", inp.officer, f"启动决策程序：{inp.title}")
        await self._refresh()

    def _rules(self) -> ConsultationRules:
        assert self.pack is not None and self.pack.consultation is not None
        return self.pack.consultation

    def _is_open(self) -> bool:
        return self.status not in (s.Stage.PUBLISHED, s.Stage.ARCHIVED)

    async def _count_comments(self) -> None:
        self.comment_count = await workflow.execute_activity_method(
            CaseActivities.count_comments,
            CountComments(case_no=self.case_no),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )

    async def _lapse(self, clock_name: str) -> None:
        if clock_name == "comment":
            self._stop("comment", "征求意见期限届满")
            await self._count_comments()
            self.status = s.Stage.PROCESSING
            self._event(
                "comment_closed",
                d.SYSTEM,
                f"公开征求意见期限届满，共收到意见{self.comment_count}条。",
                comments=self.comment_count,
            )

    @workflow.query
    def view(self) -> s.ConsultationView:
        return s.ConsultationView(
            **self._common_view(),
            title=self.inp.title,
            comment_count=self.comment_count,
            steps=self.steps,
            adoption=self.adoption,
            legality_lawful=self.legality_lawful,
            decision=self.decision,
        )

    # -- actions ----------------------------------------------------------------------------

    @workflow.update
    async def publish_draft(self, a: s.PublishDraft) -> d.ActionResult:
        async with self._turn(self._v_publish_draft, a):
            rules = self._rules()
            days = a.period_days or rules.comment_period.amount
            self._start(
                "comment",
                rules.comment_period,
                workflow.now(),
                rungs=[self._lapse_rung()],
                limit=days,
            )
            self.status = s.Stage.COMMENT_OPEN
            result = await self._act(
                "draft_published",
                a.actor,
                f"公布决策草案，公开征求意见{days}日。",
                period_days=days,
                urgency_reason=a.urgency_reason,
            )
            comment = self.readings["comment"]
            await self._document(
                "comment_notice",
                result.seq,
                {
                    "decision_title": self.inp.title,
                    "channels": a.channels,
                    "days": days,
                    "deadline": str(comment.due_date),
                    "urgency_reason": a.urgency_reason,
                    "rolled": bool(comment.explanation.rolled_over),
                },
            )
            return result

    @publish_draft.validator
    def _v_publish_draft(self, a: s.PublishDraft) -> None:
        self._allowed("publish_draft", a.actor)
        minimum: Period = self._rules().comment_period
        if a.period_days is not None and a.period_days < minimum.amount:
            if not a.urgency_reason.strip():
                raise IncompleteAction(
                    f"征求意见期限一般不少于{minimum.amount}日；少于{minimum.amount}日的，应当在"
                    f"征求意见时说明理由（{minimum.basis}）。"
                )

    @workflow.update
    async def schedule_hearing(self, a: s.ScheduleHearing) -> d.ActionResult:
        async with self._turn(self._v_schedule_hearing, a):
            return await self._act(
                "hearing_scheduled",
                a.actor,
                f"定于{a.hearing_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}在{a.place}举行听证会。",
            )

    @schedule_hearing.validator
    def _v_schedule_hearing(self, a: s.ScheduleHearing) -> None:
        self._allowed("schedule_hearing", a.actor)
        need: Period = self._rules().hearing_materials_before
        gap = (local_date(a.hearing_at) - local_date(a.materials_sent_at)).days
        self._require(
            gap >= need.amount,
            f"听证材料应当于听证会{need.amount}日前送达参加人，现仅提前{gap}日（{need.basis}）。",
        )

    @workflow.update
    async def record_step(self, a: s.RecordStep) -> d.ActionResult:
        async with self._turn(self._v_record_step, a):
            self.steps[a.step] = a.summary
            names = {"hearing": "听证", "expert_review": "专家论证", "risk_assessment": "风险评估"}
            return await self._act(
                f"{a.step}_recorded", a.actor, f"{names[a.step]}完成：{a.summary}"
            )

    @record_step.validator
    def _v_record_step(self, a: s.RecordStep) -> None:
        self._allowed("record_step", a.actor)
        if a.step == "risk_assessment" and not a.controllable:
            raise IncompleteAction(
                "风险不可控的，应当调整决策草案至风险可控后再记录（第二十四条）。"
            )

    @workflow.update
    async def record_adoption(self, a: s.RecordAdoption) -> d.ActionResult:
        async with self._turn(self._v_record_adoption, a):
            self.adoption = a
            return await self._act("adoption_recorded", a.actor, "形成公众意见研究采纳情况。")

    @record_adoption.validator
    def _v_record_adoption(self, a: s.RecordAdoption) -> None:
        self._allowed("record_adoption", a.actor)

    @workflow.update
    async def submit_legality_review(self, a: s.SubmitLegalityReview) -> d.ActionResult:
        async with self._turn(self._v_submit_legality_review, a):
            self._start(
                "legality_review", self._rules().legality_review, workflow.now(), minimum=True
            )
            self.status = s.Stage.LEGALITY_REVIEW
            return await self._act(
                "legality_review_submitted",
                a.actor,
                "送请合法性审查（审查时间一般不少于7个工作日）。",
            )

    @submit_legality_review.validator
    def _v_submit_legality_review(self, a: s.SubmitLegalityReview) -> None:
        self._allowed("submit_legality_review", a.actor)
        missing = []
        if self.adoption is None:
            missing.append("公众意见研究采纳情况（第十八条）")
        if self.inp.expert_review_required and "expert_review" not in self.steps:
            missing.append("专家论证意见（第十九条）")
        if self.inp.risk_assessment_required and "risk_assessment" not in self.steps:
            missing.append("风险评估报告（第二十二条）")
        if missing:
            raise IncompleteAction("送审材料不全，缺少：" + "、".join(missing) + "（第二十九条）。")

    @workflow.update
    async def record_legality_opinion(self, a: s.RecordLegalityOpinion) -> d.ActionResult:
        async with self._turn(self._v_record_legality_opinion, a):
            self._stop("legality_review", "已出具审查意见")
            self.legality_lawful = a.lawful
            self.status = s.Stage.REVIEWED if a.lawful else s.Stage.PROCESSING
            verdict = "合法" if a.lawful else "不合法，退回修改"
            return await self._act(
                "legality_opinion", a.actor, f"合法性审查意见：{verdict}。", lawful=a.lawful
            )

    @record_legality_opinion.validator
    def _v_record_legality_opinion(self, a: s.RecordLegalityOpinion) -> None:
        self._allowed("record_legality_opinion", a.actor)

    @workflow.update
    async def record_decision(self, a: s.RecordDecision) -> d.ActionResult:
        async with self._turn(self._v_record_decision, a):
            self.decision = a.decision
            self.status = s.Stage.DECIDED
            self._start(
                "publication",
                self._rules().publication,
                workflow.now(),
                rungs=list(self._rules().escalation.rungs),
            )
            dissent = f"；不同意见{len(a.dissent)}条已载入纪要" if a.dissent else ""
            return await self._act(
                "decided", a.actor, f"集体讨论决定：{a.decision}{dissent}。", dissent=a.dissent
            )

    @record_decision.validator
    def _v_record_decision(self, a: s.RecordDecision) -> None:
        self._same_agency(a.actor)
        if self.status is not s.Stage.REVIEWED:
            raise IllegalAction(
                "未经合法性审查或者经审查不合法的，不得提交集体讨论（《重大行政决策程序暂行条例》"
                f"第二十五条）；当前状态：{self.status.zh}。"
            )
        self._allowed("record_decision", a.actor)

    @workflow.update
    async def report_to_committee(self, a: s.ReportToCommittee) -> d.ActionResult:
        async with self._turn(self._v_report_to_committee, a):
            self.status = s.Stage.REPORTED
            return await self._act(
                "reported", a.actor, "决策出台前已向同级党委报告（第三十一条）。"
            )

    @report_to_committee.validator
    def _v_report_to_committee(self, a: s.ReportToCommittee) -> None:
        self._allowed("report_to_committee", a.actor)

    @workflow.update
    async def publish_decision(self, a: s.PublishDecision) -> d.ActionResult:
        async with self._turn(self._v_publish_decision, a):
            assert self.adoption is not None
            self._stop("publication", "已公布")
            self.status = s.Stage.PUBLISHED
            result = await self._act("decision_published", a.actor, "公布决策及公众意见采纳情况。")
            await self._document(
                "decision_notice", result.seq, {"decision_title": self.inp.title, "text": a.text}
            )
            await self._document(
                "adoption_report",
                result.seq,
                {
                    "decision_title": self.inp.title,
                    "comments": self.comment_count,
                    "adopted": self.adoption.adopted,
                    "not_adopted": self.adoption.not_adopted_reasons,
                },
            )
            return result

    @publish_decision.validator
    def _v_publish_decision(self, a: s.PublishDecision) -> None:
        self._allowed("publish_decision", a.actor)

    @workflow.update
    async def archive(self, a: s.ArchiveConsultation) -> d.ActionResult:
        async with self._turn(self._v_archive, a):
            self.status = s.Stage.ARCHIVED
            self.done = True
            return await self._act("archived", a.actor, "决策过程记录和材料归档（第三十三条）。")

    @archive.validator
    def _v_archive(self, a: s.ArchiveConsultation) -> None:
        self._allowed("archive", a.actor)
