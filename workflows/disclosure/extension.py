"""More time (GIDR Arts. 33 para 2, 35): the extension asked for and approved by the head of the GI
office, and the explanation of an excessive request with its fixed later date.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules import clock as clk
    from rules.calendar import zh_date
    from schemas import disclosure as s
    from workflows.casework import (
        APPLICANT_NOTICES,
        IllegalAction,
        IncompleteAction,
    )


from workflows.disclosure.base import SUBMISSION_ALERT, DisclosureBase


class Extension(DisclosureBase):
    """More time (GIDR Arts. 33 para 2, 35)."""

    @workflow.update
    async def request_explanation(self, a: s.RequestExplanation) -> s.ActionResult:
        async with self._turn(self._v_request_explanation, a):
            if self._rules().explanation_excludes_clock:
                self._pause_reply("等待申请人说明理由", workflow.now(), a.actor.id)
            self.status = s.Status.EXPLANATION_PENDING
            result = await self._act(
                "explanation_requested",
                a.actor,
                f"要求申请人说明理由（条例第三十五条）：{a.reason}",
            )
            await self._message(
                result.seq,
                "说明理由通知",
                f"您的政府信息公开申请{self.case_no}：申请的数量、频次明显超过合理范围，请在查询页面"
                f"说明理由（条例第三十五条）。{a.reason}",
            )
            return result

    @request_explanation.validator
    def _v_request_explanation(self, a: s.RequestExplanation) -> None:
        self._allowed("request_explanation", a.actor)

    @workflow.update
    async def record_explanation(self, a: s.RecordExplanation) -> s.ActionResult:
        async with self._turn(self._v_record_explanation, a):
            now = workflow.now()
            reading = self.readings["reply"]
            reply = self.clocks["reply"]
            if reply.open_pause is not None:
                reply = clk.resume(reply, now)
            summary = "申请人说明的理由不合理，拟不予处理（条例第三十五条）。"
            fixed = a.decision is s.ExplanationDecision.REASONABLE and a.fixed_reply_date
            if fixed:
                assert a.fixed_reply_date is not None
                reply = self._clock_op(
                    clk.override,
                    reply,
                    a.fixed_reply_date,
                    "申请数量、频次明显超过合理范围",
                    a.actor.name,
                    now,
                    reading,
                )
                summary = (
                    f"理由合理，经{a.actor.name}批准，确定延迟答复的合理期限至"
                    f"{a.fixed_reply_date}（条例第三十五条）。"
                )
            elif a.decision is s.ExplanationDecision.REASONABLE:
                summary = "理由合理，继续办理。"
            self.clocks["reply"] = reply
            alert = self.clocks.get(SUBMISSION_ALERT)
            if fixed:
                self._stop(SUBMISSION_ALERT, "已确定延迟答复的期限", now)
            elif alert is not None and self._watching(SUBMISSION_ALERT) and alert.open_pause:
                self.clocks[SUBMISSION_ALERT] = clk.resume(alert, now)
            self.status = s.Status.ASSIGNED
            result = await self._act(
                "explanation_recorded", a.actor, summary, decision=a.decision.value
            )
            if fixed and a.fixed_reply_date is not None and self._patched("art35-notice"):
                self.told_due = a.fixed_reply_date
                await self._tell_applicant(
                    "fixed_date_notice",
                    result.seq,
                    {
                        "original_due": str(reading.shown_due_date),
                        "fixed_due": str(a.fixed_reply_date),
                        "approver": a.actor.name,
                    },
                    f"您的政府信息公开申请{self.case_no}：因申请的数量、频次明显超过合理范围，"
                    f"本机关确定延迟答复的合理期限至{zh_date(a.fixed_reply_date)}"
                    "（《政府信息公开条例》第三十五条）。",
                )
            else:
                await self._tell_if_moved(result.seq)
            return result

    @record_explanation.validator
    def _v_record_explanation(self, a: s.RecordExplanation) -> None:
        self._allowed("record_explanation", a.actor)
        if a.fixed_reply_date is not None:
            if a.decision is not s.ExplanationDecision.REASONABLE:
                raise IncompleteAction("只有申请人说明的理由合理的，才确定延迟答复的期限。")
            self._supervisor(a.actor, "确定延迟答复的合理期限（条例第三十五条）")
            try:
                clk.override(
                    self.clocks["reply"],
                    a.fixed_reply_date,
                    "check",
                    a.actor.name,
                    workflow.now(),
                    self.readings["reply"],
                )
            except clk.ClockError as exc:
                raise IncompleteAction(str(exc)) from exc

    @workflow.update
    async def extend(self, a: s.Extend) -> s.ActionResult:
        async with self._turn(self._v_extend, a):
            return await self._extend(a.actor, a.working_days, a.reason)

    async def _extend(self, approver: s.Actor, working_days: int, reason: str) -> s.ActionResult:
        """The extension takes effect: the new date, the notice, and the applicant is told."""
        reading = self.readings["reply"]
        before = reading.shown_due_date
        self._stop(SUBMISSION_ALERT, "答复期限已依法延长")
        self.clocks["reply"] = self._clock_op(
            clk.extend,
            self.clocks["reply"],
            working_days,
            approver.name,
            reason,
            workflow.now(),
            reading,
        )
        result = await self._act(
            "extended",
            approver,
            f"经{approver.name}批准，答复期限延长{working_days}个工作日：{reason}",
            working_days=working_days,
        )
        after = self.readings["reply"]
        # While paused (a consultation, a fee) the new date counts as if the pause ended
        # today; when it really ends, a moved date is told again (_tell_if_moved).
        new_due = after.shown_due_date
        self.told_due = new_due
        await self._document(
            "extension_notice",
            result.seq,
            {
                "applicant_name": self.inp.applicant.name,
                "t0": str(self.t0),
                "reason": reason,
                "original_due": str(before),
                "approver": approver.name,
                "days": working_days,
                "new_due": str(new_due),
                "paused": after.due_date is None,
            },
        )
        pending = (
            "（征求意见等依法不计入答复期限的期间结束后，答复期限相应顺延，届时另行告知。）"
            if after.due_date is None
            else ""
        )
        await self._notify_opener(
            result.seq,
            "applicant",
            self.inp.applicant,
            f"延期答复告知书 {self.inp.case_no}",
            f"您的政府信息公开申请{self.inp.case_no}答复期限延长至"
            f"{zh_date(new_due) if new_due else '—'}{pending}。"
            f"理由：{reason}",
            link=self._patched(APPLICANT_NOTICES),
        )
        return result

    def _check_extension(self, who: s.Actor, working_days: int, reason: str) -> None:
        try:
            clk.extend(
                self.clocks["reply"],
                working_days,
                who.name,
                reason,
                workflow.now(),
                self.readings["reply"],
            )
        except clk.ClockError as exc:
            raise IllegalAction(str(exc)) from exc

    @extend.validator
    def _v_extend(self, a: s.Extend) -> None:
        self._allowed("extend", a.actor)
        self._check_extension(a.actor, a.working_days, a.reason)

    @workflow.update
    async def request_extension(self, a: s.RequestExtension) -> s.ActionResult:
        async with self._turn(self._v_request_extension, a):
            self.extension_request = s.ExtensionRequest(
                working_days=a.working_days,
                reason=a.reason,
                by=a.actor.id,
                by_name=a.actor.name,
                at=workflow.now(),
            )
            return await self._act(
                "extension_requested",
                a.actor,
                f"申请延长答复期限{a.working_days}个工作日，报负责人审批：{a.reason}",
                working_days=a.working_days,
            )

    @request_extension.validator
    def _v_request_extension(self, a: s.RequestExtension) -> None:
        self._allowed("request_extension", a.actor)
        self._require(
            self.extension_request is None,
            "已有延期申请等待审批；请等待负责人审批后再申请。",
        )
        self._check_extension(a.actor, a.working_days, a.reason)

    @workflow.update
    async def decide_extension(self, a: s.DecideExtension) -> s.ActionResult:
        async with self._turn(self._v_decide_extension, a):
            asked = self.extension_request
            assert asked is not None
            self.extension_request = None
            if a.approve:
                reason = asked.reason + (f"（审批意见：{a.comments}）" if a.comments else "")
                return await self._extend(a.actor, asked.working_days, reason)
            why = f"：{a.comments}" if a.comments else "。"
            return await self._act(
                "extension_refused",
                a.actor,
                f"{a.actor.name}不同意{asked.by_name}的延期申请（{asked.working_days}个工作日）{why}",
            )

    @decide_extension.validator
    def _v_decide_extension(self, a: s.DecideExtension) -> None:
        self._allowed("decide_extension", a.actor)
        asked = self.extension_request
        self._require(asked is not None, "没有等待审批的延期申请。")
        assert asked is not None
        if a.approve:
            self._check_extension(a.actor, asked.working_days, asked.reason)

    @workflow.query
    def preview_extension(self, body: dict[str, Any]) -> s.DocumentPreview:
        """The extension notice as the approval would issue it now: of the request in ``body``
        (an officer's request-extension) or of the one waiting (decide-extension)."""
        asked = self.extension_request
        now = workflow.now()
        reading = self.readings["reply"]
        working_days = int(body.get("working_days") or (asked.working_days if asked else 0))
        reason = str(body.get("reason") or (asked.reason if asked else ""))
        # The approver: whoever previews the decision; for a request, not yet known.
        approver = str(body.get("previewer") or "") if "approve" in body else "（负责人）"
        extended = clk.extend(self.clocks["reply"], working_days, approver, reason, now, reading)
        return s.DocumentPreview(
            context=self._document_context(
                {
                    "applicant_name": self.inp.applicant.name,
                    "t0": str(self.t0),
                    "reason": reason,
                    "original_due": str(reading.shown_due_date),
                    "approver": approver,
                    "days": working_days,
                    "new_due": "",
                    "paused": False,
                }
            ),
            due={"new_due": extended},
            derived={"paused": ("new_due", "paused")},
        )

    @workflow.update
    async def provide_explanation(self, a: s.ProvideExplanation) -> s.ActionResult:
        async with self._turn(self._v_provide_explanation, a):
            return await self._act(
                "explanation_provided",
                a.actor,
                "申请人说明了申请的理由（条例第三十五条），待本机关审核。",
                text=a.text,
                attachments=[f.model_dump() for f in a.attachments],
            )

    @provide_explanation.validator
    def _v_provide_explanation(self, a: s.ProvideExplanation) -> None:
        self._allowed("provide_explanation", a.actor)
