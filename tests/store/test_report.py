"""The annual report (GIDR Art. 50, 国办公开办函〔2021〕30号 part 三) from a real read model.

Cases are written the way the workflows write them: through the ``project_case`` activity (row +
events), so the reply date comes from the same projection the app uses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

from activities.cases import CaseActivities
from gongkai.settings import Settings
from rules.outcomes import SPECS, Outcome
from schemas.activities import ProjectCase
from schemas.case import CaseEvent
from schemas.cases import CaseSummary
from store.cases import get_case, put_agency
from store.db import alembic_config, make_engine, migrate
from store.models import Agency
from store.report import (
    COLUMNS,
    ROW_OF_OUTCOME,
    ROWS,
    AnnualReport,
    ReportError,
    UnknownAgency,
    annual_report,
    to_csv,
)

AGENCY = "SZ-GT"
OTHER_AGENCY = "HZ-GT"
# The closing event the workflow records for each outcome (workflows/disclosure.py).
CLOSING_EVENT = {
    Outcome.OTHER_NO_CORRECTION: ("deemed_abandoned", "deemed_abandoned"),
    Outcome.OTHER_FEE_UNPAID: ("processing_stopped", "processing_stopped"),
}


class Seeder:
    """Writes cases through the read-model projection, as the workflows do."""

    def __init__(self, engine: Engine) -> None:
        self.acts = CaseActivities(engine, Settings())
        self.env = ActivityEnvironment()
        self.serial = 0
        for code, name, prefix in (
            (AGENCY, "某市规划和自然资源局", "GK"),
            (OTHER_AGENCY, "另一市规划和自然资源局", "HZ"),
        ):
            put_agency(
                engine,
                Agency(
                    code=code,
                    name=name,
                    case_prefix=prefix,
                    reconsideration_organ="某市人民政府",
                    court="某区人民法院",
                ),
            )

    def _project(
        self,
        case_no: str,
        t0: date | None,
        status: str,
        outcome: Outcome | None,
        seq: int,
        kind: str,
        at: datetime,
        agency: str,
        case_kind: str,
    ) -> None:
        self.env.run(
            self.acts.project_case,
            ProjectCase(
                row=CaseSummary(
                    case_no=case_no,
                    kind=case_kind,
                    agency=agency,
                    officer="li",
                    status=status,
                    light="green",
                    t0=t0,
                    outcome=outcome.value if outcome else None,
                ),
                events=[
                    CaseEvent(
                        seq=seq,
                        at=at,
                        kind=kind,
                        actor_id="li",
                        actor_name="李经办",
                        status=status,
                        summary=kind,
                    )
                ],
                at=at,
            ),
        )

    def case(
        self,
        t0: date | None,
        *,
        outcome: Outcome | None = None,
        concluded_at: datetime | None = None,
        withdrawn: bool = False,
        agency: str = AGENCY,
        case_kind: str = "disclosure",
        then: tuple[str, ...] = (),
    ) -> str:
        """One case received on ``t0`` (None: not yet confirmed), concluded at ``concluded_at``
        with ``outcome`` (or withdrawn), then the later events ``then`` (served, archived)."""
        self.serial += 1
        year = t0.year if t0 else 2026
        case_no = f"{'HZ' if agency == OTHER_AGENCY else 'GK'}-{year}-{self.serial:06d}"
        received = datetime(year, 1, 1, tzinfo=UTC) if t0 is None else _utc(t0)
        self._project(case_no, t0, "received", None, 1, "received", received, agency, case_kind)
        if t0 is None:
            return case_no
        self._project(case_no, t0, "assigned", None, 2, "registered", received, agency, case_kind)
        if concluded_at is None:
            return case_no
        if withdrawn:
            kind, status = "withdrawn", "withdrawn"
        else:
            assert outcome is not None
            kind, status = CLOSING_EVENT.get(outcome, ("replied", "replied"))
        self._project(case_no, t0, status, outcome, 3, kind, concluded_at, agency, case_kind)
        for n, later in enumerate(then, start=4):
            later_status = {"served": "remedy_window", "archived": "archived"}[later]
            at = concluded_at + timedelta(days=5 * (n - 3))
            self._project(case_no, t0, later_status, outcome, n, later, at, agency, case_kind)
        return case_no


def _utc(day: date, hour: int = 2) -> datetime:
    """10:00 Beijing time on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def seed_cases(engine: Engine) -> dict[str, str]:
    """Two years of cases of SZ-GT with known outcomes, plus cases that must not be counted.
    Returns the case numbers by name."""
    s = Seeder(engine)
    c: dict[str, str] = {}
    # 2024 → 2025
    c["a0"] = s.case(
        date(2024, 12, 25), outcome=Outcome.UNABLE_NOT_HELD, concluded_at=_utc(date(2025, 1, 5))
    )
    # 2025
    c["a1"] = s.case(
        date(2025, 3, 2), outcome=Outcome.GRANTED, concluded_at=_utc(date(2025, 3, 20))
    )
    c["a2"] = s.case(
        date(2025, 12, 20),
        outcome=Outcome.PARTIAL,
        concluded_at=_utc(date(2026, 1, 10)),
        then=("served", "archived"),
    )
    c["a3"] = s.case(date(2025, 12, 30))  # still open
    # Signed off at 01:30 Beijing time on 1 January 2026: a 2026 reply.
    c["a4"] = s.case(
        date(2025, 12, 31),
        outcome=Outcome.GRANTED,
        concluded_at=datetime(2025, 12, 31, 17, 30, tzinfo=UTC),
    )
    c["a5"] = s.case(date(2025, 6, 1), withdrawn=True, concluded_at=_utc(date(2025, 6, 5)))
    # 2026: one case per outcome code, then a few more
    for i, outcome in enumerate(Outcome):
        t0 = date(2026, 3, 1) + timedelta(days=7 * i)
        c[outcome.value] = s.case(
            t0, outcome=outcome, concluded_at=_utc(t0 + timedelta(days=10)), then=("served",)
        )
    c["b1"] = s.case(
        date(2026, 5, 10), outcome=Outcome.GRANTED, concluded_at=_utc(date(2026, 5, 20))
    )
    c["b2"] = s.case(date(2026, 6, 1), withdrawn=True, concluded_at=_utc(date(2026, 6, 3)))
    c["b3"] = s.case(date(2026, 12, 28))  # still open
    c["b4"] = s.case(
        date(2026, 12, 31), outcome=Outcome.REFUSED_THIRD_PARTY, concluded_at=_utc(date(2027, 1, 5))
    )
    # never counted for SZ-GT: not confirmed (no T0), another agency, another kind
    c["x1"] = s.case(None)
    c["x2"] = s.case(
        date(2026, 4, 1),
        outcome=Outcome.GRANTED,
        concluded_at=_utc(date(2026, 4, 9)),
        agency=OTHER_AGENCY,
    )
    c["x3"] = s.case(
        date(2026, 4, 1),
        outcome=Outcome.GRANTED,
        concluded_at=_utc(date(2026, 4, 9)),
        case_kind="inquiry",
    )
    return c


