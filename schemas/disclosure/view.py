"""What the agency's staff see of an on-request disclosure case: its live view (the workflow's
``view`` query), with the applicant, the draft under review and a pending extension."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from rules.outcomes import Outcome, ReplyContent
from schemas.case import CaseViewBase
from schemas.disclosure.application import ApplicantType, Channel, Status
from schemas.disclosure.steps import Satisfaction


class ExtensionRequest(BaseModel):
    working_days: int
    reason: str
    by: str
    by_name: str
    at: datetime


class ApplicantView(BaseModel):
    """The applicant as the agency's staff see them (never a public page): whom to contact,
    verify and post to; the identity number masked (``reveal-identity`` shows it, recorded)."""

    type: ApplicantType
    type_zh: str
    name: str
    organisation: str = ""
    id_type: str = ""
    id_number_masked: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    form: str = ""  # 获取信息的方式 (Art. 29 para 2 item 3)
    delivery: str = ""  # 获取信息的载体


class DraftView(BaseModel):
    """The reply as drafted and submitted for review: what the reviewer and the signer read,
    and its fingerprint (recorded with each approval)."""

    reply: ReplyContent
    digest: str
    by: str
    by_name: str
    at: datetime
    version: int


class CaseView(CaseViewBase):
    """The live state of an on-request disclosure case."""

    kind: Literal["disclosure"] = "disclosure"
    status: Status
    outcome: Outcome | None
    channel: Channel
    correction_requested: bool
    extended: bool
    replied_at: datetime | None
    served_on: date | None
    archived_at: datetime | None
    rating: Satisfaction | None = None
    extension_request: ExtensionRequest | None = None  # waiting for the supervisor
    unit: str = ""  # the unit handling it (拟办, 转办)
    unit_acknowledged: bool = False  # 签收 by that unit
    moved_to: str | None = None  # Art. 44: the proactive item it was moved into
    # What the staff must see to decide (never on a public page): who applied, what they asked
    # for, and the draft under review.
    description: str = ""
    applicant: ApplicantView | None = None
    submitted_at: datetime | None = None  # when it arrived (online: before T0, Art. 31(3))
    converted_from: str | None = None
    draft: DraftView | None = None
    working_draft: ReplyContent | None = None  # saved, not yet submitted for review
