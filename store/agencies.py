"""Agencies as administrators keep them: the GI office and its contacts (GIDR Art. 12), the
units cases are routed to, whether the agency takes new cases, and which agencies the public
is offered (the demonstration agency only while no real one exists)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from rules.limits import email_problem, line_problem
from schemas.registry import CLOSED, LOST
from store.cases import put_agency
from store.db import session_scope
from store.models import Agency, CaseRow

# The agency `gongkai up` makes on a fresh install (workers/launcher.py), for trying things out.
DEMO = "DEMO"
MAX_UNITS = 100
UNIT_LENGTH = 100

# What an administrator sets on an agency: its label and its length (the column's).
FIELDS: dict[str, tuple[str, int]] = {
    "name": ("机关名称", 200),
    "reconsideration_organ": ("行政复议机关", 200),
    "court": ("行政诉讼管辖法院", 200),
    "case_prefix": ("案件编号前缀", 16),
    "office_name": ("政府信息公开工作机构名称", 200),
    "address": ("办公地址", 300),
    "phone": ("联系电话", 50),
    "hours": ("办公时间", 200),
    "fax": ("传真号码", 50),
    "email": ("电子邮箱", 200),
    "website": ("网站", 300),
    "officer_email": ("经办人提醒邮箱", 200),
    "supervisor_email": ("负责人提醒邮箱", 200),
    "head_email": ("机关负责人提醒邮箱", 200),
    "jurisdiction": ("适用规则", 16),
    "region": ("工作日历地区", 16),
}
REQUIRED = frozenset({"name", "reconsideration_organ", "court", "case_prefix"})
EMAILS = frozenset({"email", "officer_email", "supervisor_email", "head_email"})
_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
# Shown as a link on the guide: a web address, nothing a browser would run.
_WEBSITE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


class AgencyProblem(ValueError):
    """What an administrator asked for that cannot be stored, one Chinese sentence a line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def problems(values: Mapping[str, Any], units: Sequence[str] | None = None) -> list[str]:
    """What is wrong with the fields an administrator sets (nothing: an empty list)."""
    out: list[str] = []
    for key, value in values.items():
        if key not in FIELDS or not isinstance(value, str):
            continue
        label, limit = FIELDS[key]
        if said := line_problem(value, limit, key in REQUIRED):
            out.append(f"{label}：{said}。")
        elif key in EMAILS and value and (said := email_problem(value)):
            out.append(f"{label}：{said}。")
        elif key == "website" and value and not _WEBSITE.fullmatch(value):
            out.append(f"{label}：须以 http:// 或 https:// 开头（如 https://www.example.gov.cn）。")
    return out + unit_problems(units or [])


def code_problem(code: str) -> str | None:
    if _CODE.fullmatch(code):
        return None
    return f"机关代码“{code[:40]}”无效：只能由1至32个字母、数字、连字符或下划线组成（如 SZ-GT）。"


def unit_problems(units: Sequence[str]) -> list[str]:
    out = [
        f"承办单位“{unit[:20]}”：{said}。"
        for unit in units
        if (said := line_problem(unit, UNIT_LENGTH, required=True))
    ]
    if (n := len(_unique(units))) > MAX_UNITS:
        out.append(f"承办单位：最多{MAX_UNITS}个（现为{n}个）。")
    return out


def units_of(agency: Agency) -> list[str]:
    try:
        stored = json.loads(agency.units or "[]")
    except ValueError:
        return []
    return [u for u in stored if isinstance(u, str)] if isinstance(stored, list) else []


def office_name(agency: Agency) -> str:
    """The GI office's name as the guide and the letters give it."""
    return agency.office_name or f"{agency.name}政府信息公开工作机构"


def add_agency(
    engine: Engine, code: str, values: Mapping[str, Any], units: Sequence[str] = ()
) -> Agency:
    """A new agency; an existing code is refused (changes go through ``update_agency``)."""
    if said := code_problem(code):
        raise AgencyProblem([said])
    with Session(engine) as s:
        if s.get(Agency, code) is not None:
            raise AgencyProblem(
                [f"机关代码“{code}”已存在；修改请用 gongkai agencies update {code}。"]
            )
    if found := problems(values, units):
        raise AgencyProblem(found)
    agency = Agency(code=code, units=_dump(units), **values)
    put_agency(engine, agency)
    return agency