EXPECTED_2026 = {key: 1 for key in ROW_OF_OUTCOME.values()} | {
    "received": 21 + 4,  # one per outcome code, b1–b4
    "carried_over": 3,  # a2, a3, a4
    "granted": 3,  # GRANTED, b1, a4
    "partial": 2,  # PARTIAL, a2
    "other.other": 2,  # OTHER.other, b2 (withdrawn)
    "total": 25,
    "carried_forward": 3,  # a3, b3, b4
}
EXPECTED_2025 = {
    **{key: 0 for key in ROW_OF_OUTCOME.values()},
    "received": 5,  # a1–a5
    "carried_over": 1,  # a0
    "granted": 1,  # a1
    "unable.not_held": 1,  # a0
    "other.other": 1,  # a5 (withdrawn)
    "total": 3,
    "carried_forward": 3,  # a2, a3, a4
}
AFTER_2026 = date(2027, 1, 20)


@pytest.fixture
def seeded(fresh_engine: Engine) -> tuple[Engine, dict[str, str]]:
    return fresh_engine, seed_cases(fresh_engine)


def _counts(report: AnnualReport) -> dict[str, int]:
    return {line.key: line.count for line in report.lines if line.count is not None}


def _balanced(report: AnnualReport) -> bool:
    return report.count("received") + report.count("carried_over") == report.count(
        "total"
    ) + report.count("carried_forward")


