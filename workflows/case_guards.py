"""The guards of every step: one turn at a time, the validator checked in turn, the 经办人 taken or
named, who may act in which status, when a fact happened.

A layer of :class:`workflows.casework.CaseWorkflow` (read it bottom-up: state, record, clocks,
escalation, guards, then the lifecycle in casework.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas import case as s
    from schemas.registry import ActionSpec

from workflows.case_escalation import CaseEscalation
from workflows.case_state import (
    FIRST_TURN,
    NOT_A_CLAIM,
    OFFICER_CLAIM,
    IllegalAction,
    IncompleteAction,
    local_tz,
)


class CaseGuards(CaseEscalation):
    """The guards of every step."""

    @asynccontextmanager
    async def _turn(self, validator: Any, arg: Any) -> AsyncIterator[None]:
        """An update's turn at the case: updates wait for one another, and a validator that
        passed on arrival is checked again now, since an update ahead of this one may have
        changed the case (200 concurrent "accept"s: one is applied, the rest refused). One that
        came before the case's first turn (workflows/first_turn.py) waits for it."""
        # What the validator saw on arrival (it ran just before this, in the same task); none
        # if the case had not started (the validator was deferred to this turn).
        seen = (self.event_seq, self.status) if self.started else None
        if not self.started and self._patched(FIRST_TURN):
            await workflow.wait_condition(lambda: self.started)
        async with self.lock:
            # Histories from before replay as they ran; checked again only if the case has
            # moved since (the validator is pure: checking or not records nothing).
            if self._patched("validate-in-turn") and (self.event_seq, self.status) != seen:
                validator(arg)
            actor = getattr(arg, "actor", None)
            if isinstance(actor, s.Actor):
                self._claim(validator.__name__.removeprefix("_v_"), actor)
            yield
            await self._flush_documents()

    def _claim(self, update: str, actor: s.Actor) -> None:
        """A case nobody handles yet (the public opened it on the portal) becomes the case of
        whoever takes its first step — an officer, or a supervisor taking an officer's step —
        unless a supervisor names someone (``assign_officer``); recorded as an event (GIDR Art.
        45: 登记、审核、办理 by a named person)."""
        if self.officer.id or actor.role not in (s.Role.OFFICER, s.Role.SUPERVISOR):
            return
        spec = next((a for a in self.SPEC.actions if a.update == update), None)
        if spec is None or update in NOT_A_CLAIM or s.Role.OFFICER not in spec.roles:
            return
        if not self._patched(OFFICER_CLAIM):
            return
        self.officer = actor
        self._event(
            "officer_assigned",
            actor,
            f"{actor.name}办理本案（{spec.zh}），成为本案经办人。",
            officer=actor.id,
        )

    @workflow.update
    async def assign_officer(self, a: s.AssignOfficer) -> s.ActionResult:
        """指定 / 转交经办人: a supervisor names who handles the case from now on."""
        async with self._turn(self._v_assign_officer, a):
            before = self.officer
            self.officer = s.Actor(
                id=a.officer,
                name=a.officer_name,
                role=s.Role.OFFICER,
                agency=self.agency.code,
                unit=a.officer_unit,
            )
            verb = (
                f"将本案转交{a.officer_name}办理（原经办人{before.name}）"
                if before.id
                else (f"指定{a.officer_name}为本案经办人")
            )
            why = f"：{a.reason}" if a.reason.strip() else "。"
            return await self._act(
                "officer_assigned",
                a.actor,
                f"{a.actor.name}{verb}{why}",
                officer=a.officer,
                previous=before.id,
            )

    @assign_officer.validator
    def _v_assign_officer(self, a: s.AssignOfficer) -> None:
        self._allowed("assign_officer", a.actor)
        if not a.officer_name.strip():
            raise IncompleteAction("请从本机关的经办人、负责人中选择经办人。")
        self._require(a.officer != self.officer.id, f"{a.officer_name}已是本案经办人。")

    def _in(self, action: str, *allowed: Any) -> None:
        if self.status not in allowed:
            names = "、".join(a.zh for a in allowed)
            raise IllegalAction(
                f"“{action}”不能在案件状态“{self.status.zh}”下进行；只能在以下状态进行：{names}。"
            )

    def _allowed(self, update: str, actor: s.Actor) -> ActionSpec:
        """Who may take this step, and in which statuses (schemas/registry.py): the case's
        agency, the action's roles, the case's current status."""
        spec = self.SPEC.action_for_update(update)
        self._same_agency(actor)
        refusal = spec.refusal(self.SPEC, actor.role, self.status.value)
        if refusal is not None:
            raise IllegalAction(refusal)
        return spec

    def _same_agency(self, actor: s.Actor) -> None:
        if actor.agency != self.agency.code:
            raise IllegalAction("只能办理本机关的案件。")
        if actor.role not in (s.Role.OFFICER, s.Role.SUPERVISOR, s.Role.APPLICANT):
            raise IllegalAction("管理员负责管理系统，不办理案件；请由本机关经办人或负责人办理。")

    def _supervisor(self, actor: s.Actor, what: str) -> None:
        """The head of the GI office (负责人) of this agency: an administrator operates the system
        and approves nothing (GIDR Art. 33 para 2)."""
        self._same_agency(actor)
        if actor.role is not s.Role.SUPERVISOR:
            raise IllegalAction(f"{what}须经本机关政府信息公开工作机构负责人批准。")

    def _fact_at(
        self, occurred_at: datetime | None, what: str, not_before: datetime | None = None
    ) -> datetime:
        """When a recorded fact happened: given (not in the future, not before the case's
        previous fact or ``not_before``) or now."""
        now = workflow.now()
        if occurred_at is None:
            return now
        if occurred_at.tzinfo is None:
            raise IncompleteAction(f"{what}的时间须带时区（北京时间）。")
        local = occurred_at.astimezone(local_tz())
        if occurred_at > now:
            raise IncompleteAction(
                f"{what}的时间（{local:%Y-%m-%d %H:%M}）在未来，请填写实际发生的时间。"
            )
        floor = max(self.last_fact_at, not_before) if not_before else self.last_fact_at
        if occurred_at < floor:
            raise IncompleteAction(
                f"{what}的时间（{local:%Y-%m-%d %H:%M}）早于本案此前记录的事实"
                f"（{floor.astimezone(local_tz()):%Y-%m-%d %H:%M}），请核对。"
            )
        return occurred_at
