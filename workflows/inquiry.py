"""Online inquiries (网络问政): answer within the local period (10 WD for a consultation),
yellow light once it has passed, red once more than 20 WD have passed unanswered (Zhaoqing's
亮灯督办), an urging notice to the late unit; transfers start the
receiving unit's own clock; a message that is really a GI request becomes a disclosure case."""

from __future__ import annotations

from typing import Any, ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules import clock as clk
    from rules.calendar import local_date
    from rules.packs import Action, InquiryRules, Light, Period
    from rules.packs import Rung as RungSpec
    from rules.personal import KIND_ZH, personal_left
    from schemas import disclosure as d
    from schemas import inquiry as s
    from schemas import registry
    from workflows.casework import (
        APPLICANT_NOTICES,
        IncompleteAction,
    )
    from workflows.kind import KindWorkflow

PERIODS = {
    s.InquiryCategory.CONSULTATION: "consultation_reply",
    s.InquiryCategory.SUGGESTION: "suggestion_reply",
    s.InquiryCategory.SUGGESTION_COMPLEX: "suggestion_complex_reply",
    s.InquiryCategory.ERROR_REPORT: "error_report_reply",
    s.InquiryCategory.REPRINT: "reprint_reply",
}


@workflow.defn
class InquiryWorkflow(KindWorkflow[s.InquiryInput]):
    SPEC = registry.INQUIRY
    CARRY: ClassVar[dict[str, Any]] = {
        "transfers": list[s.TransferRecord],
        "converted_to": str | None,
        "answer_text": str,
        "public_text": s.PublicText | None,
    }
    DUE_CLOCKS = ("reply", "petition_notice")

    @workflow.init
    def __init__(self, inp: s.InquiryInput) -> None:
        self._open(inp, inp.subject)
        self.unit = inp.unit
        self.transfers: list[s.TransferRecord] = []
        self.converted_to: str | None = None
        self.answer_text = ""
        self.public_text: s.PublicText | None = None

    @workflow.run
    async def run(self, inp: s.InquiryInput) -> s.InquiryView:
        await self._run_case(inp, inp.received_at)
        return self.view()

    async def _begin(self, inp: s.InquiryInput) -> None:
        self.t0 = local_date(inp.received_at)
        ladder = list(self._rules().escalation.rungs)
        self._start("reply", self._period(), inp.received_at, rungs=ladder)
        target = self._rules().reprint_target
        if inp.category is s.InquiryCategory.REPRINT and target is not None:
            # D4: reprint within the hour if possible, within a working day at the latest.
            late = RungSpec(
                name="overdue", light=Light.YELLOW, after_due=0, actions=[Action.NOTIFY_OFFICER]
            )
            self._start("reprint_target", target, inp.received_at, rungs=[late])
        self._event(
            "received",
            inp.officer,
            f"收到留言（{inp.category.zh}）：{inp.subject}，交{inp.unit}办理。",
            unit=inp.unit,
        )
        await self._refresh()

    def _rules(self) -> InquiryRules:
        assert self.pack is not None and self.pack.inquiry is not None
        return self.pack.inquiry

    def _period(self) -> Period:
        period: Period = getattr(self._rules(), PERIODS[self.inp.category])
        return period

    def _is_open(self) -> bool:
        return self.status in (s.InquiryStatus.HANDLING, s.InquiryStatus.PETITION)

    async def _lapse(self, clock_name: str) -> None:  # no window closes an inquiry by itself
        return None

    @workflow.query
    def view(self) -> s.InquiryView:
        return s.InquiryView(
            **self._common_view(),
            category=self.inp.category,
            unit=self.unit,
            transfers=self.transfers,
            converted_to=self.converted_to,
            subject=self.inp.subject,
            message=self.inp.message,
            person=self.inp.person,
            publish_consent=self.inp.publish_consent,
            answer=self.answer_text,
            public_text=self.public_text,
        )

    # -- actions ----------------------------------------------------------------------------

    @workflow.update
    async def transfer(self, a: s.Transfer) -> d.ActionResult:
        async with self._turn(self._v_transfer, a):
            now = workflow.now()
            self.transfers.append(
                s.TransferRecord(
                    from_unit=self.unit, to_unit=a.to_unit, at=now, by=a.actor.id, reason=a.reason
                )
            )
            previous, self.unit = self.unit, a.to_unit
            # The receiving unit answers within its own full period, counted from the transfer.
            self.clocks["reply"] = clk.restart(
                self.clocks["reply"], now, f"由{previous}转办{a.to_unit}"
            )
            return await self._act(
                "transferred",
                a.actor,
                f"由{previous}转办{a.to_unit}：{a.reason}",
                from_unit=previous,
                to_unit=a.to_unit,
            )

    @transfer.validator
    def _v_transfer(self, a: s.Transfer) -> None:
        self._allowed("transfer", a.actor)
        self._require(a.to_unit != self.unit, f"留言已由{self.unit}办理。")

    @workflow.update
    async def inform_delay(self, a: s.InformDelay) -> d.ActionResult:
        async with self._turn(self._v_inform_delay, a):
            return await self._act(
                "delay_informed", a.actor, f"已告知留言人：{a.text}", text=a.text
            )

    @inform_delay.validator
    def _v_inform_delay(self, a: s.InformDelay) -> None:
        self._allowed("inform_delay", a.actor)

    @workflow.update
    async def answer(self, a: s.Answer) -> d.ActionResult:
        async with self._turn(self._v_answer, a):
            self._stop("reply", "已答复")
            self._stop("reprint_target", "已转载")
            self.status = s.InquiryStatus.ANSWERED
            self.answer_text = a.text
            result = await self._act("answered", a.actor, f"{self.unit}答复留言。", text=a.text)
            await self._document(
                "inquiry_reply",
                result.seq,
                {
                    "person": self.inp.person.name,
                    "subject": self.inp.subject,
                    "message": self.inp.message,
                    "answer": a.text,
                    "unit": self.unit,
                    "received": str(self.t0),
                },
            )
            if self._patched(APPLICANT_NOTICES):
                await self._notify_opener(
                    result.seq,
                    "author",
                    self.inp.person,
                    f"留言答复 {self.case_no}",
                    f"您的留言“{self.inp.subject[:40]}”已由{self.unit}答复：{a.text[:200]}",
                )
            return result

    @answer.validator
    def _v_answer(self, a: s.Answer) -> None:
        self._allowed("answer", a.actor)

    @workflow.update
    async def convert_to_disclosure(self, a: s.ConvertToDisclosure) -> d.ActionResult:
        async with self._turn(self._v_convert_to_disclosure, a):
            now = workflow.now()
            person = self.inp.person
            case_no = await self._open_child_case(
                registry.DISCLOSURE,
                f"convert:{self.case_no}",
                lambda case_no: d.DisclosureRequestInput(
                    case_no=case_no,
                    agency=self.agency,
                    channel=d.Channel.ONLINE,
                    received_at=self.inp.received_at,
                    confirmed_at=now,
                    applicant=d.Applicant(name=person.name, phone=person.phone, email=person.email),
                    description=a.description,
                    officer=a.actor,
                    converted_from=self.case_no,
                ),
            )
            self.converted_to = case_no
            self._stop("reply", "已转为依申请公开")
            self.status = s.InquiryStatus.CONVERTED
            return await self._act(
                "converted",
                a.actor,
                f"留言实为政府信息公开申请，已转为{case_no}办理（T0为确认之日）。",
                disclosure_case=case_no,
            )

    @convert_to_disclosure.validator
    def _v_convert_to_disclosure(self, a: s.ConvertToDisclosure) -> None:
        self._allowed("convert_to_disclosure", a.actor)

    @workflow.update
    async def convert_to_petition(self, a: s.ConvertToPetition) -> d.ActionResult:
        async with self._turn(self._v_convert_to_petition, a):
            period = self._rules().petition_notice
            assert period is not None
            self._stop("reply", "按信访事项办理")
            self._start(
                "petition_notice",
                period,
                workflow.now(),
                rungs=[
                    RungSpec(
                        name="overdue",
                        light=Light.RED,
                        after_due=0,
                        actions=[Action.NOTIFY_OFFICER, Action.NOTIFY_SUPERVISOR],
                    )
                ],
            )
            self.status = s.InquiryStatus.PETITION
            return await self._act(
                "converted_to_petition",
                a.actor,
                f"留言属信访事项，按《信访工作条例》办理：{a.reason}",
            )

    @convert_to_petition.validator
    def _v_convert_to_petition(self, a: s.ConvertToPetition) -> None:
        self._allowed("convert_to_petition", a.actor)
        self._require(self._rules().petition_notice is not None, "本地规则未配置信访办理期限。")

    @workflow.update
    async def notify_petitioner(self, a: s.NotifyPetitioner) -> d.ActionResult:
        async with self._turn(self._v_notify_petitioner, a):
            self._stop("petition_notice", "已书面告知")
            self.status = s.InquiryStatus.ANSWERED
            verdict = "受理" if a.accepted else "不予受理"
            return await self._act(
                "petitioner_notified", a.actor, f"已书面告知信访人{verdict}：{a.text}"
            )

    @notify_petitioner.validator
    def _v_notify_petitioner(self, a: s.NotifyPetitioner) -> None:
        self._allowed("notify_petitioner", a.actor)

    @workflow.update
    async def approve_publication(self, a: s.ApprovePublication) -> d.ActionResult:
        """The public text of the message and its answer, approved for the public board."""
        async with self._turn(self._v_approve_publication, a):
            self.public_text = s.PublicText(
                subject=a.subject,
                message=a.message,
                answer=a.answer,
                by=a.actor.id,
                by_name=a.actor.name,
                at=workflow.now(),
            )
            return await self._act(
                "publication_approved",
                a.actor,
                f"{a.actor.name}审核了留言及答复的公开文本（已隐去个人信息），同意在留言板公开。",
                subject=a.subject,
                message=a.message,
                answer=a.answer,
            )

    @approve_publication.validator
    def _v_approve_publication(self, a: s.ApprovePublication) -> None:
        self._allowed("approve_publication", a.actor)
        self._require(
            self.inp.publish_consent, "留言人未同意公开其留言，不能在留言板公开（个人信息保护法）。"
        )
        left = {
            kind
            for text in (a.subject, a.message, a.answer)
            for kind in personal_left(text, [self.inp.person.name])
        }
        if left:
            names = "、".join(KIND_ZH[k] for k in sorted(left))
            raise IncompleteAction(
                f"公开文本中仍有个人信息（{names}），请隐去后再公开（个人信息保护法第二十八条）。"
            )

    @workflow.update
    async def close(self, a: s.Close) -> d.ActionResult:
        async with self._turn(self._v_close, a):
            self.status = s.InquiryStatus.CLOSED
            self.done = True
            return await self._act("closed", a.actor, "办结归档。")

    @close.validator
    def _v_close(self, a: s.Close) -> None:
        self._allowed("close", a.actor)
