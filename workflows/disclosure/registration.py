"""Registration and correction (登记、补正; GIDR Arts. 29–31, 30): T0 and the receipt, the one
correction notice within 7 working days, the correction that restarts the reply period, a
withdrawal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules import clock as clk
    from rules.calendar import local_date, zh_date
    from rules.packs import Action, Light
    from rules.packs import Rung as RungSpec
    from schemas import disclosure as s
    from workflows.casework import (
        DOCS_DATED,
        DOCS_PROJECTED,
        ONE_STEP,
        IncompleteAction,
    )


from workflows.disclosure.base import CHANNEL_ZH, SUBMISSION_ALERT, DisclosureBase


class Registration(DisclosureBase):
    """Registration and correction (登记、补正; GIDR Arts. 29–31, 30)."""

    def _start_registered_clocks(self, t0_at: datetime) -> None:
        """T0 fixed (Art. 31): the confirmation window stops, the reply period (Art. 33) and the
        correction-notice window (Art. 30) start."""
        rules = self._rules()
        self._stop("confirmation", "已确认收到申请")
        self.t0 = local_date(t0_at)
        self.status = s.Status.REGISTERED
        self._start(
            "reply",
            rules.reply,
            t0_at,
            extension=rules.extension,
            rungs=list(rules.escalation.rungs),
        )
        if rules.correction_notice_window is not None:
            warning = []
            if rules.correction_notice_warning_day:
                warning = [
                    RungSpec(
                        name="warning",
                        light=Light.GREEN,
                        at_consumed=rules.correction_notice_warning_day,
                        actions=[Action.NOTIFY_OFFICER],
                    )
                ]
            self._start("correction_notice", rules.correction_notice_window, t0_at, rungs=warning)

    async def _register(self, t0_at: datetime, actor: s.Actor) -> None:
        if local_date(t0_at) != local_date(self.inp.received_at) and self._patched("pack-by-t0"):
            # LAW.md §1.5: the rules in force on T0, not on the day the letter arrived.
            await self._load_pack(t0_at)
        rules = self._rules()
        self._start_registered_clocks(t0_at)
        t0 = local_date(t0_at)
        submitted = local_date(self.inp.received_at)
        late = self.inp.channel.needs_confirmation and submitted < t0
        delay = (
            f"申请人于{submitted}提交（{CHANNEL_ZH[self.inp.channel]}），本机关于{t0}确认收到，"
            f"确认晚于提交{(t0 - submitted).days}日（条例第三十一条第三项：以双方确认之日为"
            "收到申请之日）。"
            if late
            else ""
        )
        self._start_submission_alert(t0_at)
        data: dict[str, Any] = {"t0": t0.isoformat()}
        if late:
            data["submitted"] = submitted.isoformat()
        seq = self._event(
            "registered",
            actor,
            f"登记，收到申请之日（T0）为{t0}。{delay}",
            None,
            **data,
        )
        receipt = {
            "applicant_name": self.inp.applicant.name,
            "channel_zh": CHANNEL_ZH[self.inp.channel],
            "t0": str(t0),
            "submitted": str(local_date(self.inp.received_at)),
            "description": self.inp.description,
            "reply_basis": rules.reply.basis,
        }
        if all(self._patched(p) for p in (ONE_STEP, DOCS_PROJECTED, DOCS_DATED)):
            # Issued with the registration's own step: dated by the plan made in it.
            await self._document("receipt", seq, receipt, dated_by="reply")
            await self._refresh()
            planned = self.readings.get("reply")  # none if planning failed (recorded)
            self.receipt_due = planned.due_date if planned is not None else None
            due = self._due_told("reply")
            sent = f"您于{zh_date(submitted)}提交的" if submitted != t0 else "您的"
            await self._message(
                seq,
                "申请已登记",
                f"{sent}政府信息公开申请已登记，查询号{self.case_no}，收到申请之日为"
                f"{zh_date(t0)}。" + (f"本机关将于{due}前答复。" if due else ""),
            )
            return
        await self._refresh()
        reply = self.readings["reply"]
        self.receipt_due = reply.due_date
        await self._document(
            "receipt",
            seq,
            {
                "applicant_name": self.inp.applicant.name,
                "channel_zh": CHANNEL_ZH[self.inp.channel],
                "t0": str(t0),
                "description": self.inp.description,
                "reply_due": str(reply.due_date),
                "reply_basis": rules.reply.basis,
                "provisional": reply.provisional,
                "provisional_note": "；".join(reply.explanation.lines[-2:-1]),
            },
        )

    @workflow.update
    async def confirm_receipt(self, a: s.ConfirmReceipt) -> s.ActionResult:
        async with self._turn(self._v_confirm_receipt, a):
            await self._register(workflow.now(), a.actor)
            self.woken = True
            return s.ActionResult(
                status=self.status, seq=len(self.events), message=f"已确认收到申请，T0为{self.t0}。"
            )

    @confirm_receipt.validator
    def _v_confirm_receipt(self, a: s.ConfirmReceipt) -> None:
        self._allowed("confirm_receipt", a.actor)

    @workflow.update
    async def request_correction(self, a: s.RequestCorrection) -> s.ActionResult:
        async with self._turn(self._v_request_correction, a):
            rules = self._rules()
            now = workflow.now()
            self.correction_requested = True
            self._stop("correction_notice", "已发出补正告知")
            if rules.correction_restarts_reply:
                self._pause_reply("等待申请人补正", now, a.actor.id)
            period = rules.correction_period_default
            self._start(
                "correction_period",
                period,
                now,
                rungs=[self._lapse_rung()],
                limit=a.period_working_days or period.amount,
            )
            self.status = s.Status.AWAITING_CORRECTION
            result = await self._act(
                "correction_requested",
                a.actor,
                f"发出补正告知书，需补正{len(a.items)}项。",
                items=a.items,
            )
            await self._document(
                "correction_notice",
                result.seq,
                {
                    "applicant_name": self.inp.applicant.name,
                    "t0": str(self.t0),
                    "items": a.items,
                    "period": f"{self.clocks['correction_period'].limit}个工作日",
                    "correction_due": str(self.readings["correction_period"].due_date),
                    "basis": period.basis,
                    "restarts": rules.correction_restarts_reply,
                },
            )
            await self._message(
                result.seq,
                "补正告知书",
                f"您的政府信息公开申请{self.case_no}需要补正{len(a.items)}项："
                + "；".join(a.items)[:200]
                + f"。请于{self._due_told('correction_period')}前在查询页面提交补正；"
                "逾期无正当理由不补正的，视为放弃申请（条例第三十条）。",
            )
            return result

    @request_correction.validator
    def _v_request_correction(self, a: s.RequestCorrection) -> None:
        self._allowed("request_correction", a.actor)
        self._require(
            not self.correction_requested,
            "补正告知只能发出一次，并应一次性告知需要补正的全部事项（条例第三十条）。",
        )
        if self._rules().correction_notice_window is not None:  # 2019 Art. 30; none in 2008
            window = self.readings["correction_notice"]
            self._require(
                window.due_at is not None and workflow.now() <= window.due_at,
                f"补正告知已超过期限：应当自收到申请之日起7个工作日内（{window.due_date}前）"
                "一次性告知（条例第三十条）。",
            )
        if any(not item.strip() for item in a.items):
            raise IncompleteAction("补正事项不能为空。")

    @workflow.update
    async def submit_correction(self, a: s.SubmitCorrection) -> s.ActionResult:
        async with self._turn(self._v_submit_correction, a):
            rules = self._rules()
            at = a.occurred_at or workflow.now()
            late = self._correction_late(at)
            self._stop("correction_period", "已收到补正")
            reply = self.clocks["reply"]
            if reply.stopped_at is not None:  # deemed abandoned, reopened on a good reason
                reply = reply.model_copy(update={"stopped_at": None, "stop_reason": ""})
            summary = "收到补正后的申请，继续办理（更改、补充，2008年条例第二十一条第四项）。"
            if rules.correction_restarts_reply:
                reply = clk.restart(reply, at, "收到补正后的申请（条例第三十条）")
                summary = (
                    f"收到补正后的申请，答复期限自{local_date(at)}起重新计算（条例第三十条）。"
                )
            self.clocks["reply"] = reply
            self._stop(SUBMISSION_ALERT, "收到补正后的申请，答复期限重新起算", at)
            if late:
                summary += f"申请人逾期补正，理由：{a.late_reason}，予以接受。"
            self.corrected = True
            self.status = s.Status.REGISTERED
            self.outcome = None
            self.told_due = None  # a new period: whatever was told belongs to the old one
            self.receipt_due = None
            return await self._act(
                "correction_received",
                a.actor,
                summary,
                a.occurred_at,
                late_reason=a.late_reason if late else "",
                # Given online by the applicant (absent from officers' records, and from
                # the histories recorded before the portal).
                **({"text": a.text} if a.text else {}),
                **(
                    {"attachments": [f.model_dump() for f in a.attachments]}
                    if a.attachments
                    else {}
                ),
            )

    @submit_correction.validator
    def _v_submit_correction(self, a: s.SubmitCorrection) -> None:
        self._allowed("submit_correction", a.actor)
        window = self.clocks["correction_period"]
        at = self._fact_at(a.occurred_at, "收到补正", not_before=window.anchor_at)
        if self._correction_late(at) and not a.late_reason.strip():
            due = self.readings["correction_period"].due_date
            raise IncompleteAction(
                f"补正期限（{due}）已届满：申请人无正当理由逾期不补正的，视为放弃申请（条例第三十条）。"
                "接受逾期补正的，须记录申请人的正当理由（late_reason）。"
            )

    def _correction_late(self, at: datetime) -> bool:
        window = self.readings.get("correction_period")
        return window is not None and window.due_at is not None and at > window.due_at

    @workflow.query
    def preview_correction(self, body: dict[str, Any]) -> s.DocumentPreview:
        """The correction notice as ``request-correction`` would issue it now."""
        rules = self._rules()
        assert self.pack is not None
        period = rules.correction_period_default
        items = [str(i) for i in body.get("items") or []]
        now = workflow.now()
        clock = clk.start(
            "correction_period",
            period.unit,
            int(body.get("period_working_days") or period.amount),
            now,
            basis=period.basis,
            rule_pack=self.pack.ref,
            policy=self.pack.policy(period),
        )
        return s.DocumentPreview(
            context=self._document_context(
                {
                    "applicant_name": self.inp.applicant.name,
                    "t0": str(self.t0),
                    "items": items,
                    "period": f"{clock.limit}个工作日",
                    "correction_due": "",
                    "basis": period.basis,
                    "restarts": rules.correction_restarts_reply,
                }
            ),
            due={"correction_due": clock},
        )

    @workflow.query
    def preview_receipt(self, body: dict[str, Any]) -> s.DocumentPreview:
        """The receipt as ``confirm-receipt`` would issue it now (T0 = today, Art. 31)."""
        rules = self._rules()
        assert self.pack is not None
        now = workflow.now()
        reply = clk.start(
            "reply",
            rules.reply.unit,
            rules.reply.amount,
            now,
            basis=rules.reply.basis,
            rule_pack=self.pack.ref,
            policy=self.pack.policy(rules.reply, extension=rules.extension),
        )
        return s.DocumentPreview(
            context=self._document_context(
                {
                    "applicant_name": self.inp.applicant.name,
                    "channel_zh": CHANNEL_ZH[self.inp.channel],
                    "t0": str(local_date(now)),
                    "submitted": str(local_date(self.inp.received_at)),
                    "description": self.inp.description,
                    "reply_due": "",
                    "reply_basis": rules.reply.basis,
                    "provisional": False,
                    "provisional_note": "",
                }
            ),
            due={"reply_due": reply},
            derived={
                "provisional": ("reply_due", "provisional"),
                "provisional_note": ("reply_due", "provisional_note"),
            },
        )

    @workflow.update
    async def withdraw(self, a: s.Withdraw) -> s.ActionResult:
        async with self._turn(self._v_withdraw, a):
            for name in list(self.clocks):
                self._stop(name, "申请人撤回申请")
            self.status = s.Status.WITHDRAWN
            result = await self._act("withdrawn", a.actor, f"申请人撤回申请：{a.reason}")
            await self._message(
                result.seq,
                "申请已撤回",
                f"您的政府信息公开申请{self.case_no}已撤回，本机关不再处理。",
            )
            return result

    @withdraw.validator
    def _v_withdraw(self, a: s.Withdraw) -> None:
        self._allowed("withdraw", a.actor)
