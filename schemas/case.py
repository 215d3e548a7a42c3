"""The vocabulary every case kind shares: who acts (Actor, Role), what a case is opened with
(CreateBase, CarryFields, AgencyInfo), what a step sends and answers (ActionBase, FactBase,
ActionResult), what a case records and shows (CaseEvent, Rung, DocumentRef, CaseViewBase), and
the steps every kind has (AssignOfficer). Each kind's own schemas build on these."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from rules.clock import Clock, Reading
from rules.clock_plan import CalendarSnapshot
from rules.limits import AgencyCode, Brief, Instant, Short, ShortReq, email_problem, phone_problem
from rules.packs import Light


class Role(StrEnum):
    @property
    def zh(self) -> str:
        return {
            "officer": "经办人",
            "supervisor": "负责人",
            "admin": "管理员",
            "superadmin": "系统管理员",
            "system": "系统",
            "applicant": "申请人",
        }[self.value]

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"  # administers its agency's users; acts on no case
    SUPERADMIN = "superadmin"  # administers across agencies (users, the calendar); acts on no case
    SYSTEM = "system"
    # The applicant, on the public portal: authenticated there by the case's 查询码, never a
    # user of the system (store/users.py refuses the role).
    APPLICANT = "applicant"


class Actor(BaseModel):
    id: Short
    name: Short
    role: Role
    agency: Short
    unit: Short = ""  # the person's unit (承办单位); "" for the GI office


SYSTEM = Actor(id="system", name="系统", role=Role.SYSTEM, agency="")


def applicant_actor(agency: str) -> Actor:
    """The applicant acting on their own case through the public portal."""
    return Actor(id="applicant", name="申请人", role=Role.APPLICANT, agency=agency)


def contact_problems(phone: str, email: str) -> list[str]:
    """What is mistyped in a person's phone and e-mail as registered (empty: nothing)."""
    return [
        f"{name}: {p}"
        for name, value, check in (("phone", phone, phone_problem), ("email", email, email_problem))
        if value and (p := check(value))
    ]


class AttachmentRef(BaseModel):
    """A file attached to a case, as its history holds it: the content is stored by the
    project (encrypted, under its SHA-256), never in Temporal."""

    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    name: Short
    size: int = Field(ge=1, le=100 * 1024 * 1024)
    media_type: Short


class AgencyInfo(BaseModel):
    """The agency as of T0; the reconsideration organ goes into every remedy clause, the GI
    office's contacts at the foot of every letter (fields are only ever added, with defaults:
    recorded histories decode)."""

    code: str
    name: str
    reconsideration_organ: str
    court: str
    address: str = ""
    phone: str = ""
    hours: str = ""
    fax: str = ""
    email: str = ""
    office_name: str = ""
    officer_email: str = ""
    supervisor_email: str = ""
    head_email: str = ""
    jurisdiction: str = "CN"
    region: str = "CN"
    # Review (审核) and sign-off (签发) by two different people (on unless the agency says not).
    four_eyes: bool = True


class CaseCarry(BaseModel):
    """A case's state carried into a new run of its workflow (continue-as-new), as JSON-ready
    values by attribute name (workflows/casework.py ``_carry``)."""

    state: dict[str, Any]


CARRY_FIELDS = ("carried", "max_history_events", "pack_ref", "pack_on", "calendar")


class CarryFields(BaseModel):
    """What every case kind's start input accepts besides its own fields."""

    carried: CaseCarry | None = None
    # Continue as new after this many history events (default: workflows/casework.py).
    max_history_events: int | None = Field(default=None, ge=50, le=40_000)
    # Decided once, by the API that opened the case (issue 25): the rule pack in force on the
    # day it opened (its ref), and the calendar for the years its clocks will span. A case
    # opened by another case has neither and asks the worker.
    pack_ref: str = Field(default="", max_length=80)
    pack_on: date | None = None
    calendar: CalendarSnapshot | None = None

    @model_serializer(mode="wrap")
    def _case_first(self, handler: SerializerFunctionWrapHandler) -> Any:
        """The kind's own fields first, these last: a supervisor reading a case's input in the
        Temporal UI sees the case, not the calendar it carries."""
        data = handler(self)
        if not isinstance(data, dict):
            return data
        tail = {k: data.pop(k) for k in CARRY_FIELDS if k in data}
        return {**data, **tail}


