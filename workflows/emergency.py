"""Emergency releases (突发事件 / 政务舆情): the grade selects the clocks — authoritative
information within 5 hours and a press conference within 24 hours for especially major and major
events (国办发〔2016〕80号, 61号), a response within 48 hours otherwise — then follow-up releases on
a cadence until closed. Hours run 24×7; escalation at fractions of each deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from rules.calendar import local_date
    from rules.packs import Action, EmergencyRules, Light
    from rules.packs import Rung as RungSpec
    from schemas import case as d
    from schemas import emergency as s
    from schemas import registry
    from workflows.casework import IncompleteAction, local_tz
    from workflows.kind import KindWorkflow

FIRST_RELEASE = ("authoritative_release", "response")


@workflow.defn
class EmergencyReleaseWorkflow(KindWorkflow[s.EmergencyInput]):
    SPEC = registry.EMERGENCY
    CARRY: ClassVar[dict[str, Any]] = {
        "releases": list[s.Release],
        "draft": s.SubmitDraft | None,
        "press_conference_at": datetime | None,
    }
    DUE_CLOCKS = ("authoritative_release", "response", "press_conference", "follow_up")

    @workflow.init
    def __init__(self, inp: s.EmergencyInput) -> None:
        self._open(inp, inp.title)
        self.releases: list[s.Release] = []
        self.draft: s.SubmitDraft | None = None
        self.press_conference_at: datetime | None = None

    @workflow.run
    async def run(self, inp: s.EmergencyInput) -> s.EmergencyView:
        await self._run_case(inp, inp.detected_at)
        return self.view()

    async def _begin(self, inp: s.EmergencyInput) -> None:
        rules = self._rules()
        ladder = list(rules.escalation.rungs)
        self.t0 = local_date(inp.detected_at)
        if inp.grade.needs_release_and_press:
            self._start(
                "authoritative_release", rules.authoritative_release, inp.detected_at, rungs=ladder
            )
            self._start("press_conference", rules.press_conference, inp.detected_at, rungs=ladder)
        else:
            self._start("response", rules.other_concern, inp.detected_at, rungs=ladder)
        self._event(
            "detected",
            inp.officer,
            f"发现/确认：{inp.title}（{inp.grade.zh}），启动信息发布。",
            grade=inp.grade.value,
        )
        await self._refresh()

    def _rules(self) -> EmergencyRules:
        assert self.pack is not None and self.pack.emergency is not None
        return self.pack.emergency

    def _is_open(self) -> bool:
        return False  # hour clocks escalate by themselves; no working-day inactivity rule

    async def _lapse(self, clock_name: str) -> None:
        return None

    def _follow_up_clock(self) -> None:
        reminder = RungSpec(
            name="overdue",
            light=Light.YELLOW,
            after_due=0,
            actions=[Action.NOTIFY_OFFICER, Action.NOTIFY_SUPERVISOR],
        )
        self._start("follow_up", self._rules().follow_up_interval, workflow.now(), rungs=[reminder])

    @workflow.query
    def view(self) -> s.EmergencyView:
        return s.EmergencyView(
            **self._common_view(),
            grade=self.inp.grade,
            releases=self.releases,
            draft=self.draft,
            press_conference_at=self.press_conference_at,
        )

    # -- actions ----------------------------------------------------------------------------

    @workflow.update
    async def submit_draft(self, a: s.SubmitDraft) -> d.ActionResult:
        async with self._turn(self._v_submit_draft, a):
            self.draft = a
            self.status = s.EmergencyStatus.AWAITING_APPROVAL
            return await self._act(
                "draft_submitted",
                a.actor,
                f"提交{_KIND_ZH[a.kind]}稿件待审核。",
                release_kind=a.kind.value,
            )

    @submit_draft.validator
    def _v_submit_draft(self, a: s.SubmitDraft) -> None:
        self._allowed("submit_draft", a.actor)
        if a.kind is not s.ReleaseKind.AUTHORITATIVE and not self.releases:
            raise IncompleteAction("首次发布应为权威信息（国办发〔2016〕80号）。")

    @workflow.update
    async def approve_release(self, a: s.ApproveRelease) -> d.ActionResult:
        async with self._turn(self._v_approve_release, a):
            assert self.draft is not None
            if not a.approve:
                self.status = (
                    s.EmergencyStatus.RELEASED if self.releases else s.EmergencyStatus.DRAFTING
                )
                self.draft = None
                return await self._act("release_returned", a.actor, f"稿件退回：{a.comments}")
            draft, self.draft = self.draft, None
            for name in FIRST_RELEASE:
                self._stop(name, "已发布权威信息")
            self._stop("follow_up", "已持续发布")
            self.status = s.EmergencyStatus.RELEASED
            result = await self._act(
                "released",
                a.actor,
                f"经{a.actor.name}审核，通过{a.channel}发布{_KIND_ZH[draft.kind]}。",
                release_kind=draft.kind.value,
            )
            self.releases.append(
                s.Release(
                    seq=result.seq,
                    kind=draft.kind,
                    text=draft.text,
                    at=workflow.now(),
                    approved_by=a.actor.name,
                )
            )
            await self._document(
                "release",
                result.seq,
                {
                    "event_title": self.inp.title,
                    "text": draft.text,
                    "kind_zh": _KIND_ZH[draft.kind],
                    "channel": a.channel,
                },
            )
            self._follow_up_clock()
            await self._refresh()
            return result

    @approve_release.validator
    def _v_approve_release(self, a: s.ApproveRelease) -> None:
        self._allowed("approve_release", a.actor)

    @workflow.update
    async def hold_press_conference(self, a: s.HoldPressConference) -> d.ActionResult:
        async with self._turn(self._v_hold_press_conference, a):
            held = a.occurred_at or workflow.now()
            self._stop("press_conference", "已召开新闻发布会", held)
            self.press_conference_at = held
            return await self._act(
                "press_conference",
                a.actor,
                f"{held.astimezone(local_tz()):%Y-%m-%d %H:%M}在{a.place}召开新闻发布会，"
                f"{a.speaker}发布。",
                a.occurred_at,
            )

    @hold_press_conference.validator
    def _v_hold_press_conference(self, a: s.HoldPressConference) -> None:
        self._allowed("hold_press_conference", a.actor)
        self._require(self.press_conference_at is None, "新闻发布会已召开。")
        self._fact_at(a.occurred_at, "新闻发布会", not_before=self.inp.detected_at)

    @workflow.update
    async def close(self, a: s.CloseEmergency) -> d.ActionResult:
        async with self._turn(self._v_close, a):
            for name in list(self.clocks):
                self._stop(name, "处置结束")
            self.status = s.EmergencyStatus.CLOSED
            self.done = True
            why = (
                f"；未召开新闻发布会的原因：{a.no_press_conference_reason}"
                if self.inp.grade.needs_release_and_press and self.press_conference_at is None
                else ""
            )
            return await self._act("closed", a.actor, f"信息发布工作结束：{a.reason}{why}")

    @close.validator
    def _v_close(self, a: s.CloseEmergency) -> None:
        self._allowed("close", a.actor)
        if (
            self.inp.grade.needs_release_and_press
            and self.press_conference_at is None
            and not a.no_press_conference_reason.strip()
        ):
            raise IncompleteAction(
                "特别重大、重大突发事件应当在24小时内举行新闻发布会（国办发〔2016〕61号）；"
                "尚未召开的，结束处置须由负责人记录未召开的原因（no_press_conference_reason）。"
            )


_KIND_ZH = {
    s.ReleaseKind.AUTHORITATIVE: "权威信息",
    s.ReleaseKind.FOLLOW_UP: "后续进展",
    s.ReleaseKind.CORRECTION: "澄清说明",
}
