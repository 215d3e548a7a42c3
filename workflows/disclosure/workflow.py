"""On-request disclosure (依申请公开): one durable workflow per application, following GIDR 2019
(LAW.md §1 timer table A0–A14 and the state machine of §5).

Every statutory number comes from the rule pack in force on T0 (LAW.md §1.5); every due date is
computed by the ``plan_clocks`` activity on the working-day calendar; officer actions are Updates
whose validators reject illegal or incomplete actions before anything reaches the history. Facts
recorded after they happened carry ``occurred_at``, and the clocks use it. Every date the
applicant is owed (an extension, a fixed Art. 35 date, a date that moved when a pause ended, the
closing when no correction came) is told to them in a document and a message.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.calendar import zh_date
    from rules.outcomes import (
        Outcome,
    )
    from rules.packs import Action
    from schemas import disclosure as s


from workflows.disclosure.base import CHANNEL_ZH, CLOSING_NOTICE
from workflows.disclosure.extension import Extension
from workflows.disclosure.handling import Handling
from workflows.disclosure.registration import Registration
from workflows.disclosure.reply import Reply


@workflow.defn
class DisclosureRequestWorkflow(Reply, Extension, Handling, Registration):
    @workflow.init
    def __init__(self, inp: s.DisclosureRequestInput) -> None:
        self._init_state(inp)

    @workflow.run
    async def run(self, inp: s.DisclosureRequestInput) -> s.CaseView:
        await self._run_case(inp, inp.received_at)
        return self.view()

    async def _begin(self, inp: s.DisclosureRequestInput) -> None:
        self._event(
            "received",
            inp.officer,
            f"收到申请（{CHANNEL_ZH[inp.channel]}）：{inp.description}",
            channel=inp.channel.value,
        )
        if inp.channel.needs_confirmation and inp.confirmed_at is None:
            self._start_confirmation_clock()
            await self._refresh()
        else:
            # Art. 31: in person → the day of submission; registered mail → the day the agency
            # signed for it; online/fax confirmed at conversion → the confirmation day.
            t0_at = inp.confirmed_at or inp.signed_for_at or inp.received_at
            await self._register(t0_at, inp.officer)

    async def _lapse(self, clock_name: str) -> None:
        """A statutory window ran out (LAW.md §1.2 'On expiry')."""
        if clock_name == "correction_period":
            await self._no_correction()
        elif clock_name == "consultation" and self.consultation is not None:
            await self._consultation_lapsed(self.consultation)
        elif clock_name == "fee":
            await self._fee_unpaid()
        elif clock_name == "remedy_litigation":
            self._stop("remedy_reconsideration", "救济期限届满")
            self._stop("remedy_litigation", "救济期限届满")
            self._event(
                "remedy_window_closed", s.SYSTEM, "申请人申请行政复议、提起行政诉讼的期限均已届满。"
            )
            self.done = True

    async def _no_correction(self) -> None:
        """A2: no correction → deemed abandoned (视为放弃申请), closed as OTHER.no_correction."""
        now = workflow.now()
        self._stop("correction_period", "补正期限届满")
        self._stop("reply", "视为放弃申请")
        self.status = s.Status.DEEMED_ABANDONED
        self.outcome = Outcome.OTHER_NO_CORRECTION
        seq = self._event(
            "deemed_abandoned",
            s.SYSTEM,
            "申请人逾期未补正，视为放弃申请（条例第三十条），本机关不再处理。",
        )
        if self._patched("abandonment-letter"):
            due = self.readings["correction_period"].due_date
            shown = zh_date(due) if due else "—"
            await self._tell_applicant(
                "abandonment_notice",
                seq,
                # Every closing letter carries the remedy clause the reply carries.
                {"correction_due": str(due), "remedy": self._closing_remedy(now)},
                f"您的政府信息公开申请{self.case_no}：补正期限（{shown}）已届满，"
                "未收到补正材料，"
                "视为放弃申请，本机关不再处理（《政府信息公开条例》第三十条）。"
                "如有正当理由，请与本机关联系；如不服，可依告知书所载途径申请行政复议或者"
                "提起行政诉讼。",
            )

    async def _consultation_lapsed(self, consultation: s.StartConsultation) -> None:
        """The consultation's window ran out: a chase for another agency; for a third party or a
        co-producer the reply period resumes (Arts. 32, 34)."""
        now = workflow.now()
        kind = consultation.kind
        if not self.consultation_window:
            seq = self._event(
                "consultation_overdue",
                s.SYSTEM,
                f"{consultation.party}未在催办期限内回复，已提醒催办。",
            )
            await self._actions(
                [Action.NOTIFY_OFFICER, Action.NOTIFY_SUPERVISOR],
                "overdue",
                seq,
                "consultation",
            )
            return
        # The excluded period ends with the window (23:59:59 of its last day), not when
        # this timer happened to run.
        window_end = self.readings["consultation"].due_at or now
        self._stop("consultation", "征求意见期限届满")
        if self.clocks["reply"].open_pause is not None:
            self._resume_reply(min(window_end, now))
        self.status = s.Status.ASSIGNED
        if kind is s.ConsultKind.THIRD_PARTY:
            summary = (
                f"第三方{consultation.party}逾期未提出意见，由本机关依照条例规定"
                "决定是否公开（条例第三十二条）；答复期限恢复计算。"
            )
        else:
            summary = (
                f"共同制作机关{consultation.party}逾期未提出意见，视为同意公开"
                "（条例第三十四条）；答复期限恢复计算。"
            )
        seq = self._event("consultation_lapsed", s.SYSTEM, summary, consultation=kind.value)
        if self.told_due is not None and self._patched("tell-moved-due"):
            await self._refresh()
            await self._tell_if_moved(seq)

    async def _fee_unpaid(self) -> None:
        """The fee was not paid in time: processing stops (109号), told in writing."""
        now = workflow.now()
        self._stop("fee", "缴费期限届满")
        self._stop("reply", "不再处理")
        self.status = s.Status.PROCESSING_STOPPED
        self.outcome = Outcome.OTHER_FEE_UNPAID
        seq = self._event(
            "processing_stopped",
            s.SYSTEM,
            "申请人逾期未按收费通知要求缴纳费用，本机关不再处理该申请（国办函〔2020〕109号）。",
        )
        message = (
            f"您的政府信息公开申请{self.case_no}：您未在缴费期限内缴纳信息处理费，本机关不再处理"
            "该申请（国办函〔2020〕109号）。"
        )
        if self._patched(CLOSING_NOTICE):
            # A decision closing the application is told in writing, with its remedies.
            await self._tell_applicant(
                "processing_stopped_notice",
                seq,
                {
                    "fee_due": str(self.readings["fee"].due_date),
                    "remedy": self._closing_remedy(now),
                },
                message + "如不服，可依告知书所载途径申请行政复议或者提起行政诉讼。",
            )
        else:
            await self._message(seq, "不再处理告知", message)
