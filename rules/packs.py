"""Rule packs: every statutory period and escalation threshold, as validated data.

A pack is a TOML file in ``rules/packs/`` (and, for an installation's local packs, in the
directory named by ``GONGKAI_RULE_PACK_DIR``) for one jurisdiction and a span of receipt dates.
Workflows never hold a statutory number as a literal: they ask for the pack that governs the
case (:func:`select_pack`) and read it.
Local packs (e.g. ``CN-44`` for Guangdong) override the national one where they apply.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.clock import ClockPolicy, Unit

PACK_DIR = Path(__file__).parent / "packs"
CaseKind = Literal["disclosure", "consultation", "emergency", "inquiry", "proactive", "obligations"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    amount: int = Field(ge=0)
    unit: Unit
    basis: str
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.amount}{self.unit.zh}"


class DatedPeriod(Period):
    """A period as it stood until a date (a law revised later, e.g. 行政诉讼法 1989 → 2015)."""

    until: date


class Action(StrEnum):
    NOTIFY_OFFICER = "notify_officer"
    NOTIFY_SUPERVISOR = "notify_supervisor"
    NOTIFY_HEAD = "notify_head"
    URGING_NOTICE = "urging_notice"  # 催办通知书


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Rung(_Strict):
    """One step of an escalation ladder; fires once per case and clock."""

    name: str
    light: Light
    # Exactly one trigger: a number of units consumed, a fraction of the period elapsed, or
    # units after the due date (0 = as soon as the due instant has passed).
    at_consumed: int | None = Field(default=None, ge=1)
    at_fraction: float | None = Field(default=None, gt=0, lt=1)
    after_due: int | None = Field(default=None, ge=0)
    actions: list[Action] = Field(default_factory=list)
    # "超过N个工作日" is counted in working days: the rung turns at 00:00 of the next working day
    # (the (N+1)-th), never on a rest day (LAW.md §4 D1, issue 24).
    on_working_day: bool = False

    @model_validator(mode="after")
    def _one_trigger(self) -> Rung:
        given = [x for x in (self.at_consumed, self.at_fraction, self.after_due) if x is not None]
        if len(given) != 1:
            raise ValueError(
                f"rung {self.name!r}: give exactly one of at_consumed / at_fraction / after_due"
            )
        return self


class Inactivity(_Strict):
    """No officer action for this many working days → these actions (once per quiet spell)."""

    working_days: int = Field(ge=1)
    actions: list[Action]


class Escalation(_Strict):
    rungs: list[Rung]
    inactivity: Inactivity | None = None


class DisclosureRules(_Strict):
    """GIDR (政府信息公开条例) — LAW.md §1.2, rows A1–A12."""

    reply: Period
    extension: Period
    max_extensions: int = Field(ge=0)
    correction_notice_window: Period | None = None
    correction_notice_warning_day: int | None = None
    correction_period_default: Period
    third_party_consultation: Period | None = None
    co_producer_consultation: Period | None = None
    other_agency_chase: Period
    fee_payment: Period
    explanation_excludes_clock: bool
    online_confirmation: Period
    remedy_reconsideration: Period
    remedy_litigation: Period
    # Earlier versions of the litigation period, by the last reply date they governed: the law
    # in force on the reply date applies (LAW.md §1.5 transitional rule).
    remedy_litigation_earlier: list[DatedPeriod] = Field(default_factory=list)
    remedy_litigation_after_reconsideration: Period
    remedy_without_notice: Period
    reconsideration_first_since: date | None = None
    pause_resume_day_counts: bool = False
    # Art. 30 (2019): the reply period waits for the correction and restarts from it. The 2008
    # text (Art. 21(4), 更改、补充) has no such rule: the period runs on.
    correction_restarts_reply: bool = True
    # Art. 33 para 3 (2019): time spent consulting other agencies (co-producers, Art. 17
    # referrals) is excluded. Not before 2019 (2008 Art. 24 excluded only the third party's).
    other_agencies_excluded: bool = True
    escalation: Escalation

    def remedy_litigation_on(self, reply_date: date) -> Period:
        for earlier in sorted(self.remedy_litigation_earlier, key=lambda p: p.until):
            if reply_date <= earlier.until:
                return Period(
                    amount=earlier.amount, unit=earlier.unit, basis=earlier.basis, note=earlier.note
                )
        return self.remedy_litigation


class ConsultationRules(_Strict):
    """Decree 713 (重大行政决策程序暂行条例) — LAW.md §2."""

    comment_period: Period
    hearing_materials_before: Period
    legality_review: Period
    publication: Period
    escalation: Escalation


class EmergencyRules(_Strict):
    """国办发〔2016〕61号 / 80号 — LAW.md §3. Hours, 24×7."""

    authoritative_release: Period
    press_conference: Period
    other_concern: Period
    follow_up_interval: Period
    press_conference_quarter: Period | None = None
    escalation: Escalation


class InquiryRules(_Strict):
    """Local rules (seed: Zhaoqing 2013) — LAW.md §4. Every number is configuration."""

    consultation_reply: Period
    suggestion_reply: Period
    suggestion_complex_reply: Period
    error_report_reply: Period
    reprint_target: Period | None = None
    reprint_reply: Period | None = None
    petition_notice: Period | None = None
    escalation: Escalation


class ProactiveRules(_Strict):
    """主动公开 (GIDR Arts. 19-26, 44; 80号 on policy interpretation) — LAW.md §6A."""

    publication: Period  # Art. 26: within 20 WD of being formed or changed
    # A policy's interpretation: published with the policy (True, 同步: 80号), or within
    # ``interpretation`` after it (a local pack's choice [L], e.g. 3 working days).
    interpretation_with_policy: bool = True
    interpretation: Period | None = None
    escalation: Escalation

    @model_validator(mode="after")
    def _a_window_when_not_with_the_policy(self) -> ProactiveRules:
        if not self.interpretation_with_policy and self.interpretation is None:
            raise ValueError("interpretation_with_policy = false needs the interpretation window")
        return self


class Duty(_Strict):
    """A recurring duty of the agency, one per period: quarterly (due at each quarter's end) or
    yearly (due on ``due_month``/``due_day`` of the year). Its dates are fixed dates, never
    rolled over a rest day (rules/duties.py, LAW.md §6B)."""

    key: str = Field(pattern=r"^[a-z_]{2,40}$")
    name: str
    every: Literal["quarter", "year"]
    due_month: int = Field(default=12, ge=1, le=12)
    due_day: int = Field(default=31, ge=1, le=31)
    # A window within the year ("每年5月份": opens_month = 5, due 31 May); none: from 1 January.
    opens_month: int | None = Field(default=None, ge=1, le=12)
    # At least this many recorded facts in each period ("每年至少3次").
    times: int = Field(default=1, ge=1, le=52)
    # Only for the government's competent GI department (GIDR Art. 49 ¶2: the government-wide
    # report by 31 March); a plan says whether its agency is one.
    competent_department_only: bool = False
    basis: str

    @model_validator(mode="after")
    def _window_inside_the_year(self) -> Duty:
        if self.opens_month is not None and (
            self.every != "year" or self.opens_month > self.due_month
        ):
            raise ValueError(f"duty {self.key!r}: opens_month: a yearly window, before its due")
        return self


class ObligationRules(_Strict):
    """The agency's recurring duties (LAW.md §6A P8, P11): each period tracked on the calendar,
    escalated when missed, satisfied by a recorded event with its evidence."""

    duties: list[Duty] = Field(min_length=1)
    escalation: Escalation


class RulePack(_Strict):
    id: str
    version: str
    title: str
    jurisdiction: str
    effective_from: date
    effective_until: date | None = None
    provisional_margin: int = Field(default=2, ge=0)
    sources: list[str] = Field(default_factory=list)
    disclosure: DisclosureRules | None = None
    consultation: ConsultationRules | None = None
    emergency: EmergencyRules | None = None
    inquiry: InquiryRules | None = None
    proactive: ProactiveRules | None = None
    obligations: ObligationRules | None = None

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def covers(self, jurisdiction: str, on: date) -> bool:
        in_force = self.effective_from <= on and (
            self.effective_until is None or on <= self.effective_until
        )
        return in_force and (
            jurisdiction == self.jurisdiction or jurisdiction.startswith(self.jurisdiction + "-")
        )

    def policy(self, period: Period, *, extension: Period | None = None) -> ClockPolicy:
        """The clock policy for a period of this pack."""
        resume_counts = self.disclosure.pause_resume_day_counts if self.disclosure else False
        return ClockPolicy(
            max_extensions=self.disclosure.max_extensions if extension and self.disclosure else 0,
            extension_cap=extension.amount if extension else 0,
            resume_day_counts=resume_counts,
            provisional_margin=self.provisional_margin,
        )


class RulePackError(LookupError):
    pass


def load_pack(path: Path) -> RulePack:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    try:
        return RulePack.model_validate(data)
    except ValueError as exc:
        raise RulePackError(f"rule pack {path.name} is invalid: {exc}") from exc


def load_packs(directory: Path | None = None) -> tuple[RulePack, ...]:
    """The packs of ``directory``; by default the built-in ones and the installation's local
    ones (``GONGKAI_RULE_PACK_DIR``)."""
    if directory is not None:
        return _load_dirs((directory,))
    local = os.environ.get("GONGKAI_RULE_PACK_DIR")
    return _load_dirs((PACK_DIR, Path(local)) if local else (PACK_DIR,))


@lru_cache(maxsize=8)
def _load_dirs(directories: tuple[Path, ...]) -> tuple[RulePack, ...]:
    packs = tuple(load_pack(p) for d in directories for p in sorted(d.glob("*.toml")))
    ids = [p.ref for p in packs]
    if len(set(ids)) != len(ids):
        raise RulePackError(f"duplicate rule pack ids in {directories}: {ids}")
    return packs


def pack_by_ref(ref: str) -> RulePack:
    """The pack ``id@version`` among those loaded. A released version never changes and is
    never removed (a correction is a new version): a case that recorded a ref replays with the
    same pack."""
    for pack in load_packs():
        if pack.ref == ref:
            return pack
    raise RulePackError(f"rule pack {ref} is not installed (a released version must stay)")


def select_pack(
    kind: CaseKind,
    jurisdiction: str,
    on: date,
    packs: Iterable[RulePack] | None = None,
) -> RulePack:
    """The pack that governs a case of ``kind`` received ``on`` in ``jurisdiction``: the most
    specific jurisdiction first, then the newest pack in force on that date (the law in force at
    T0 applies, LAW.md §1.5)."""
    candidates = [
        p
        for p in (packs if packs is not None else load_packs())
        if getattr(p, kind) is not None and p.covers(jurisdiction, on)
    ]
    if not candidates:
        raise RulePackError(
            f"没有适用于{on.isoformat()}、{jurisdiction}的{kind}规则包"
            f"（No rule pack covers {kind} cases in {jurisdiction} on {on.isoformat()}）。"
        )
    return max(
        candidates, key=lambda p: (len(p.jurisdiction), p.effective_from, _version_key(p.version))
    )


def _version_key(version: str) -> tuple[int, ...]:
    """ "2026.2" after "2026.1" (a correction released the same day as what it corrects)."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))
