"""The inputs of the activities (activities/cases.py), shared with the workflows that call them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar, cast

from pydantic import BaseModel, Field, create_model

from rules.clock import Clock, Explanation, Reading
from schemas.case import ActionResult, CaseEvent
from schemas.cases import CaseSummary
from schemas.deadlines import ClockPlanRequest


class RenderDocument(BaseModel):
    case_no: str
    name: str
    seq: int
    context: dict[str, Any]
    at: datetime
    # A clock whose due date the document states (the receipt's reply date): filled in from the
    # plan made in the same step (the workflow's, PlannedClocks), so that issuing it costs no
    # step of its own.
    dated_by: str = ""


class ApplicantIdentity(BaseModel):
    """Who applied (a disclosure case), for the read model's keyed digests only (GIDR Art.
    36(6)); the activity stores the digests, never these values (store/applicants.py)."""

    id_type: str = ""
    id_number: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""


class PlannedClocks(BaseModel):
    """The case's running clocks as the workflow planned them in this step, for the row's copy
    (store/recompute.py) and the documents that state a due date."""

    region: str
    due_clocks: list[str]
    internal_clocks: list[str] = Field(default_factory=list)
    clocks: dict[str, Clock]
    readings: dict[str, Reading]
    # The due dates already told to the applicant, by clock (store/recompute.py).
    told: dict[str, date] = Field(default_factory=dict)


class ProjectCase(BaseModel):
    row: CaseSummary
    events: list[CaseEvent] = Field(default_factory=list)
    at: datetime
    # Why the case's due date is what it is (its first due clock), for the public tracking page.
    explanation: Explanation | None = None
    # Documents issued since the last projection, rendered and stored in the same transaction.
    documents: list[RenderDocument] = Field(default_factory=list)
    # A disclosure case's applicant, digested into the read model (never stored as given).
    applicant: ApplicantIdentity | None = None
    # The plan the workflow made in this step (cases that plan their clocks themselves).
    planned: PlannedClocks | None = None
    # The case's events so far when this view was taken (0: from before answer-first), and
    # whether it is written only if the read model is behind it: an action's answer, which
    # the API writes before it replies, and the workflow's catch-up of the same view (one of
    # the two writes it, whichever comes first; an older view never overwrites a newer row).
    seq: int = 0
    behind_only: bool = False


_ANSWERED: dict[type[BaseModel], type[BaseModel]] = {}
Result = TypeVar("Result", bound=ActionResult)


def answered_type(result: type[Result]) -> type[Result]:
    """An action's result type as the workflow answers it (answer first, project after): the
    same, with the case's new view for the API to write into the read model before it replies.
    The view is never sent on to the caller (api/routes/casework.py returns ``result``'s own
    fields)."""
    if result not in _ANSWERED:
        _ANSWERED[result] = create_model(
            f"{result.__name__}Answered", __base__=result, view=(ProjectCase | None, None)
        )
    return cast("type[Result]", _ANSWERED[result])


def answered(result: Result, view: ProjectCase | None) -> Result:
    """``result``, carrying the case's new ``view`` (see :func:`answered_type`)."""
    values = {k: v for k, v in result if k != "view"}
    return answered_type(type(result))(**values, view=view)


class RefreshCase(BaseModel):
    """Plan every running clock on the calendar and project the case with what the plan gives
    (due date, internal due date, provisional, explanation), in one step."""

    plan: ClockPlanRequest
    project: ProjectCase
    due_clocks: list[str] = Field(description="the kind's due clocks, in order of preference")
    # Clocks that bring the internal due date forward when they run out first (not legal dates).
    internal_clocks: list[str] = Field(default_factory=list)
    # The readings of due clocks no longer running (their last state, for the explanation).
    kept: dict[str, Reading] = Field(default_factory=dict)
    # The due dates already told to the applicant, by clock (a calendar change may not shorten
    # them without an explicit, reasoned override: store/recompute.py).
    told: dict[str, date] = Field(default_factory=dict)


class Notify(BaseModel):
    key: str
    case_no: str
    recipient_role: str
    recipient: str
    subject: str
    body: str
    at: datetime
    phone: str = ""  # also by SMS, when a gateway is configured
    urgent: bool = False  # an emergency's: SMS even in the quiet hours
    # To the applicant or the author of a message: the body ends with where to follow the case
    # (the portal's tracking page, GONGKAI_API_URL).
    link: bool = False
    # A letter delivered by e-mail (the applicant chose 电子邮件 as the carrier): rendered and
    # attached to the e-mail (the SMS says only that it was sent).
    attachment: RenderDocument | None = None


class FlushOutbox(BaseModel):
    at: datetime


class AlertAdmins(BaseModel):
    """An operational alert to the administrators (GONGKAI_ADMIN_EMAIL), once per key."""

    key: str
    topic: str
    subject: str
    body: str
    at: datetime


class CountComments(BaseModel):
    case_no: str


class NewCaseNumber(BaseModel):
    agency: str
    at: datetime
    key: str
    kind: str = "disclosure"  # the kind of the case it opens (its first read-model row)


class Reconcile(BaseModel):
    at: datetime
    grace_minutes: int = 5  # a case registered this recently may not have started yet


class ArchiveCase(BaseModel):
    case_no: str
    view_json: str
    at: datetime


class CatalogueEntryIn(BaseModel):
    """A proactive item's catalogue entry, one per version: published (where, when, by whom)
    or, for the whole item, withdrawn (it stays in the record)."""

    case_no: str
    version: int
    agency: str
    category: str
    title: str
    document_no: str = ""
    content: str = ""
    formed_on: date
    interpretation: str = ""
    published_at: datetime | None = None
    channels: list[str] = Field(default_factory=list)
    url: str = ""
    published_by: str = ""
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = ""
    # Part 二 of the annual report (30号): what it is, decisions published, fees reported.
    doc_kind: str = ""
    decisions: int = 0
    fee_amount_yuan: int = 0
    late: bool = False  # Art. 26: published after its 20 working days
    repealed_at: datetime | None = None  # 废止 (the whole item)
    repealed_by: str = ""