def test_every_outcome_code_has_exactly_one_row() -> None:
    assert set(ROW_OF_OUTCOME) == set(Outcome), "map the new outcome code to a row of the table"
    assert len(set(ROW_OF_OUTCOME.values())) == len(ROW_OF_OUTCOME)
    by_key = {r.key: r for r in ROWS}
    heading = ""
    headings: dict[str, str] = {}
    for r in ROWS:
        if r.level == 1:
            heading = r.label
        headings[r.key] = heading
    for outcome, key in ROW_OF_OUTCOME.items():
        row = by_key[key]
        assert row.counted and row.level in (1, 2)
        # the row is the category the reply letter names (rules/outcomes.py)
        category = SPECS[outcome].category
        assert row.label.split("（区分")[0] in category, (outcome, row.label, category)
        if row.level == 2:
            assert headings[key] in category, (outcome, headings[key], category)


def test_art50_counts_of_2026_with_carried_over_and_forward(
    seeded: tuple[Engine, dict[str, str]],
) -> None:
    engine, c = seeded
    report = annual_report(engine, AGENCY, 2026, AFTER_2026)
    assert _counts(report) == EXPECTED_2026
    assert _balanced(report)
    lines = {line.key: line for line in report.lines}
    assert lines["carried_over"].cases == sorted([c["a2"], c["a3"], c["a4"]])
    assert lines["carried_forward"].cases == sorted([c["a3"], c["b3"], c["b4"]])
    assert c["a4"] in lines["granted"].cases  # signed off on 1 January, Beijing time
    assert lines["other.other"].cases == sorted([c["OTHER.other"], c["b2"]])
    for x in ("x1", "x2", "x3"):
        assert all(c[x] not in line.cases for line in report.lines)
    assert report.year_complete and report.columns == list(COLUMNS)
    assert report.agency_name == "某市规划和自然资源局"
    assert any("自然人" in n for n in report.notes)


def test_art50_counts_of_2025_and_2024(seeded: tuple[Engine, dict[str, str]]) -> None:
    engine, _ = seeded
    report = annual_report(engine, AGENCY, 2025, AFTER_2026)
    assert _counts(report) == EXPECTED_2025
    assert _balanced(report)
    before = annual_report(engine, AGENCY, 2024, AFTER_2026)
    assert before.count("received") == 1 and before.count("carried_forward") == 1
    assert before.count("total") == 0
    # what 2025 carries forward is what 2026 carries over
    assert report.count("carried_forward") == annual_report(engine, AGENCY, 2026, AFTER_2026).count(
        "carried_over"
    )


def test_reply_date_is_the_sign_off_day_and_later_events_keep_it(
    seeded: tuple[Engine, dict[str, str]],
) -> None:
    engine, c = seeded
    a2, a4, a5 = (get_case(engine, c[k]) for k in ("a2", "a4", "a5"))
    assert a2 is not None and a2.status == "archived" and a2.concluded_on == date(2026, 1, 10)
    assert a4 is not None and a4.concluded_on == date(2026, 1, 1)
    assert a5 is not None and a5.concluded_on == date(2025, 6, 5)


def test_other_agency_has_its_own_report(seeded: tuple[Engine, dict[str, str]]) -> None:
    engine, _ = seeded
    report = annual_report(engine, OTHER_AGENCY, 2026, AFTER_2026)
    assert report.count("received") == 1 and report.count("granted") == 1
    assert report.count("total") == 1 and report.count("carried_forward") == 0


def test_year_not_ended_is_flagged(seeded: tuple[Engine, dict[str, str]]) -> None:
    engine, _ = seeded
    report = annual_report(engine, AGENCY, 2026, date(2026, 11, 22))
    assert not report.year_complete
    assert any("尚未结束" in n and "2026-11-22" in n for n in report.notes)


@pytest.mark.parametrize(("year", "words"), [(2018, "first year is 2019"), (2028, "has not begun")])
def test_year_out_of_range_is_refused(fresh_engine: Engine, year: int, words: str) -> None:
    Seeder(fresh_engine)
    with pytest.raises(ReportError, match=words):
        annual_report(fresh_engine, AGENCY, year, AFTER_2026)


