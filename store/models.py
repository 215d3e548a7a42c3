"""Read-model tables (SQLModel). Alembic owns the schema: change a table here, then add a
migration under ``store/migrations/versions``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class CalendarYear(SQLModel, table=True):
    """A year made official by an imported State Council notice (LAW.md §6.4)."""

    __tablename__ = "calendar_year"
    __table_args__ = (UniqueConstraint("region", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    region: str = Field(index=True, max_length=16)
    year: int
    status: str = Field(max_length=16)  # official | provisional
    source: str = Field(max_length=500)
    edited_by: str = Field(max_length=100)
    edited_at: datetime


class CalendarDay(SQLModel, table=True):
    """One exceptional day from an imported notice or an administrator's override.

    Rows are never updated: a later row for the same day wins, so the table is its own audit
    trail (who set what, when, from which source, and why)."""

    __tablename__ = "calendar_day"

    id: int | None = Field(default=None, primary_key=True)
    region: str = Field(index=True, max_length=16)
    day: date = Field(index=True)
    kind: str = Field(max_length=16)  # holiday | makeup_workday
    name: str = Field(default="", max_length=200)
    origin: str = Field(max_length=16)  # import | override
    source: str = Field(max_length=500)
    reason: str = Field(default="", max_length=1000)
    edited_by: str = Field(max_length=100)
    edited_at: datetime


class Agency(SQLModel, table=True):
    """An agency handling cases; its reconsideration organ goes into every remedy clause, its
    GI office's contacts into its guide and its letters (store/agencies.py)."""

    __tablename__ = "agency"

    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    # Case numbers read <prefix>-<year>-<serial>, e.g. GK-2026-000123; unique per deployment.
    case_prefix: str = Field(default="GK", unique=True, max_length=16)
    reconsideration_organ: str = Field(max_length=200)
    court: str = Field(max_length=200)
    # The GI office (政府信息公开工作机构) as the guide names it and how to reach it (GIDR
    # Art. 12); an empty name reads "<name>政府信息公开工作机构".
    office_name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=50)
    hours: str = Field(default="", max_length=200)
    fax: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=200)
    website: str = Field(default="", max_length=300)
    # The units (承办单位) the GI office routes cases to: a JSON list of names.
    units: str = "[]"
    # A disabled agency opens no new case; the cases it has run on to their end.
    disabled_at: datetime | None = None
    officer_email: str = Field(default="", max_length=200)
    supervisor_email: str = Field(default="", max_length=200)
    head_email: str = Field(default="", max_length=200)
    jurisdiction: str = Field(default="CN", max_length=16)
    region: str = Field(default="CN", max_length=16)
    # Four eyes: a reply's review (审核) and its sign-off (签发) by two different people.
    four_eyes: bool = True


class CaseNumber(SQLModel, table=True):
    """Case numbers are handed out per agency and year (GK-2026-000123); idempotency keys of
    start requests map to the number they produced."""

    __tablename__ = "case_number"
    __table_args__ = (UniqueConstraint("agency", "year", "serial"),)

    id: int | None = Field(default=None, primary_key=True)
    agency: str = Field(max_length=32)
    year: int
    serial: int
    case_no: str = Field(unique=True, max_length=64)
    # Scoped to the route, the agency and (for a client's key) the user; see api/idempotency.py.
    idempotency_key: str | None = Field(default=None, unique=True, max_length=200)
    request_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime


