"""What a case records and shows: its business events, documents, notifications, the read-model
projection and its search attributes.

A layer of :class:`workflows.casework.CaseWorkflow` (read it bottom-up: state, record, clocks,
escalation, guards, then the lifecycle in casework.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.cases import DOCUMENT_TITLES, CaseActivities
    from rules.calendar import local_date
    from schemas import case as s
    from schemas.activities import (
        Notify,
        PlannedClocks,
        ProjectCase,
        RenderDocument,
    )
    from schemas.cases import CaseSummary
    from schemas.search import (
        GK_AGENCY,
        GK_DUE_AT,
        GK_KIND,
        GK_LIGHT,
        GK_OFFICER,
        GK_STATUS,
    )

from workflows.case_state import (
    ACTIVITY_TIMEOUT,
    ANSWER_FIRST,
    DOCS_PROJECTED,
    INDEX_CHANGED,
    NOTIFY_LOCAL,
    ONE_STEP,
    PLAN_HERE,
    RETRY,
    CaseState,
)


class CaseRecord(CaseState):
    """What a case records and shows."""

    def _event(
        self,
        kind: str,
        actor: s.Actor,
        summary: str,
        occurred_at: datetime | None = None,
        **data: Any,
    ) -> int:
        self.event_seq += 1
        seq = self.event_seq
        if actor.role is not s.Role.SYSTEM and kind != "note":
            self.last_fact_at = max(self.last_fact_at, occurred_at or workflow.now())
        self.events.append(
            s.CaseEvent(
                seq=seq,
                at=workflow.now(),
                occurred_at=occurred_at,
                kind=kind,
                actor_id=actor.id,
                actor_name=actor.name,
                status=self.status,
                summary=summary,
                data=data,
            )
        )
        if actor.role is not s.Role.SYSTEM:
            self.last_action_at = workflow.now()
            self.last_action_seq = seq
        return seq

    def _document_context(self, context: dict[str, Any]) -> dict[str, Any]:
        """What every document of the case says besides its own content."""
        return {
            "case_no": self.case_no,
            "agency": self.agency.model_dump(),
            "issued_on": local_date(workflow.now()).isoformat(),
            **context,
        }

    async def _document(
        self, name: str, seq: int, context: dict[str, Any], dated_by: str = ""
    ) -> None:
        """Issue a document of the case: rendered and stored with the case's next projection,
        before the step that issued it answers (no activity of its own, no second workflow
        task)."""
        doc = RenderDocument(
            case_no=self.case_no,
            name=name,
            seq=seq,
            at=workflow.now(),
            context=self._document_context(context),
            dated_by=dated_by,
        )
        if self._patched(DOCS_PROJECTED):
            self.pending_documents.append(doc)
            self.documents.append(s.DocumentRef(name=name, title=DOCUMENT_TITLES[name], seq=seq))
            return
        ref = await workflow.execute_activity_method(
            CaseActivities.render_document,
            doc,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )
        self.documents.append(ref)

    async def _notify(
        self,
        key: str,
        role: str,
        recipient: str,
        subject: str,
        body: str,
        phone: str = "",
        *,
        link: bool = False,
        attachment: RenderDocument | None = None,
    ) -> None:
        note = Notify(
            key=key,
            case_no=self.case_no,
            recipient_role=role,
            recipient=recipient,
            subject=subject,
            body=body,
            at=workflow.now(),
            phone=phone,
            urgent=self.SPEC.urgent,
            link=link,
            attachment=attachment,
        )
        if self._patched(NOTIFY_LOCAL):
            # Into the outbox (and out, when a gateway is set) from inside the workflow task
            # that decided it: no second workflow task and server round trip per rung.
            await self._local(CaseActivities.notify, note)
            return
        await workflow.execute_activity_method(
            CaseActivities.notify,
            note,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )

    def _fault(self, step: str, exc: ActivityError) -> None:
        cause = exc.cause.message if isinstance(exc.cause, ApplicationError) else str(exc)
        if step in ("project", "refresh"):
            self.pending_documents = []  # not retried at every wake: the fault is recorded
        workflow.logger.error("case step failed for good", extra={"step": step, "cause": cause})
        self._event(
            "system_fault",
            s.SYSTEM,
            f"系统处理失败（{step}）：{cause[:300]}。案件继续办理，请联系系统管理员。",
            step=step,
        )

    def _projection(self) -> tuple[ProjectCase, list[s.CaseEvent]]:
        """The case's row, its events not yet projected and its pending documents."""
        due = self.due_at()
        new = [e for e in self.events if e.seq > self.projected]
        return ProjectCase(
            row=CaseSummary(
                case_no=self.case_no,
                kind=self.KIND,
                agency=self.agency.code,
                officer=self.officer.id,
                status=self.status.value,
                light=self.light().value,
                t0=self.t0,
                due_at=due,
                internal_due_at=self.internal_due_at(),
                provisional=self._provisional(),
                outcome=str(self.outcome.value) if self.outcome is not None else None,
                summary=self.summary[:200],
                unit=self.unit[:100],
                awaiting=self._awaiting(),
                applicant_type=self._applicant_type(),
            ),
            events=new,
            at=workflow.now(),
            explanation=next(
                (self.readings[n].explanation for n in self.DUE_CLOCKS if n in self.readings),
                None,
            ),
            documents=self.pending_documents,
            applicant=self._applicant_identity(),
            seq=self.event_seq if self._patched(ANSWER_FIRST) else 0,
        ), new

    def _planned(self) -> PlannedClocks:
        """The running clocks as planned, for the row's copy and the documents' dates."""
        live = {n: c for n, c in self.clocks.items() if c.stopped_at is None}
        return PlannedClocks(
            region=self.agency.region,
            due_clocks=list(self.DUE_CLOCKS),
            internal_clocks=list(self.INTERNAL_CLOCKS),
            clocks=live,
            readings={n: self.readings[n] for n in live if n in self.readings},
            told=self._told(),
        )

    def _projected(self, new: list[s.CaseEvent]) -> None:
        self.projected = max([self.projected, *(e.seq for e in new)])
        self.pending_documents = []
        if self.catch_up is not None and not self._owed():  # nothing left to catch up
            self.catch_up.cancel()
            self.catch_up = None

    def _owed(self) -> bool:
        """Events answered (ANSWER_FIRST) that the workflow has not yet seen written."""
        return self.projected < self.event_seq

    def _answer(self) -> ProjectCase:
        """The view an action answers with (ANSWER_FIRST): the case as it now stands, for the
        API to write before it replies; the workflow catches it up a moment later, written
        only if the read model is still behind it."""
        self._index()
        projection, _ = self._projection()
        projection.planned = self._planned()
        projection.behind_only = True
        return projection

    def _index(self) -> None:
        """Index the case (search attributes); unchanged ones are not sent again."""
        due = self.due_at()
        horizon = self._horizon_attribute()
        values = (
            self.status.value,
            self.light().value,
            self.officer.id,
            due,
            horizon[0].value if horizon else None,
        )
        if self._patched(INDEX_CHANGED):
            if values == self.indexed_as:
                return
            self.indexed_as = values
        workflow.upsert_search_attributes(
            [
                GK_KIND.value_set(self.KIND),
                GK_AGENCY.value_set(self.agency.code),
                GK_OFFICER.value_set(self.officer.id),
                GK_STATUS.value_set(self.status.value),
                GK_LIGHT.value_set(self.light().value),
                # A closed case keeps its last due date: the board filters on status.
                *([GK_DUE_AT.value_set(due)] if due else []),
                *horizon,
            ]
        )

    async def _project(self, behind_only: bool = False) -> None:
        """Index the case (search attributes) and write its row, new events and new documents to
        the read model (``behind_only``: the catch-up of an answered view)."""
        if self._patched(ONE_STEP):
            projection, new = self._projection()
            if self._patched(PLAN_HERE):
                projection.planned = self._planned()
            projection.behind_only = behind_only
            await self._local(CaseActivities.project_case, projection)
            self._projected(new)
            self._index()
            return
        self._index()
        projection, new = self._projection()
        await self._local(CaseActivities.project_case, projection)
        self._projected(new)
