"""What every stage of an application shares: its rules, its state and view, the notices owed to
the applicant (GIDR Arts. 29–45; LAW.md §1).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.cases import DOCUMENT_TITLES
    from rules import clock as clk
    from rules.calendar import local_date, zh_date
    from rules.clock import Unit
    from rules.outcomes import (
        SPECS,
        Outcome,
        ReplyContent,
        legal_basis,
        plain_outcome,
        remedy_clause,
        reply_digest,
    )
    from rules.packs import Action, DisclosureRules, Light, Period
    from rules.packs import Rung as RungSpec
    from rules.personal import mask_id_number
    from schemas import disclosure as s
    from schemas import registry
    from schemas.activities import ApplicantIdentity, RenderDocument
    from workflows.casework import APPLICANT_NOTICES
    from workflows.kind import KindWorkflow


# Issue 24: an unpaid fee closes the application with a written notice and its remedies.
CLOSING_NOTICE = "closing-notice-with-remedies"
# Issue 24: an online or fax application confirmed days after it was sent is watched, inside the
# agency, on 20 working days from its submission as well (Art. 31(3): T0 stays the confirmation).
SUBMISSION_ALERT = "from_submission"
SUBMISSION_PATCH = "reply-from-submission"


class DisclosureBase(KindWorkflow[s.DisclosureRequestInput]):
    SPEC = registry.DISCLOSURE
    CARRY: ClassVar[dict[str, Any]] = {
        "outcome": Outcome | None,
        "correction_requested": bool,
        "corrected": bool,
        "consultation": s.StartConsultation | None,
        "consultation_window": bool,
        "consultation_delivered": datetime | None,
        "told_due": date | None,
        "receipt_due": date | None,
        "reply": ReplyContent | None,
        "reviewed_by": str | None,
        "replied_at": datetime | None,
        "served_on": date | None,
        "archived_at": datetime | None,
        "rating": s.Rate | None,
        "extension_request": s.ExtensionRequest | None,
        "unit_acknowledged": bool,
        "moved_to": str | None,
        "drafted_by": s.Actor | None,
        "drafted_at": datetime | None,
        "draft_version": int,
        "working_draft": ReplyContent | None,
        "previous_answer": s.PreviousAnswer | None,
    }
    DUE_CLOCKS = ("reply", "confirmation")
    INTERNAL_CLOCKS = (SUBMISSION_ALERT,)

    def _init_state(self, inp: s.DisclosureRequestInput) -> None:
        """The application's state when it arrives (the workflow's ``__init__``)."""
        self._open(inp, inp.description)
        self.correction_requested = False
        self.corrected = False
        self.consultation: s.StartConsultation | None = None
        # The consultation has a statutory answer window (Arts. 32, 34) rather than a chase
        # reminder (Art. 33 para 3; and every kind before 2019); its receipt was recorded.
        self.consultation_window = False
        self.consultation_delivered: datetime | None = None
        # The reply date last told to the applicant (extension or Art. 35 notice): when a pause
        # ends and the date moves, they are told again.
        self.told_due: date | None = None
        self.receipt_due: date | None = None  # the reply date the receipt told the applicant
        self.reply: ReplyContent | None = None
        self.reviewed_by: str | None = None  # four eyes: the sign-off is someone else's
        self.replied_at: datetime | None = None
        self.served_on: date | None = None
        self.archived_at: datetime | None = None
        self.rating: s.Rate | None = None  # the applicant's, once the reply is served
        # An officer's extension request waiting for the supervisor (Art. 33 para 2).
        self.extension_request: s.ExtensionRequest | None = None
        self.unit_acknowledged = False  # 签收 by the unit it was routed to
        self.moved_to: str | None = None  # Art. 44: the proactive item it was moved into
        # Who drafted the reply under review, when, and how many drafts there have been.
        self.drafted_by: s.Actor | None = None
        self.drafted_at: datetime | None = None
        self.draft_version = 0
        self.working_draft: ReplyContent | None = None  # saved by the drafter, not submitted
        # Art. 36(6): the answered case a repeat-request reply cites, as the API checked it.
        self.previous_answer: s.PreviousAnswer | None = None

    def _is_open(self) -> bool:
        return self.status in s.OPEN_FOR_REPLY

    def _pause_reply(self, reason: str, at: datetime, by: str) -> None:
        """Pause the reply period (an excluded time, Art. 33 para 3, Art. 30, 109号), and the
        internal alert from the submission with it."""
        self.clocks["reply"] = clk.pause(self.clocks["reply"], reason, at, by)
        alert = self.clocks.get(SUBMISSION_ALERT)
        if alert is not None and self._watching(SUBMISSION_ALERT) and alert.open_pause is None:
            self.clocks[SUBMISSION_ALERT] = clk.pause(alert, reason, at, by)

    def _resume_reply(self, at: datetime) -> None:
        self.clocks["reply"] = clk.resume(self.clocks["reply"], at)
        alert = self.clocks.get(SUBMISSION_ALERT)
        if alert is not None and self._watching(SUBMISSION_ALERT) and alert.open_pause:
            self.clocks[SUBMISSION_ALERT] = clk.resume(alert, max(at, alert.open_pause.since))

    def _stop(self, name: str, reason: str, at: datetime | None = None) -> None:
        """A stopped reply period stops the internal alert from the submission too."""
        super()._stop(name, reason, at)
        if name == "reply":
            super()._stop(SUBMISSION_ALERT, reason, at)

    def _start_submission_alert(self, t0_at: datetime) -> None:
        """Art. 31(3): T0 of an online or fax application is the day both sides confirm it; the
        applicant counts from the day they sent it. When the confirmation came on a later day,
        an internal alert also counts the reply period from the submission (escalated to the
        supervisor when it runs out; its date is the row's internal due date when earlier)."""
        if not self.inp.channel.needs_confirmation or self.inp.confirmed_at is not None:
            return
        if local_date(t0_at) <= local_date(self.inp.received_at):
            return
        if not self._patched(SUBMISSION_PATCH):
            return
        rules = self._rules()
        overdue = RungSpec(
            name=SUBMISSION_ALERT,
            light=Light.RED,
            after_due=0,
            actions=[Action.NOTIFY_OFFICER, Action.NOTIFY_SUPERVISOR],
        )
        period = rules.reply.model_copy(
            update={"basis": f"{rules.reply.basis}（自提交申请之日起，内部督办）"}
        )
        self._start(SUBMISSION_ALERT, period, self.inp.received_at, rungs=[overdue])

    def _closing_remedy(self, now: datetime) -> str:
        """The remedy clause of a letter that closes the application without a reply (视为放弃
        申请, 不再处理): the same as the reply's (行政复议法 Art. 20; 行政诉讼法 Art. 46)."""
        assert self.outcome is not None
        return self._remedy(self._rules(), self.outcome, local_date(now), "本告知书")

    def _remedy(
        self, rules: DisclosureRules, outcome: Outcome, on: date, document: str = "本答复"
    ) -> str:
        """The remedy clause of a letter dated ``on`` (its windows are those in force then)."""
        return remedy_clause(
            outcome,
            on,
            self.inp.agency.reconsideration_organ,
            self.inp.agency.court,
            rules.remedy_reconsideration.amount,
            rules.remedy_litigation_on(on).amount,
            rules.reconsideration_first_since,
            document=document,
        )

    def _rules(self) -> DisclosureRules:
        assert self.pack is not None and self.pack.disclosure is not None
        return self.pack.disclosure

    def _start_confirmation_clock(self) -> None:
        rules = self._rules()
        overdue = RungSpec(
            name="overdue",
            light=Light.RED,
            after_due=0,
            actions=[Action.NOTIFY_OFFICER, Action.NOTIFY_SUPERVISOR],
        )
        if self.inp.channel is s.Channel.ORDINARY_MAIL:
            # Art. 31(2): confirm with the applicant on the day the letter arrives.
            same_day = Period(
                amount=0, unit=Unit.CALENDAR_DAYS, basis="《政府信息公开条例》第三十一条第二项"
            )
            self._start("confirmation", same_day, self.inp.received_at, rungs=[overdue])
        else:
            self._start(
                "confirmation", rules.online_confirmation, self.inp.received_at, rungs=[overdue]
            )

    async def _tell_applicant(
        self, document: str, seq: int, context: dict[str, Any], message: str
    ) -> None:
        """A notice owed to the applicant: the document, and a message through the outbox."""
        await self._document(
            document,
            seq,
            {"applicant_name": self.inp.applicant.name, "t0": str(self.t0 or "—"), **context},
        )
        title = DOCUMENT_TITLES[document]
        await self._notify_opener(
            seq,
            "applicant",
            self.inp.applicant,
            f"{title} {self.case_no}",
            message,
            link=self._patched(APPLICANT_NOTICES),
        )

    async def _tell_if_moved(self, seq: int) -> None:
        """A pause ended: if the reply date told to the applicant moved, tell them the new one
        (an extension granted during a pause was counted as if the pause ended that day)."""
        reading = self.readings.get("reply")
        if (
            self.told_due is None
            or reading is None
            or reading.due_date is None
            or reading.due_date == self.told_due
            or not self._patched("tell-moved-due")
        ):
            return
        old, self.told_due = self.told_due, reading.due_date
        await self._tell_applicant(
            "deadline_change_notice",
            seq,
            {"old_due": str(old), "new_due": str(reading.due_date)},
            f"您的政府信息公开申请{self.case_no}：征求意见等依法不计入答复期限的期间已结束，"
            f"答复期限由{zh_date(old)}相应调整为{zh_date(reading.due_date)}。",
        )

    async def _message(
        self, seq: int, what: str, body: str, attachment: RenderDocument | None = None
    ) -> None:
        """Tell the applicant (e-mail and SMS, by what they gave), with where to follow the
        case; the outbox keeps that it was sent, or that there was no address."""
        if not self._patched(APPLICANT_NOTICES):
            return
        subject = f"{what} {self.case_no}"
        await self._notify_opener(
            seq, "applicant", self.inp.applicant, subject, body, attachment=attachment
        )

    def _due_told(self, clock: str) -> str:
        """A clock's date as the applicant is told it: a date in a year whose holidays are not
        yet published is an estimate, and says so (LAW.md §6.4(3))."""
        reading = self.readings.get(clock)
        if reading is None or reading.due_date is None:
            return ""
        if reading.provisional:
            return (
                f"{zh_date(reading.due_date)}（{reading.due_date.year}年节假日安排尚未公布，"
                "该日期为预估，公布后可能调整）"
            )
        return zh_date(reading.due_date)

    async def _reply_issued(self, seq: int, letter: dict[str, Any]) -> None:
        """The reply is issued: the applicant is told its outcome, and the letter itself is
        e-mailed when they chose e-mail as the carrier (Art. 29 para 2 item 3)."""
        assert self.reply is not None
        by_email = "电子邮件" in self.inp.delivery and bool(self.inp.applicant.email)
        attachment = (
            RenderDocument(
                case_no=self.case_no,
                name="reply",
                seq=seq,
                at=workflow.now(),
                context=self._document_context(letter),
            )
            if by_email
            else None
        )
        where = (
            "答复书见附件。" if by_email else "答复书可在查询页面查看、下载，或按您选择的方式领取。"
        )
        await self._message(
            seq,
            "答复书",
            f"您的政府信息公开申请{self.case_no}已作出答复：{plain_outcome(self.reply.outcome)}。"
            + where,
            attachment,
        )

    def _applicant_type(self) -> str:
        return self.inp.applicant.type.value

    def _applicant_identity(self) -> ApplicantIdentity:
        a = self.inp.applicant
        return ApplicantIdentity(
            id_type=a.id_type, id_number=a.id_number, name=a.name, phone=a.phone, email=a.email
        )

    def _awaiting(self) -> str:
        return "extension" if self.extension_request is not None else ""

    def _told(self) -> dict[str, date]:
        told = self.told_due or self.receipt_due
        return {"reply": told} if told is not None else {}

    @workflow.query
    def view(self) -> s.CaseView:
        return s.CaseView(
            **self._common_view(),
            channel=self.inp.channel,
            correction_requested=self.correction_requested,
            extended=bool(self.clocks.get("reply") and self.clocks["reply"].extensions),
            replied_at=self.replied_at,
            served_on=self.served_on,
            archived_at=self.archived_at,
            rating=self.rating.score if self.rating else None,
            extension_request=self.extension_request,
            unit=self.unit,
            unit_acknowledged=self.unit_acknowledged,
            moved_to=self.moved_to,
            description=self.inp.description,
            applicant=self._applicant_view(),
            submitted_at=self.inp.received_at,
            converted_from=self.inp.converted_from,
            draft=self._draft_view(),
            working_draft=self.working_draft,
        )

    def _applicant_view(self) -> s.ApplicantView:
        a = self.inp.applicant
        return s.ApplicantView(
            type=a.type,
            type_zh=a.type.zh,
            name=a.name,
            organisation=a.organisation,
            id_type=a.id_type if a.id_number else "",
            id_number_masked=mask_id_number(a.id_number),
            phone=a.phone,
            email=a.email,
            address=a.address,
            form=self.inp.form,
            delivery=self.inp.delivery,
        )

    def _draft_view(self) -> s.DraftView | None:
        if self.reply is None or self.drafted_by is None or self.drafted_at is None:
            return None
        return s.DraftView(
            reply=self.reply,
            digest=reply_digest(self.reply),
            by=self.drafted_by.id,
            by_name=self.drafted_by.name,
            at=self.drafted_at,
            version=self.draft_version,
        )

    def _of_the_unit(self, actor: s.Actor, what: str) -> None:
        self._require(
            actor.role is s.Role.SUPERVISOR or (bool(actor.unit) and actor.unit == self.unit),
            f"本案由{self.unit}承办，只有{self.unit}的人员或负责人可以{what}。",
        )

    def _reply_context(
        self, rules: DisclosureRules, now: datetime, draft: ReplyContent | None = None
    ) -> dict[str, Any]:
        reply = draft or self.reply
        assert reply is not None
        replied_on = local_date(now)
        return {
            "applicant_name": self.inp.applicant.name,
            "t0": str(self.t0),
            "description": self.inp.description,
            "reply": reply.model_dump(),
            "category": SPECS[reply.outcome].category,
            "decision": f"本机关决定：{plain_outcome(reply.outcome)}。",
            "previous_replied_on": (
                str(self.previous_answer.replied_on)
                if self.previous_answer is not None
                and self.previous_answer.case_no == reply.previous_case.strip().upper()
                else ""
            ),
            "legal_basis": legal_basis(reply),
            "remedy": self._remedy(rules, reply.outcome, replied_on),
        }


CHANNEL_ZH = {
    s.Channel.IN_PERSON: "当面提交",
    s.Channel.REGISTERED_MAIL: "邮寄（需签收）",
    s.Channel.ORDINARY_MAIL: "平常信函",
    s.Channel.ONLINE: "互联网渠道",
    s.Channel.FAX: "传真",
}
ANSWER_ZH = {
    s.ConsultationAnswer.CONSENT: "同意公开",
    s.ConsultationAnswer.OBJECTION: "不同意公开",
    s.ConsultationAnswer.OPINION: "提出意见",
}
