"""Handling (办理; GIDR Arts. 32–34, 42, 45): acceptance, the unit that drafts, consultations that
pause the reply period, the fee, the applicant's rating, reading the applicant's identity,
notes.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules import clock as clk
    from rules.calendar import local_date
    from schemas import disclosure as s
    from schemas.activities import answered
    from workflows.casework import (
        IncompleteAction,
    )


from workflows.disclosure.base import ANSWER_ZH, DisclosureBase


class Handling(DisclosureBase):
    """Handling (办理; GIDR Arts. 32–34, 42, 45)."""

    @workflow.update
    async def accept(self, a: s.Accept) -> s.ActionResult:
        async with self._turn(self._v_accept, a):
            self._stop("correction_notice", "已受理")
            self.status = s.Status.ACCEPTED
            return await self._act("accepted", a.actor, "受理。")

    @accept.validator
    def _v_accept(self, a: s.Accept) -> None:
        self._allowed("accept", a.actor)

    @workflow.update
    async def assign(self, a: s.Assign) -> s.ActionResult:
        async with self._turn(self._v_assign, a):
            self.unit = a.unit
            self.unit_acknowledged = False
            self.status = s.Status.ASSIGNED
            return await self._act("assigned", a.actor, f"交{a.unit}拟办。", unit=a.unit)

    @assign.validator
    def _v_assign(self, a: s.Assign) -> None:
        self._allowed("assign", a.actor)

    @workflow.update
    async def acknowledge(self, a: s.Acknowledge) -> s.ActionResult:
        async with self._turn(self._v_acknowledge, a):
            self.unit_acknowledged = True
            return await self._act(
                "unit_acknowledged", a.actor, f"{self.unit}签收。", unit=self.unit
            )

    @acknowledge.validator
    def _v_acknowledge(self, a: s.Acknowledge) -> None:
        self._allowed("acknowledge", a.actor)
        self._require(not self.unit_acknowledged, f"{self.unit}已签收。")
        self._of_the_unit(a.actor, "签收")

    @workflow.update
    async def return_to_office(self, a: s.ReturnToOffice) -> s.ActionResult:
        async with self._turn(self._v_return_to_office, a):
            unit, self.unit = self.unit, ""
            self.unit_acknowledged = False
            self.status = s.Status.ACCEPTED
            return await self._act(
                "unit_returned", a.actor, f"{unit}退回：{a.reason}", unit=unit, reason=a.reason
            )

    @return_to_office.validator
    def _v_return_to_office(self, a: s.ReturnToOffice) -> None:
        self._allowed("return_to_office", a.actor)
        self._of_the_unit(a.actor, "退回")

    @workflow.update
    async def transfer_unit(self, a: s.TransferUnit) -> s.ActionResult:
        async with self._turn(self._v_transfer_unit, a):
            unit, self.unit = self.unit, a.to_unit
            self.unit_acknowledged = False
            return await self._act(
                "unit_transferred",
                a.actor,
                f"由{unit}转{a.to_unit}办理：{a.reason}",
                from_unit=unit,
                to_unit=a.to_unit,
                reason=a.reason,
            )

    @transfer_unit.validator
    def _v_transfer_unit(self, a: s.TransferUnit) -> None:
        self._allowed("transfer_unit", a.actor)
        self._require(
            a.actor.role is s.Role.SUPERVISOR or not a.actor.unit,
            "转办由政府信息公开工作机构办理。",
        )
        self._require(a.to_unit.strip() != self.unit, f"本案已由{self.unit}承办。")

    @workflow.update
    async def start_consultation(self, a: s.StartConsultation) -> s.ActionResult:
        async with self._turn(self._v_start_consultation, a):
            rules = self._rules()
            now = workflow.now()
            window = {
                s.ConsultKind.THIRD_PARTY: rules.third_party_consultation,
                s.ConsultKind.CO_PRODUCER: rules.co_producer_consultation,
            }.get(a.kind)
            period = window or rules.other_agency_chase
            self.consultation = a
            self.consultation_window = window is not None
            self.consultation_delivered = None
            # Art. 33 para 3 (2019) excludes every consultation; before 2019 only the third
            # party's (2008 Art. 24 para 3).
            excluded = a.kind is s.ConsultKind.THIRD_PARTY or rules.other_agencies_excluded
            if excluded:
                self._pause_reply(f"征求{a.party}意见", now, a.actor.id)
            self._start("consultation", period, now, rungs=[self._lapse_rung()])
            self.status = s.Status.CONSULTING
            effect = "答复期限暂停计算" if excluded else "征求意见的时间计入答复期限"
            result = await self._act(
                "consultation_started",
                a.actor,
                f"书面征求{a.party}意见（{period.basis}），{effect}。",
                consultation=a.kind.value,
                party=a.party,
            )
            await self._document(
                "consultation_letter",
                result.seq,
                {
                    "party": a.party,
                    "matters": a.matters,
                    "kind": a.kind.value if window is not None else "other_agency",
                    "answer_due": str(self.readings["consultation"].due_date),
                },
            )
            return result

    @start_consultation.validator
    def _v_start_consultation(self, a: s.StartConsultation) -> None:
        self._allowed("start_consultation", a.actor)

    @workflow.update
    async def record_consultation_delivery(self, a: s.RecordConsultationDelivery) -> s.ActionResult:
        """The consulted party's 15 WD run from its receipt of the letter (Arts. 32, 34): until
        the receipt is known the window counts from the day the letter was sent (earlier)."""
        async with self._turn(self._v_record_consultation_delivery, a):
            assert self.consultation is not None
            party = self.consultation.party
            self.clocks["consultation"] = clk.restart(
                self.clocks["consultation"], a.delivered_at, f"{party}签收征求意见书"
            )
            self.consultation_delivered = a.delivered_at
            return await self._act(
                "consultation_delivered",
                a.actor,
                f"{party}于{local_date(a.delivered_at)}收到征求意见书，提出意见的期限自次日起算。",
                a.delivered_at,
            )

    @record_consultation_delivery.validator
    def _v_record_consultation_delivery(self, a: s.RecordConsultationDelivery) -> None:
        self._allowed("record_consultation_delivery", a.actor)
        self._require(
            self.consultation_window,
            "该征求意见没有法定的答复期限（条例第三十三条第三款），无需记录送达。",
        )
        self._require(self.consultation_delivered is None, "送达日期已经记录。")
        self._fact_at(a.delivered_at, "送达", not_before=self.clocks["consultation"].anchor_at)

    @workflow.update
    async def record_consultation_answer(self, a: s.RecordConsultationAnswer) -> s.ActionResult:
        async with self._turn(self._v_record_consultation_answer, a):
            assert self.consultation is not None
            at = a.occurred_at or workflow.now()
            self._stop("consultation", "已收到意见", at)
            paused = self.clocks["reply"].open_pause is not None
            if paused:
                self._resume_reply(at)
            self.status = s.Status.ASSIGNED
            effect = "答复期限恢复计算" if paused else "继续办理"
            result = await self._act(
                "consultation_answered",
                a.actor,
                f"收到{self.consultation.party}的意见（{ANSWER_ZH[a.answer]}），{effect}。",
                a.occurred_at,
                answer=a.answer.value,
                reasons=a.reasons,
            )
            await self._tell_if_moved(result.seq)
            return result

    @record_consultation_answer.validator
    def _v_record_consultation_answer(self, a: s.RecordConsultationAnswer) -> None:
        self._allowed("record_consultation_answer", a.actor)
        self._fact_at(a.occurred_at, "收到意见", not_before=self.clocks["consultation"].anchor_at)
        if a.answer is s.ConsultationAnswer.OBJECTION and not a.reasons.strip():
            raise IncompleteAction("第三方不同意公开的，应记录其理由（条例第三十二条）。")

    @workflow.update
    async def request_fee(self, a: s.RequestFee) -> s.ActionResult:
        async with self._turn(self._v_request_fee, a):
            now = workflow.now()
            self._pause_reply("信息处理费缴纳期间", now, a.actor.id)
            self._start("fee", self._rules().fee_payment, now, rungs=[self._lapse_rung()])
            self.status = s.Status.FEE_PENDING
            result = await self._act(
                "fee_requested",
                a.actor,
                f"发出收费通知，金额{a.amount_yuan}元（{a.basis}）。",
                amount_yuan=a.amount_yuan,
            )
            await self._message(
                result.seq,
                "收费通知",
                f"您的政府信息公开申请{self.case_no}需缴纳信息处理费{a.amount_yuan}元"
                f"（{a.basis}），请于{self._due_told('fee')}前缴纳；逾期未缴纳的，本机关不再处理"
                "该申请（国办函〔2020〕109号）。缴费期间不计入答复期限。",
            )
            return result

    @request_fee.validator
    def _v_request_fee(self, a: s.RequestFee) -> None:
        self._allowed("request_fee", a.actor)

    @workflow.update
    async def record_payment(self, a: s.RecordPayment) -> s.ActionResult:
        async with self._turn(self._v_record_payment, a):
            at = a.occurred_at or workflow.now()
            self._stop("fee", "已缴费", at)
            self._resume_reply(at)
            self.status = s.Status.ASSIGNED
            result = await self._act(
                "fee_paid", a.actor, "申请人已缴费，答复期限恢复计算。", a.occurred_at
            )
            await self._tell_if_moved(result.seq)
            return result

    @record_payment.validator
    def _v_record_payment(self, a: s.RecordPayment) -> None:
        self._allowed("record_payment", a.actor)
        self._fact_at(a.occurred_at, "缴费", not_before=self.clocks["fee"].anchor_at)

    @workflow.update
    async def rate(self, a: s.Rate) -> s.ActionResult:
        async with self._turn(self._v_rate, a):
            self.rating = a
            return await self._act(
                "rated",
                a.actor,
                f"申请人评价答复：{s.SATISFACTION_ZH[a.score]}。",
                score=a.score,
                comment=a.comment,
            )

    @rate.validator
    def _v_rate(self, a: s.Rate) -> None:
        self._allowed("rate", a.actor)
        self._require(self.rating is None, "申请人已评价过本次答复。")

    @workflow.update
    async def reveal_identity(self, a: s.RevealIdentity) -> s.Revealed:
        """The applicant's whole identity number, to a person of the agency who says why; the
        access is an event of the case (who, when, why)."""
        async with self._turn(self._v_reveal_identity, a):
            result = await self._act(
                "identity_revealed",
                a.actor,
                f"{a.actor.name}查看了申请人的完整证件号码（用途：{a.purpose}）。",
                purpose=a.purpose,
            )
            revealed = s.Revealed(
                **result.model_dump(exclude={"view"}), id_number=self.inp.applicant.id_number
            )
            return answered(revealed, getattr(result, "view", None))

    @reveal_identity.validator
    def _v_reveal_identity(self, a: s.RevealIdentity) -> None:
        self._allowed("reveal_identity", a.actor)
        self._require(bool(self.inp.applicant.id_number), "申请人未提供证件号码。")

    @workflow.update
    async def add_note(self, a: s.AddNote) -> s.ActionResult:
        async with self._turn(self._v_add_note, a):
            return await self._act("note", a.actor, a.text)

    @add_note.validator
    def _v_add_note(self, a: s.AddNote) -> None:
        self._allowed("add_note", a.actor)