class CaseNumberBlock(SQLModel, table=True):
    """The next serial of an agency's year not yet reserved by any process (store/cases.py
    reserves them in blocks)."""

    __tablename__ = "case_number_block"

    agency: str = Field(primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    next_serial: int


class CaseRow(SQLModel, table=True):
    """The projection of one case for lists, boards and reports (no personal data)."""

    __tablename__ = "case"
    # The board's (store/board.py, migration 0018): its grouped count reads one covering index
    # in order; its due counts, red list and oldest list seek theirs, in the lists' own order
    # (due dates tie: many fall due at the same end of day).
    __table_args__ = (
        Index("ix_case_board", "status", "agency", "light", "kind", "unit", "t0", "officer"),
        Index("ix_case_due_board", "agency", "internal_due_at", "case_no", "status", "officer"),
        Index("ix_case_light_due", "agency", "light", "internal_due_at", "case_no"),
        Index("ix_case_agency_t0", "agency", "t0", "case_no"),
    )

    case_no: str = Field(primary_key=True, max_length=64)
    kind: str = Field(index=True, max_length=16)
    agency: str = Field(index=True, max_length=32)
    officer: str = Field(index=True, max_length=100)
    status: str = Field(index=True, max_length=32)
    light: str = Field(index=True, max_length=8)
    t0: date | None = None
    # The legal due date (frozen while paused); the board and alerts count from
    # internal_due_at (provisional-year margin; none while paused before the period ran out).
    due_at: datetime | None = Field(default=None, index=True)
    internal_due_at: datetime | None = Field(default=None, index=True)
    provisional: bool = False
    outcome: str | None = Field(default=None, max_length=64)
    # The day (Asia/Shanghai) the case was concluded: reply signed off, deemed abandoned,
    # processing stopped or withdrawn. With t0 it places the case in an annual report (Art. 50).
    concluded_on: date | None = None
    summary: str = Field(default="", max_length=500)
    # The due date's explanation (rules.clock.Explanation, JSON), for the public tracking page.
    due_explanation: str = ""
    unit: str = Field(default="", max_length=100)
    awaiting: str = Field(default="", max_length=32)  # a supervisor's decision owed (inbox)
    applicant_type: str = Field(default="", max_length=16)  # the annual report's column
    last_seq: int = 0
    created_at: datetime
    updated_at: datetime


class CaseClocks(SQLModel, table=True):
    """A case's running clocks as its workflow last planned them (store/recompute.py: JSON of
    region, due clocks, each clock, its due instant and window, the dates told to the
    applicant): a calendar change recomputes every open deadline from here in bulk. Apart from
    the case rows, which the board scans."""

    __tablename__ = "case_clocks"

    case_no: str = Field(primary_key=True, max_length=64)
    clocks: str = ""


class CaseText(SQLModel, table=True):
    """What a case is about, for the officers' search: its summary and the text of its request
    or message as received. Indexed for substrings (migration 0010: FTS5 trigram on SQLite,
    pg_trgm on PostgreSQL); read only within the agency."""

    __tablename__ = "case_text"

    case_no: str = Field(primary_key=True, max_length=64)
    agency: str = Field(index=True, max_length=32)
    text: str = Field(max_length=4000)


class CaseEventRow(SQLModel, table=True):
    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_no", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(index=True, max_length=64)
    seq: int
    at: datetime
    occurred_at: datetime | None = None  # when the recorded fact happened, if earlier
    kind: str = Field(max_length=64)
    actor_id: str = Field(max_length=100)
    actor_name: str = Field(max_length=100)
    status: str = Field(max_length=32)
    summary: str = Field(max_length=2000)
    data: str = Field(default="{}")


class DocumentRow(SQLModel, table=True):
    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("case_no", "name", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(index=True, max_length=64)
    name: str = Field(max_length=64)
    seq: int
    title: str = Field(max_length=200)
    html: str
    created_at: datetime


class OutboxRow(SQLModel, table=True):
    """Notifications to send; the key makes a retried activity a no-op."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)
    case_no: str = Field(index=True, max_length=64)
    recipient_role: str = Field(max_length=32)
    recipient: str = Field(default="", max_length=200)
    subject: str = Field(max_length=300)
    body: str
    # pending | sent | no_address | error | deferred (an SMS waiting for the quiet hours to end)
    status: str = Field(default="pending", max_length=16)
    channel: str = Field(default="email", max_length=8)  # email | sms
    not_before: datetime | None = None
    attempts: int = 0
    error: str = Field(default="", max_length=1000)
    created_at: datetime
    sent_at: datetime | None = None


class ArchiveRow(SQLModel, table=True):
    """The case file exported at archiving: it outlives Temporal's retention."""

    __tablename__ = "archive"

    case_no: str = Field(primary_key=True, max_length=64)
    archived_at: datetime
    history_json: str
    view_json: str


class User(SQLModel, table=True):
    """A person who acts through the API or the dashboard. Only a hash of the token is kept."""

    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=100)
    name: str = Field(max_length=100)
    agency: str = Field(index=True, max_length=32)
    # The unit (科室/业务处室) the person belongs to; "" for the GI office itself.
    unit: str = Field(default="", max_length=100)
    role: str = Field(max_length=16)  # officer | supervisor | admin
    token_hash: str = Field(unique=True, max_length=64)
    token_hint: str = Field(max_length=12)
    disabled: bool = False
    created_at: datetime
    created_by: str = Field(max_length=100)


class PublicComment(SQLModel, table=True):
    """A comment on a published draft decision (Decree 713 Art. 15), from the public endpoint.
    Comments stay here; the workflow only ever sees their count."""

    __tablename__ = "public_comment"

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(index=True, max_length=64)
    at: datetime
    name: str = Field(default="", max_length=100)
    contact: str = Field(default="", max_length=200)
    text: str = Field(max_length=5000)


class IdempotentRequest(SQLModel, table=True):
    """An action sent with an Idempotency-Key: a retry of the same request gets the same answer;
    the same key with another request is refused."""

    __tablename__ = "idempotent_request"

    key_hash: str = Field(primary_key=True, max_length=64)  # route + agency + user + key
    request_hash: str = Field(max_length=64)
    state: str = Field(default="pending", max_length=16)  # pending | sent | done
    status_code: int = 0
    response: str = ""
    created_at: datetime


class WebSession(SQLModel, table=True):
    """A dashboard login: the cookie holds a random session token (only its hash is kept here),
    never the user's API token; logout revokes it, and it expires."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(index=True, max_length=100)
    csrf: str = Field(max_length=64)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class UserAudit(SQLModel, table=True):
    """Who changed a user, when, and how (created, disabled, enabled, token rotated)."""

    __tablename__ = "user_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=100)
    username: str = Field(index=True, max_length=100)
    action: str = Field(max_length=32)
    detail: str = Field(default="", max_length=500)


class PublicAccess(SQLModel, table=True):
    """A case the public can follow: its 查询号 is the case number, its 查询码 a random secret
    shown once to the applicant (only its hash is kept)."""

    __tablename__ = "public_access"

    case_no: str = Field(primary_key=True, max_length=64)
    code_hash: str = Field(max_length=64)
    created_at: datetime


class AccessLock(SQLModel, table=True):
    """Wrong 查询码 for a 查询号 (whether or not the number exists): five lock it for a while."""

    __tablename__ = "access_lock"

    number: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    locked_until: datetime | None = None
    updated_at: datetime


class PublicSession(SQLModel, table=True):
    """An applicant following their case after giving its 查询码 (the cookie holds a random
    token, only its hash is kept), with the CSRF token of its forms; short-lived."""

    __tablename__ = "public_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    case_no: str = Field(index=True, max_length=64)
    csrf: str = Field(max_length=64)
    created_at: datetime
    expires_at: datetime


class AttachmentRow(SQLModel, table=True):
    """A file attached to a case (an application's annex, a correction, an explanation): stored
    by the project under ``var/files``, encrypted with the codec keys, named by the SHA-256 of
    its content; the case's history holds only this reference and digest."""

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("case_no", "digest"),)

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(index=True, max_length=64)
    digest: str = Field(max_length=64)
    name: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    size: int
    purpose: str = Field(max_length=32)  # application | correction | explanation | agency
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime
    # An agency's file made available to the applicant on the portal, by whom and when.
    released_by: str | None = Field(default=None, max_length=100)
    released_at: datetime | None = None


class PublicMessage(SQLModel, table=True):
    """A message left on the portal (网络问政) and whether its author allows it to be published
    with its answer (the public board shows only those, without the author's name)."""

    __tablename__ = "public_message"

    case_no: str = Field(primary_key=True, max_length=64)
    agency: str = Field(index=True, max_length=32)
    category: str = Field(max_length=32)
    subject: str = Field(max_length=200)
    message: str = Field(max_length=2000)
    publish: bool = False
    received_at: datetime


class ApplicantKey(SQLModel, table=True):
    """Who applied, as keyed digests only (GIDR Art. 36(6): a repeat request is the same
    applicant's): one row per digest of a disclosure case's identity document, or of its
    applicant's name with a contact, under each codec-derived key (store/applicants.py,
    docs/security.md). Never the number or the name in clear."""

    __tablename__ = "applicant_key"
    __table_args__ = (UniqueConstraint("case_no", "digest"),)

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(index=True, max_length=64)
    agency: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=16)  # document | contact
    digest: str = Field(index=True, max_length=100)  # <key id>:<hex HMAC-SHA256>


