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

from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.cases import DOCUMENT_TITLES, CaseActivities
    from rules import clock as clk
    from rules.calendar import SHANGHAI, local_date, zh_date
    from rules.clock import Unit
    from rules.outcomes import (
        SPECS,
        Outcome,
        ReplyContent,
        legal_basis,
        missing_content,
        plain_outcome,
        remedy_clause,
        reply_digest,
    )
    from rules.packs import Action, DisclosureRules, Light, Period
    from rules.packs import Rung as RungSpec
    from rules.personal import mask_id_number
    from schemas import disclosure as s
    from schemas import proactive as pr
    from schemas import registry
    from schemas.activities import ApplicantIdentity, ArchiveCase, NewCaseNumber, RenderDocument
    from workflows.casework import (
        ACTIVITY_TIMEOUT,
        APPLICANT_NOTICES,
        DOCS_DATED,
        DOCS_PROJECTED,
        ONE_STEP,
        RETRY,
        CaseWorkflow,
        IllegalAction,
        IncompleteAction,
    )
    from workflows.proactive import ProactiveItemWorkflow

__all__ = ["DisclosureRequestWorkflow", "IllegalAction", "IncompleteAction"]

# Issue 24: an unpaid fee closes the application with a written notice and its remedies.
CLOSING_NOTICE = "closing-notice-with-remedies"
# Issue 24: an online or fax application confirmed days after it was sent is watched, inside the
# agency, on 20 working days from its submission as well (Art. 31(3): T0 stays the confirmation).
SUBMISSION_ALERT = "from_submission"
SUBMISSION_PATCH = "reply-from-submission"


