"""How every case kind opens a case and runs it, written once: a kind's workflow subclasses
:class:`KindWorkflow`, opens its state with :meth:`KindWorkflow._open` in its ``__init__``, and in
its ``run`` hands :meth:`KindWorkflow._run_case` the instant whose rule pack it follows; what a
new case does first (its T0, its first clocks and event, the first plan) is its ``_begin``.

Pure Python around the case machinery: the commands a case records (the pack's local activity,
then whatever ``_begin`` records, then the loop) are those each kind recorded before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar, cast

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from schemas.activities import NewCaseNumber, RenderDocument
    from schemas.case import Actor, AgencyInfo, CaseCarry, CreateBase
    from schemas.registry import KindSpec
    from workflows.casework import ACTIVITY_TIMEOUT, RETRY, CaseWorkflow

# A child case's first workflow task (the case a kind opens for another, by type name).
CHILD_TASK_TIMEOUT = timedelta(seconds=10)


class CaseInput(Protocol):
    """What every kind's workflow input carries (schemas/<kind>.py)."""

    case_no: str
    agency: AgencyInfo
    officer: Actor
    carried: CaseCarry | None


class Contact(Protocol):
    """How the person who opened a case can be reached (an applicant, a message's author)."""

    @property
    def email(self) -> str: ...

    @property
    def phone(self) -> str: ...


InputT = TypeVar("InputT", bound=CaseInput)


class KindWorkflow(CaseWorkflow, Generic[InputT]):
    """Base of every kind's workflow (not a workflow itself), typed by the kind's input."""

    inp: InputT

    def _open(self, inp: InputT, summary: str) -> None:
        """The case's state when its input arrives (the workflow's ``__init__``): its first status
        and the moment that opened it are the registry's (the create body's ``INITIAL_STATUS``
        and ``OPENED_FIELD``, which ``to_input`` fills under the same name)."""
        self.inp = inp
        create = cast("type[CreateBase]", self.SPEC.create)
        opened: datetime = getattr(inp, create.OPENED_FIELD)
        status = self.SPEC.status(create.INITIAL_STATUS)
        self._setup(inp.case_no, inp.agency, inp.officer, opened, status, summary)

    async def _run_case(self, inp: InputT, pack_on: datetime) -> None:
        """Begin the case on the rule pack in force at ``pack_on`` — or take up the state a
        previous run carried (continue-as-new) — then follow it until it is done."""
        if inp.carried is not None:  # continued as new: the state travels along
            self._restore(inp.carried)
        else:
            async with self.lock:
                await self._load_pack(pack_on)
                await self._begin(inp)
        await self._loop(inp)

    async def _begin(self, inp: InputT) -> None:
        """A new case, its pack loaded and its lock held: its T0, first clocks and first event,
        and the first plan (``_refresh``)."""
        raise NotImplementedError

    async def _notify_opener(
        self,
        seq: int,
        role: str,
        contact: Contact,
        subject: str,
        body: str,
        *,
        link: bool = True,
        attachment: RenderDocument | None = None,
    ) -> None:
        """Tell the person who opened the case, by the e-mail and phone they gave, about the
        event ``seq`` (once: the outbox keys it by case, event and role); ``link``: with the way
        to follow the case."""
        await self._notify(
            f"{self.case_no}:{seq}:{role}",
            role,
            contact.email,
            subject,
            body,
            phone=contact.phone,
            link=link,
            attachment=attachment,
        )

    async def _open_child_case(
        self, spec: KindSpec, key: str, make_input: Callable[[str], Any]
    ) -> str:
        """Open a case of another kind from this one (an inquiry that is really an application,
        information moved into proactive disclosure): its number, then its workflow started by
        the registry's type name (kinds do not import each other) and left running on its own.
        ``make_input`` builds the child's input from its case number; the number is returned."""
        case_no: str = await workflow.execute_activity_method(
            CaseActivities.new_case_number,
            NewCaseNumber(agency=self.agency.code, at=workflow.now(), key=key, kind=spec.kind),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )
        await workflow.start_child_workflow(
            spec.workflow.partition(":")[2],
            make_input(case_no),
            id=case_no,
            parent_close_policy=ParentClosePolicy.ABANDON,
            execution_timeout=None,
            task_timeout=CHILD_TASK_TIMEOUT,
        )
        return case_no