def test_unknown_agency_is_refused(fresh_engine: Engine) -> None:
    with pytest.raises(UnknownAgency, match="Unknown agency 'NOPE'"):
        annual_report(fresh_engine, "NOPE", 2026, AFTER_2026)


def test_csv_has_a_header_and_every_row(seeded: tuple[Engine, dict[str, str]]) -> None:
    engine, _ = seeded
    text = to_csv(annual_report(engine, AGENCY, 2026, AFTER_2026))
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "key,项目,自然人,商业企业,科研机构,社会公益组织,法律服务机构,其他,总计"
    assert len(lines) == 1 + len(ROWS)
    assert "received,一、本年新收政府信息公开申请数量,25,0,0,0,0,0,25" in lines
    assert "refused,（三）不予公开,,,,,,," in lines
    assert "total,（七）总计,25,0,0,0,0,0,25" in lines


def test_migration_0005_fills_the_reply_date_of_existing_cases(db_url: str) -> None:
    command.upgrade(alembic_config(db_url), "0004")
    engine = make_engine(db_url)
    at = datetime(2026, 9, 1, tzinfo=UTC)
    case = sa.table(
        "case",
        *(sa.column(n) for n in ("case_no", "kind", "agency", "officer", "status", "light")),
        *(sa.column(n) for n in ("provisional", "summary", "last_seq", "t0")),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    event = sa.table(
        "case_event",
        *(sa.column(n) for n in ("case_no", "seq", "kind", "actor_id", "actor_name")),
        *(sa.column(n) for n in ("status", "summary", "data")),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    common: dict[str, object] = {"kind": "disclosure", "agency": AGENCY, "officer": "li"}
    common |= {"light": "green", "provisional": False, "summary": "", "last_seq": 3}
    common |= {"t0": date(2025, 12, 1), "created_at": at, "updated_at": at}
    ev = {"actor_id": "li", "actor_name": "李", "summary": "", "data": "{}"}
    with engine.begin() as conn:
        conn.execute(case.insert(), [{**common, "case_no": "GK-1", "status": "archived"}])
        conn.execute(case.insert(), [{**common, "case_no": "GK-2", "status": "assigned"}])
        conn.execute(
            event.insert(),
            [
                {**ev, "case_no": no, "seq": seq, "kind": kind, "status": kind, "at": at}
                for no, seq, kind, at in (
                    ("GK-1", 1, "registered", datetime(2025, 12, 1, 2, tzinfo=UTC)),
                    # signed off at 01:30 on 1 January, Beijing time
                    ("GK-1", 2, "replied", datetime(2025, 12, 31, 17, 30, tzinfo=UTC)),
                    ("GK-1", 3, "archived", datetime(2026, 3, 1, 2, tzinfo=UTC)),
                    ("GK-2", 1, "registered", datetime(2025, 12, 1, 2, tzinfo=UTC)),
                )
            ],
        )
    migrate(engine)
    one, two = get_case(engine, "GK-1"), get_case(engine, "GK-2")
    assert one is not None and one.concluded_on == date(2026, 1, 1)
    assert two is not None and two.concluded_on is None
    engine.dispose()


def test_part_three_is_split_by_the_applicants_type() -> None:
    """The 30号 columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计; a row
    from before the type was kept counts as 自然人."""
    from datetime import UTC, datetime

    from store.models import CaseRow
    from store.report import compute

    now = datetime.now(UTC)
    rows = [
        CaseRow(
            case_no=f"GK-2025-{n:06d}",
            kind="disclosure",
            agency=AGENCY,
            officer="li",
            status="archived",
            light="green",
            t0=date(2025, 3, 2),
            concluded_on=date(2025, 3, 20),
            outcome="GRANTED",
            applicant_type=kind,
            created_at=now,
            updated_at=now,
        )
        for n, kind in enumerate(["person", "business", "business", "legal_services", ""], 1)
    ]
    report = compute(rows, 2025, AGENCY, "某局", date(2026, 2, 1))
    granted = next(line for line in report.lines if line.key == "granted")
    assert granted.by_type == [2, 2, 0, 0, 1, 0] and granted.count == 5
    assert "granted,（一）予以公开,2,2,0,0,1,0,5" in to_csv(report).splitlines()