class CreateBase(BaseModel):
    """A request that opens a case of some kind (the registry names each kind's): unknown
    fields are refused, and it says how it becomes the kind's workflow input."""

    model_config = ConfigDict(extra="forbid")
    agency: AgencyCode = Field(description="the agency's code", title="机关代码")
    # The workflow's input it becomes (``to_input``).
    INPUT: ClassVar[type[CarryFields]]
    INITIAL_STATUS: ClassVar[str]
    # The request's moment that starts the case's clocks (None: now), by its field name; the
    # input's field for the moment the case opened has the same name.
    OPENED_FIELD: ClassVar[str] = "received_at"

    def opened_at(self) -> datetime | None:
        value: datetime | None = getattr(self, self.OPENED_FIELD, None)
        return value

    def other_moments(self) -> dict[str, datetime]:
        """Other moments that may start a clock: checked like the first one."""
        return {}

    def summary(self) -> str:
        raise NotImplementedError

    def natural_key(self) -> str | None:
        """A key that makes the request its own idempotency key (one per agency and year…)."""
        return None

    def problem(self) -> str | None:
        """What the law requires and the request lacks (422), beyond the field checks."""
        return None

    def to_input(self, case_no: str, agency: AgencyInfo, officer: Actor, at: datetime) -> Any:
        """The workflow's input (``INPUT``): the request's fields that the input has, by the
        name the request is sent with (an alias is the input's name: ``summary``), revalidated
        as the input's own types (an ``ApplicantIn`` becomes the workflow's ``Applicant``); the
        case's number, the agency as registered, the 经办人 and the moment the case opened
        (``OPENED_FIELD``) are the API's."""
        fields = self.INPUT.model_fields
        given = {k: v for k, v in self.model_dump(by_alias=True).items() if k in fields}
        own = {"case_no": case_no, "agency": agency, "officer": officer, self.OPENED_FIELD: at}
        return self.INPUT.model_validate({**given, **own})


class ActionBase(BaseModel):
    actor: Actor
    note: Brief = Field("", title="内部备注（可选，不对外）")


class FactBase(ActionBase):
    """An action that records an external fact: when it happened may be earlier than when it is
    typed in, and the clocks use when it happened (not in the future, not before the case's
    previous fact; both instants are kept in the event)."""

    occurred_at: Instant | None = Field(
        default=None,
        description="when it happened (Beijing time if no offset); default: now",
        title="实际发生时间（北京时间，可选；默认为现在）",
    )


class DocumentPreview(BaseModel):
    """A document as a step would issue it now, for the workbench to render before the step is
    taken. Due dates depend on the working-day calendar, which the workflow reads only through
    an activity: ``due`` names the context's fields that take the shown due date of a clock as
    it would run (the API evaluates it on the same calendar); ``derived`` the fields that say
    more of such a clock (paused; a date in a year whose holidays are not yet published)."""

    context: dict[str, Any]
    due: dict[str, Clock] = Field(default_factory=dict)
    # context field → (the field in ``due`` whose clock says it, what it says of that clock)
    derived: dict[str, tuple[str, Literal["paused", "provisional", "provisional_note"]]] = Field(
        default_factory=dict
    )


# Fields of an action's body that the API fills in itself, never from what a caller sends.
FILLED_BY_API = frozenset({"officer_name", "officer_unit", "previous_answer"})


class AssignOfficer(ActionBase):
    """指定或转交经办人 (a supervisor): who handles the case from now on, and why."""

    officer: ShortReq = Field(description="the person's username (用户名)", title="经办人")
    reason: Brief = Field("", title="理由")
    # Filled in by the API from the agency's users (whatever a caller sends is replaced).
    officer_name: Short = ""
    officer_unit: Short = ""


class ActionResult(BaseModel):
    status: str
    seq: int
    message: str


class CaseEvent(BaseModel):
    """One business event, as it appears in the timeline and the read model. ``at`` is when it
    was recorded; ``occurred_at``, when given, when the fact it records happened."""

    seq: int
    at: datetime
    occurred_at: datetime | None = None
    kind: str
    actor_id: str
    actor_name: str
    status: str
    summary: str
    data: dict[str, object] = Field(default_factory=dict)


class Rung(BaseModel):
    clock: str
    rung: str
    light: Light
    fired_at: datetime


class DocumentRef(BaseModel):
    name: str
    title: str
    seq: int


class CaseViewBase(BaseModel):
    """What every case kind's ``view`` query returns, at least."""

    case_no: str
    kind: str
    agency: str
    officer: str
    officer_name: str = ""  # 经办人 ("" while nobody has taken the case)
    status: str
    status_zh: str
    light: Light
    t0: date | None
    rule_pack: str
    due_at: datetime | None
    provisional: bool
    outcome: str | None
    readings: dict[str, Reading]
    clocks: dict[str, Clock]
    fired: list[Rung]
    documents: list[DocumentRef]
    events: list[CaseEvent]