@workflow.defn
class DisclosureRequestWorkflow(CaseWorkflow):
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

    @workflow.init
    def __init__(self, inp: s.DisclosureRequestInput) -> None:
        self.inp = inp
        self._setup(
            inp.case_no,
            inp.agency,
            inp.officer,
            inp.received_at,
            s.Status.RECEIVED,
            inp.description,
        )
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

    @workflow.run
    async def run(self, inp: s.DisclosureRequestInput) -> s.CaseView:
        if inp.carried is not None:  # continued as new: the state travels along
            self._restore(inp.carried)
        else:
            async with self.lock:
                await self._load_pack(inp.received_at)
                self._event(
                    "received",
                    inp.officer,
                    f"收到申请（{_CHANNEL_ZH[inp.channel]}）：{inp.description}",
                    channel=inp.channel.value,
                )
                if inp.channel.needs_confirmation and inp.confirmed_at is None:
                    self._start_confirmation_clock()
                    await self._refresh()
                else:
                    # Art. 31: in person → the day of submission; registered mail → the day the
                    # agency signed for it; online/fax confirmed at conversion → the
                    # confirmation day.
                    t0_at = inp.confirmed_at or inp.signed_for_at or inp.received_at
                    await self._register(t0_at, inp.officer)
        await self._loop(inp)
        return self.view()

    def _is_open(self) -> bool:
        return self.status in s.OPEN_FOR_REPLY

    async def _lapse(self, clock_name: str) -> None:
        """A statutory window ran out (LAW.md §1.2 'On expiry')."""
        now = workflow.now()
        if clock_name == "correction_period":
            # A2: no correction → deemed abandoned (视为放弃申请), closed as OTHER.no_correction.
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
        elif clock_name == "consultation" and self.consultation is not None:
            kind = self.consultation.kind
            if not self.consultation_window:
                seq = self._event(
                    "consultation_overdue",
                    s.SYSTEM,
                    f"{self.consultation.party}未在催办期限内回复，已提醒催办。",
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
                    f"第三方{self.consultation.party}逾期未提出意见，由本机关依照条例规定"
                    "决定是否公开（条例第三十二条）；答复期限恢复计算。"
                )
            else:
                summary = (
                    f"共同制作机关{self.consultation.party}逾期未提出意见，视为同意公开"
                    "（条例第三十四条）；答复期限恢复计算。"
                )
            seq = self._event("consultation_lapsed", s.SYSTEM, summary, consultation=kind.value)
            if self.told_due is not None and self._patched("tell-moved-due"):
                await self._refresh()
                await self._tell_if_moved(seq)
        elif clock_name == "fee":
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
        elif clock_name == "remedy_litigation":
            self._stop("remedy_reconsideration", "救济期限届满")
            self._stop("remedy_litigation", "救济期限届满")
            self._event(
                "remedy_window_closed", s.SYSTEM, "申请人申请行政复议、提起行政诉讼的期限均已届满。"
            )
            self.done = True

    # -- helpers -------------------------------------------------------------------------

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
        rules = self._rules()
        on = local_date(now)
        assert self.outcome is not None
        return remedy_clause(
            self.outcome,
            on,
            self.inp.agency.reconsideration_organ,
            self.inp.agency.court,
            rules.remedy_reconsideration.amount,
            rules.remedy_litigation_on(on).amount,
            rules.reconsideration_first_since,
            document="本告知书",
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
        await self._notify(
            f"{self.case_no}:{seq}:applicant",
            "applicant",
            self.inp.applicant.email,
            f"{title} {self.case_no}",
            message,
            phone=self.inp.applicant.phone,
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
        a = self.inp.applicant
        await self._notify(
            f"{self.case_no}:{seq}:applicant",
            "applicant",
            a.email,
            f"{what} {self.case_no}",
            body,
            phone=a.phone,
            link=True,
            attachment=attachment,
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

    async def _register(self, t0_at: datetime, actor: s.Actor) -> None:
        if local_date(t0_at) != local_date(self.inp.received_at) and self._patched("pack-by-t0"):
            # LAW.md §1.5: the rules in force on T0, not on the day the letter arrived.
            await self._load_pack(t0_at)
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
        submitted = local_date(self.inp.received_at)
        late = self.inp.channel.needs_confirmation and submitted < self.t0
        delay = (
            f"申请人于{submitted}提交（{_CHANNEL_ZH[self.inp.channel]}），本机关于{self.t0}确认收到，"
            f"确认晚于提交{(self.t0 - submitted).days}日（条例第三十一条第三项：以双方确认之日为"
            "收到申请之日）。"
            if late
            else ""
        )
        self._start_submission_alert(t0_at)
        data: dict[str, Any] = {"t0": self.t0.isoformat()}
        if late:
            data["submitted"] = submitted.isoformat()
        seq = self._event(
            "registered",
            actor,
            f"登记，收到申请之日（T0）为{self.t0}。{delay}",
            None,
            **data,
        )
        receipt = {
            "applicant_name": self.inp.applicant.name,
            "channel_zh": _CHANNEL_ZH[self.inp.channel],
            "t0": str(self.t0),
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
            sent = f"您于{zh_date(submitted)}提交的" if submitted != self.t0 else "您的"
            await self._message(
                seq,
                "申请已登记",
                f"{sent}政府信息公开申请已登记，查询号{self.case_no}，收到申请之日为"
                f"{zh_date(self.t0)}。" + (f"本机关将于{due}前答复。" if due else ""),
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
                "channel_zh": _CHANNEL_ZH[self.inp.channel],
                "t0": str(self.t0),
                "description": self.inp.description,
                "reply_due": str(reply.due_date),
                "reply_basis": rules.reply.basis,
                "provisional": reply.provisional,
                "provisional_note": "；".join(reply.explanation.lines[-2:-1]),
            },
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

    # -- queries -------------------------------------------------------------------------

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

    # -- officer actions: each update sits right above its validator ----------------------

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

    def _of_the_unit(self, actor: s.Actor, what: str) -> None:
        self._require(
            actor.role is s.Role.SUPERVISOR or (bool(actor.unit) and actor.unit == self.unit),
            f"本案由{self.unit}承办，只有{self.unit}的人员或负责人可以{what}。",
        )

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
                f"收到{self.consultation.party}的意见（{_ANSWER_ZH[a.answer]}），{effect}。",
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
        await self._notify(
            f"{self.inp.case_no}:{result.seq}:applicant",
            "applicant",
            self.inp.applicant.email,
            f"延期答复告知书 {self.inp.case_no}",
            f"您的政府信息公开申请{self.inp.case_no}答复期限延长至"
            f"{zh_date(new_due) if new_due else '—'}{pending}。"
            f"理由：{reason}",
            phone=self.inp.applicant.phone,
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

    @workflow.update
    async def save_draft(self, a: s.SaveDraft) -> s.ActionResult:
        async with self._turn(self._v_save_draft, a):
            self.working_draft = a.reply
            return await self._act(
                "reply_draft_saved",
                a.actor,
                f"保存答复草稿（拟{plain_outcome(a.reply.outcome)}）。",
                outcome=a.reply.outcome.value,
            )

    @save_draft.validator
    def _v_save_draft(self, a: s.SaveDraft) -> None:
        self._allowed("save_draft", a.actor)

    @workflow.update
    async def submit_for_review(self, a: s.SubmitForReview) -> s.ActionResult:
        async with self._turn(self._v_submit_for_review, a):
            self.reply = a.reply
            self.previous_answer = a.previous_answer
            self.working_draft = None
            self.drafted_by, self.drafted_at = a.actor, workflow.now()
            self.draft_version += 1
            self.status = s.Status.REVIEW
            return await self._act(
                "submitted_for_review",
                a.actor,
                f"拟答复：{plain_outcome(a.reply.outcome)}（第{self.draft_version}稿），提交审核。",
                outcome=a.reply.outcome.value,
                draft_digest=reply_digest(a.reply),
                draft_version=self.draft_version,
            )

    @submit_for_review.validator
    def _v_submit_for_review(self, a: s.SubmitForReview) -> None:
        self._allowed("submit_for_review", a.actor)
        if a.reply.outcome in (Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_FEE_UNPAID):
            raise IllegalAction("该处理结果由系统在期限届满时自动作出，不能拟办。")
        if a.reply.outcome is Outcome.UNABLE_STILL_UNCLEAR and not self.corrected:
            raise IllegalAction("“补正后申请内容仍不明确”只适用于已经补正的申请（条例第三十条）。")
        missing = missing_content(a.reply)
        if missing:
            raise IncompleteAction("答复内容不完整，缺少：" + "；".join(missing) + "。")
        if a.reply.outcome is Outcome.NOT_PROCESSED_REPEAT:
            cited = a.reply.previous_case.strip().upper()
            checked = a.previous_answer
            if checked is None or checked.case_no != cited or cited == self.case_no:
                # The API checks the cited case in the read model (store/applicants.py) and
                # sends what it found; a reply citing anything else is not sent.
                raise IncompleteAction(
                    "重复申请须引用本申请人此前向本机关提出、本机关已经答复的申请，所引案件未经核对"
                    "（《政府信息公开条例》第三十六条第（六）项）。"
                )

    @workflow.update
    async def review(self, a: s.Review) -> s.ActionResult:
        async with self._turn(self._v_review, a):
            assert self.reply is not None
            digest = reply_digest(self.reply)
            if a.approve:
                self.reviewed_by = a.actor.id
                self.status = s.Status.SIGN_OFF
                return await self._act(
                    "reviewed",
                    a.actor,
                    f"审核通过（含保密审查），报请签发（第{self.draft_version}稿，"
                    f"文稿指纹{digest[:12]}）。",
                    confidentiality_reviewed=a.confidentiality_reviewed,
                    draft_digest=digest,
                )
            self.status = s.Status.ASSIGNED
            return await self._act(
                "review_returned", a.actor, f"审核退回：{a.comments}", draft_digest=digest
            )

    @review.validator
    def _v_review(self, a: s.Review) -> None:
        self._allowed("review", a.actor)
        self._read_this_draft(a.draft_digest)
        assert self.reply is not None
        discloses = self.reply.outcome in (Outcome.GRANTED, Outcome.PARTIAL)
        if a.approve and discloses and not a.confidentiality_reviewed:
            raise IncompleteAction(
                "公开前应当依照保密法律法规进行审查（条例第十七条），请确认已完成保密审查。"
            )
        if not a.approve and not a.comments.strip():
            raise IncompleteAction("退回须写明意见。")

    @workflow.update
    async def sign_off(self, a: s.SignOff) -> s.ActionResult:
        async with self._turn(self._v_sign_off, a):
            assert self.reply is not None
            digest = reply_digest(self.reply)
            if not a.approve:
                self.status = s.Status.ASSIGNED
                return await self._act(
                    "sign_off_returned", a.actor, f"签发退回：{a.comments}", draft_digest=digest
                )
            rules = self._rules()
            now = workflow.now()
            self._stop("reply", "已答复")
            self.outcome = self.reply.outcome
            self.replied_at = now
            self.status = s.Status.REPLIED
            result = await self._act(
                "replied",
                a.actor,
                f"签发，作出答复：{plain_outcome(self.reply.outcome)}"
                f"（第{self.draft_version}稿，文稿指纹{digest[:12]}）。",
                outcome=self.reply.outcome.value,
                draft_digest=digest,
            )
            letter = self._reply_context(rules, now)
            await self._document("reply", result.seq, letter)
            await self._reply_issued(result.seq, letter)
            return result

    @sign_off.validator
    def _v_sign_off(self, a: s.SignOff) -> None:
        self._allowed("sign_off", a.actor)
        self._read_this_draft(a.draft_digest)
        if self.agency.four_eyes and a.approve and a.actor.id == self.reviewed_by:
            raise IllegalAction(
                "审核与签发须由两名不同的负责人完成（四眼原则）：本答复由您审核，请由另一位负责人签发。"
            )

    def _read_this_draft(self, digest: str) -> None:
        """The approver read the draft that is under review now (its fingerprint, sent by the
        workbench's form), not an earlier one that has since been returned and redrafted."""
        if self.reply is not None and digest and digest != reply_digest(self.reply):
            raise IllegalAction(
                f"拟答复书已修改（现为第{self.draft_version}稿），与您阅读的文稿不同："
                "请重新打开本案，阅读现在的拟答复书后再办理。"
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
            "remedy": remedy_clause(
                reply.outcome,
                replied_on,
                self.inp.agency.reconsideration_organ,
                self.inp.agency.court,
                rules.remedy_reconsideration.amount,
                rules.remedy_litigation_on(replied_on).amount,
                rules.reconsideration_first_since,
            ),
        }

    # -- previews: a step's document as it would be issued now (queries: nothing changes) ------

    @workflow.query
    def preview_reply(self, body: dict[str, Any]) -> s.DocumentPreview:
        """The reply letter as ``submit-for-review`` → sign-off would issue it with this draft."""
        draft = ReplyContent.model_validate(body["reply"])
        return s.DocumentPreview(
            context=self._document_context(
                self._reply_context(self._rules(), workflow.now(), draft)
            )
        )

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
                    "channel_zh": _CHANNEL_ZH[self.inp.channel],
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
    async def move_to_proactive(self, a: pr.MoveToProactive) -> s.ActionResult:
        async with self._turn(self._v_move_to_proactive, a):
            now = workflow.now()
            case_no = await workflow.execute_activity_method(
                CaseActivities.new_case_number,
                NewCaseNumber(
                    agency=self.agency.code,
                    at=now,
                    key=f"proactive:{self.case_no}",
                    kind=registry.PROACTIVE.kind,
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=RETRY,
            )
            await workflow.start_child_workflow(
                ProactiveItemWorkflow.run,
                pr.ItemInput(
                    case_no=case_no,
                    agency=self.agency,
                    officer=a.actor,
                    title=a.title,
                    category=a.category,
                    attribute=pr.Attribute.PROACTIVE,
                    content=a.content,
                    # The 目录's 生成日期 is when the information was formed; the 20 WD run
                    # from the day it is moved (Art. 44).
                    formed_on=a.formed_on,
                    clock_from=local_date(now),
                    from_request=self.case_no,
                    registered_at=now,
                ),
                id=case_no,
                parent_close_policy=ParentClosePolicy.ABANDON,
                execution_timeout=None,
                task_timeout=timedelta(seconds=10),
            )
            self.moved_to = case_no
            return await self._act(
                "moved_to_proactive",
                a.actor,
                f"所答复的信息纳入主动公开（条例第四十四条），登记为{case_no}，20个工作日内公开。",
                proactive_case=case_no,
            )

    @move_to_proactive.validator
    def _v_move_to_proactive(self, a: pr.MoveToProactive) -> None:
        self._allowed("move_to_proactive", a.actor)
        self._require(self.moved_to is None, f"已纳入主动公开（{self.moved_to}）。")
        self._require(
            self.outcome in (Outcome.GRANTED, Outcome.PARTIAL),
            "只有予以公开或部分公开的信息才可以纳入主动公开（条例第四十四条：属于可以公开的）。",
        )
        if a.formed_on > local_date(workflow.now()):
            raise IncompleteAction(
                f"该政府信息的形成日期（{a.formed_on}）在未来：请填写该信息实际形成之日。"
            )

    @workflow.update
    async def serve(self, a: s.Serve) -> s.ActionResult:
        async with self._turn(self._v_serve, a):
            rules = self._rules()
            served = a.served_on or local_date(workflow.now())
            self.served_on = served
            anchor = datetime.combine(served, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=12)
            replied_on = local_date(self.replied_at or workflow.now())
            self._start("remedy_reconsideration", rules.remedy_reconsideration, anchor)
            self._start(
                "remedy_litigation",
                rules.remedy_litigation_on(replied_on),
                anchor,
                rungs=[self._lapse_rung()],
            )
            self.status = s.Status.REMEDY_WINDOW
            result = await self._act(
                "served",
                a.actor,
                f"{served}以{a.method}方式送达答复书。",
                method=a.method,
                served_on=served.isoformat(),
            )
            await self._message(
                result.seq,
                "答复书送达",
                f"您的政府信息公开申请{self.case_no}的答复书已于{zh_date(served)}以{a.method}"
                "方式送达。如对答复不服，可依答复书所载途径和期限申请行政复议或者提起行政诉讼。",
            )
            return result

    @serve.validator
    def _v_serve(self, a: s.Serve) -> None:
        self._allowed("serve", a.actor)
        if a.served_on is not None:
            assert self.replied_at is not None
            if a.served_on < local_date(self.replied_at) or a.served_on > local_date(
                workflow.now()
            ):
                raise IncompleteAction("送达日期不能早于答复日期，也不能晚于今天。")

    @workflow.update
    async def archive(self, a: s.Archive) -> s.ActionResult:
        async with self._turn(self._v_archive, a):
            closing = self.status in s.CLOSED_WITHOUT_REPLY
            self.status = s.Status.ARCHIVED
            self.archived_at = workflow.now()
            result = await self._act("archived", a.actor, "归档（条例第四十五条）。")
            await workflow.execute_activity_method(
                CaseActivities.archive_case,
                ArchiveCase(
                    case_no=self.inp.case_no,
                    view_json=self.view().model_dump_json(),
                    at=workflow.now(),
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=RETRY,
            )
            if closing or not self._watching("remedy_litigation"):
                self.done = True
            return result

    @archive.validator
    def _v_archive(self, a: s.Archive) -> None:
        self._same_agency(a.actor)
        if self.status in (s.Status.REPLIED, *s.OPEN_FOR_REPLY, s.Status.RECEIVED):
            raise IllegalAction(
                "答复送达前不能归档：归档材料应包括答复书和送达证明（条例第四十五条）。"
            )
        self._allowed("archive", a.actor)

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

    # -- the applicant's own steps, on the public portal -------------------------------------

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
            return s.Revealed(**result.model_dump(), id_number=self.inp.applicant.id_number)

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


_CHANNEL_ZH = {
    s.Channel.IN_PERSON: "当面提交",
    s.Channel.REGISTERED_MAIL: "邮寄（需签收）",
    s.Channel.ORDINARY_MAIL: "平常信函",
    s.Channel.ONLINE: "互联网渠道",
    s.Channel.FAX: "传真",
}
_ANSWER_ZH = {
    s.ConsultationAnswer.CONSENT: "同意公开",
    s.ConsultationAnswer.OBJECTION: "不同意公开",
    s.ConsultationAnswer.OPINION: "提出意见",
}
