"""The escalation loop's moments: the next statutory moment, each rung once, lights, notifications
and urging notices, the inactivity reminder.

A layer of :class:`workflows.casework.CaseWorkflow` (read it bottom-up: state, record, clocks,
escalation, guards, then the lifecycle in casework.py)."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from rules.calendar import local_date
    from rules.packs import Action
    from schemas import case as s
    from schemas.deadlines import (
        CalendarChange,
    )
    from schemas.registry import RUNG_ZH

from workflows.case_clocks import CaseClocks
from workflows.case_state import LAPSE, RECHECK


class CaseEscalation(CaseClocks):
    """The escalation loop's moments."""

    def _next_wake(self) -> datetime | None:
        times = [
            m.at
            for name, ms in self.milestones.items()
            if self._watching(name)
            for m in ms
            if m.at is not None and self._key(name, m.rung) not in self.fired_keys
        ]
        if self.inactivity_at is not None and self._inactivity_key() not in self.fired_keys:
            times.append(self.inactivity_at)
        return min(times) if times else None

    async def _on_time(self) -> None:
        now = workflow.now()
        changed, self.calendar_dirty = self.calendar_dirty, False
        if changed and self._patched("calendar-moves-recorded"):
            change, self.calendar_change = self.calendar_change, None
            await self._recalculate(change or CalendarChange(reason="工作日历已更新"))
            now = workflow.now()
            changed = False
        elif self._due_now(now) and self._patched(RECHECK):
            # A rung is about to fire: if the calendar is not the one the case was planned on
            # (a change has not reached this case yet), plan again, so that nobody is escalated
            # on a date that no longer holds; a move is recorded as a calendar change's would be.
            # A check that fails for good is recorded and the rung fires on the plan it has.
            try:
                if await self._calendar_moved():
                    changed = bool(await self._replan(CalendarChange(reason="工作日历已更新")))
            except ActivityError as exc:
                self._fault("replan", exc)
            now = workflow.now()
        for name, ms in list(self.milestones.items()):
            for m in ms:
                if (
                    m.at is not None
                    and m.at <= now
                    and self._watching(name)
                    and self._key(name, m.rung) not in self.fired_keys
                ):
                    await self._fire(name, m.rung, m.at)
                    changed = True
        escalation = self._escalation()
        inactivity = escalation.inactivity if escalation else None
        if (
            inactivity is not None
            and self.inactivity_at is not None
            and self.inactivity_at <= now
            and self._inactivity_key() not in self.fired_keys
            and self._is_open()
        ):
            self.fired_keys.add(self._inactivity_key())
            seq = self._event(
                "inactivity",
                s.SYSTEM,
                f"经办人已{inactivity.working_days}个工作日未办理本案，已提醒。",
            )
            await self._actions(inactivity.actions, "inactivity", seq, self.DUE_CLOCKS[0])
            changed = True
        if changed:
            await self._refresh()

    def _due_now(self, now: datetime) -> bool:
        wake = self._next_wake()
        return wake is not None and wake <= now

    def _key(self, clock: str, rung: str) -> str:
        """A rung fires once per run of a clock: a restarted (re-anchored) clock runs anew."""
        c = self.clocks.get(clock)
        anchor = c.anchor_at.isoformat() if c else ""
        return f"{self.case_no}:{clock}:{anchor}:{rung}"

    def _inactivity_key(self) -> str:
        return f"{self.case_no}:inactivity:{self.last_action_seq}"

    async def _fire(self, clock_name: str, rung_name: str, statutory_at: datetime) -> None:
        self.fired_keys.add(self._key(clock_name, rung_name))
        if rung_name == LAPSE:
            await self._lapse(clock_name)
            return
        spec = next(r for r in self.rungs[clock_name] if r.name == rung_name)
        self.fired.append(
            s.Rung(clock=clock_name, rung=rung_name, light=spec.light, fired_at=workflow.now())
        )
        reading = self.readings.get(clock_name)
        internal = ""
        if reading is not None and reading.provisional and reading.internal_due_at is not None:
            internal = f"，按内部期限{local_date(reading.internal_due_at)}督办：节假日安排尚未公布"
        seq = self._event(
            "escalation",
            s.SYSTEM,
            f"{self._clock_zh(clock_name)}（{self._due_text(clock_name)}届满{internal}）督办："
            f"{RUNG_ZH.get(rung_name, rung_name)}",
            clock=clock_name,
            rung=rung_name,
            light=spec.light.value,
            # The rung's own instant, for the escalation-lag metric (gongkai/metrics.py).
            statutory_at=statutory_at.isoformat(),
        )
        await self._actions(spec.actions, rung_name, seq, clock_name)

    async def _actions(self, actions: list[Action], rung: str, seq: int, clock_name: str) -> None:
        reading = self.readings.get(clock_name)
        due = self._due_text(clock_name)
        what = self._clock_zh(clock_name)
        subject = f"【{RUNG_ZH.get(rung, rung)}】{self.case_no} {what}{due}"
        body = (
            f"{self.SPEC.noun_zh}{self.case_no}（经办人{self.officer.name}，状态：{self.status.zh}）"
            f"{what}于{due}届满。请及时办理。"
        )
        recipients = {
            Action.NOTIFY_OFFICER: ("officer", self.agency.officer_email),
            Action.NOTIFY_SUPERVISOR: ("supervisor", self.agency.supervisor_email),
            Action.NOTIFY_HEAD: ("head", self.agency.head_email),
        }
        for action in actions:
            key = f"{self.case_no}:{seq}:{action.value}"
            if action is Action.URGING_NOTICE:
                overdue = (
                    reading is not None
                    and reading.due_at is not None
                    and workflow.now() > reading.due_at
                )
                await self._document(
                    "urging_notice",
                    seq,
                    {
                        "kind_zh": self.SPEC.noun_zh,
                        "unit": self.unit or self.agency.name,
                        "t0": str(self.t0 or "—"),
                        "officer": self.officer.name,
                        "clock_zh": what,
                        "due": due,
                        "status_zh": self.status.zh,
                        "overdue": overdue,
                        "rung": RUNG_ZH.get(rung, rung),
                        "basis": self.clocks[clock_name].basis if clock_name in self.clocks else "",
                    },
                )
                await self._notify(
                    key,
                    "supervisor",
                    self.agency.supervisor_email,
                    f"催办通知书 {self.case_no}",
                    body,
                )
            else:
                role, address = recipients[action]
                await self._notify(key, role, address, subject, body)