def update_agency(
    engine: Engine, code: str, values: Mapping[str, Any], units: Sequence[str] | None = None
) -> Agency:
    """Change some fields of an agency (the others stay); ``units`` replaces the list."""
    agency = _existing(engine, code)
    if found := problems(values, units):
        raise AgencyProblem(found)
    changes: dict[str, Any] = dict(values)
    if units is not None:
        changes["units"] = _dump(units)
    updated = agency.model_copy(update=changes)
    put_agency(engine, updated)
    return updated


def set_disabled(engine: Engine, code: str, disabled: bool, at: datetime) -> Agency:
    """Disable an agency (it takes no new case; its cases run on) or enable it again."""
    with session_scope(engine) as s:
        agency = s.get(Agency, code)
        if agency is None:
            raise AgencyProblem([_unknown(code)])
        if not disabled:
            agency.disabled_at = None
        elif agency.disabled_at is None:
            agency.disabled_at = at
        s.add(agency)
        s.flush()
        s.refresh(agency)
        return agency


@dataclass(frozen=True)
class AgencyListing:
    agency: Agency
    open_cases: int


def list_agencies(engine: Engine) -> list[AgencyListing]:
    """Every agency, enabled or not, with its number of open cases."""
    with Session(engine) as s:
        agencies = list(s.exec(select(Agency).order_by(col(Agency.code))))
        counts = dict(
            s.exec(
                select(CaseRow.agency, func.count())
                .where(col(CaseRow.status).not_in(sorted(CLOSED | {LOST})))
                .group_by(col(CaseRow.agency))
            ).all()
        )
    return [AgencyListing(a, int(counts.get(a.code, 0))) for a in agencies]


def agency_units(engine: Engine, code: str) -> list[str]:
    """The agency's configured units (承办单位), in the order given; none for an unknown code."""
    with Session(engine) as s:
        agency = s.get(Agency, code)
    return units_of(agency) if agency is not None else []


def public_agencies(engine: Engine) -> list[Agency]:
    """The agencies the public may apply or write to: the enabled ones, without the
    demonstration agency once a real one is enabled."""
    with Session(engine) as s:
        enabled = list(
            s.exec(
                select(Agency).where(col(Agency.disabled_at).is_(None)).order_by(col(Agency.code))
            )
        )
    if any(a.code != DEMO for a in enabled):
        return [a for a in enabled if a.code != DEMO]
    return enabled


def agency_names(engine: Engine) -> dict[str, str]:
    """Every agency's name by code, for what an agency already published (a disabled one too)."""
    with Session(engine) as s:
        return {a.code: a.name for a in s.exec(select(Agency))}


def new_case_refusal(engine: Engine, agency: Agency, public: bool) -> str | None:
    """Why the agency may not open a new case (None: it may). A disabled agency opens none; the
    public may not file with the demonstration agency once a real one is there. Cases already
    open are not concerned."""
    if agency.disabled_at is not None:
        if public:
            return (
                f"{agency.name}已停止在本平台受理新的申请和留言；已受理的案件照常办理，"
                "可凭查询号和查询码查询。请选择其他受理机关。"
            )
        return (
            f"{agency.name}（{agency.code}）已停用，不再登记新案件；已有案件照常办理。"
            f"需要恢复的，请管理员执行 gongkai agencies enable {agency.code}。"
        )
    if public and agency.code == DEMO and all(a.code != DEMO for a in public_agencies(engine)):
        return (
            f"{agency.name}是演示用机关，本平台已有正式受理机关，不以其名义受理公众的申请和留言。"
            "请从列表中选择受理机关。"
        )
    return None


def _existing(engine: Engine, code: str) -> Agency:
    with Session(engine) as s:
        agency = s.get(Agency, code)
    if agency is None:
        raise AgencyProblem([_unknown(code)])
    return agency


def _unknown(code: str) -> str:
    return f"没有机关代码“{code[:40]}”；现有机关见 gongkai agencies list。"


def _unique(units: Sequence[str]) -> list[str]:
    """Each name once, in the order given."""
    return list(dict.fromkeys(u.strip() for u in units))


def _dump(units: Sequence[str]) -> str:
    return json.dumps(_unique(units), ensure_ascii=False)