class CatalogueEntry(SQLModel, table=True):
    """The public catalogue (政府信息公开目录, GIDR Art. 12: index, title, summary, date formed):
    one row per published version of a proactive item; a withdrawn item keeps its rows, marked."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (UniqueConstraint("case_no", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(index=True, max_length=64)
    version: int
    agency: str = Field(index=True, max_length=32)
    category: str = Field(index=True, max_length=32)
    title: str = Field(max_length=200)
    document_no: str = Field(default="", max_length=100)
    content: str = Field(default="", max_length=500)
    formed_on: date
    interpretation: str = Field(default="", max_length=500)
    published_at: datetime = Field(index=True)
    channels: str = Field(default="[]", max_length=2000)  # JSON list
    url: str = Field(default="", max_length=200)
    published_by: str = Field(default="", max_length=100)
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = Field(default="", max_length=2000)
    # The annual report's part 二 (国办公开办函〔2021〕30号): 规章 / 行政规范性文件 / 行政处罚 /
    # 行政强制 (doc_kind), the decisions a result publishes (never added up across versions),
    # the administrative fees it reports (元); Art. 26 lateness; 废止 by another document
    # (not the withdrawal of the entry).
    doc_kind: str = Field(default="", max_length=16)
    decisions: int = 0
    fee_amount_yuan: int = Field(default=0, sa_type=BigInteger)
    late: bool = False
    repealed_at: datetime | None = None
    repealed_by: str = Field(default="", max_length=200)


class RemedyRecord(SQLModel, table=True):
    """An administrative reconsideration or suit over a case's handling (the annual report's
    part 四), as the agency learns of it: filed, then decided (维持 / 纠正 / 其他)."""

    __tablename__ = "remedy_record"

    id: int | None = Field(default=None, primary_key=True)
    case_no: str = Field(index=True, max_length=64)
    agency: str = Field(index=True, max_length=32)
    # reconsideration | litigation (without reconsideration) | litigation_after_reconsideration
    proceeding: str = Field(max_length=40)
    result: str = Field(max_length=16)  # upheld | corrected | other | pending
    filed_on: date
    decided_on: date | None = None
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime


class AnnualReportText(SQLModel, table=True):
    """What the supervisor writes into a year's report (parts 一, 五, 六 and the fees of part
    二), and its sign-off: the signed report is kept as published (HTML) on the portal."""

    __tablename__ = "annual_report_text"

    agency: str = Field(primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    overview: str = Field(default="", max_length=5000)
    problems: str = Field(default="", max_length=5000)
    other: str = Field(default="", max_length=5000)
    admin_fees_wan: str = Field(default="", max_length=20)  # 行政事业性收费 本年收费金额（万元）
    updated_by: str = Field(default="", max_length=100)
    updated_at: datetime | None = None
    signed_by: str | None = Field(default=None, max_length=100)
    signed_at: datetime | None = None
    published_html: str = ""
