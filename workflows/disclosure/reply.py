"""The reply (审核、签发、答复、送达、归档; GIDR Arts. 17, 36–39, 44, 45): the draft, its
review and sign-off on the letter read, service, archiving, and moving the information into
proactive disclosure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from rules.calendar import SHANGHAI, local_date, zh_date
    from rules.outcomes import (
        Outcome,
        ReplyContent,
        missing_content,
        plain_outcome,
        reply_digest,
    )
    from schemas import disclosure as s
    from schemas import proactive as pr
    from schemas import registry
    from schemas.activities import ArchiveCase
    from workflows.casework import (
        ACTIVITY_TIMEOUT,
        RETRY,
        IllegalAction,
        IncompleteAction,
    )


from workflows.disclosure.base import DisclosureBase


class Reply(DisclosureBase):
    """The reply (审核、签发、答复、送达、归档; GIDR Arts. 17, 36–39, 44, 45)."""

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

    @workflow.query
    def preview_reply(self, body: dict[str, Any]) -> s.DocumentPreview:
        """The reply letter as ``submit-for-review`` → sign-off would issue it with this draft."""
        draft = ReplyContent.model_validate(body["reply"])
        return s.DocumentPreview(
            context=self._document_context(
                self._reply_context(self._rules(), workflow.now(), draft)
            )
        )

    @workflow.update
    async def move_to_proactive(self, a: pr.MoveToProactive) -> s.ActionResult:
        async with self._turn(self._v_move_to_proactive, a):
            now = workflow.now()
            case_no = await self._open_child_case(
                registry.PROACTIVE,
                f"proactive:{self.case_no}",
                lambda case_no: pr.ItemInput(
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
