"""One notice per agency of the due dates a calendar change moved, instead of one per case.

A calendar change can move the deadlines of thousands of open cases at once. Each case records
its own moves in its history (workflows/case_clocks.py); its officers are told once, by this
digest to the agency's officers' mailbox, listing the cases (most urgent first) with their
officer, the clock and old → new. The broadcast then tells the cases ``digested`` (no notice of
their own): ten thousand cases, one e-mail per agency and one local activity fewer per case.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from rules.calendar import local_date
from schemas.activities import Notify
from schemas.registry import labels
from store.models import Agency
from store.recompute import Move, Recomputed
from store.users import user_names

LINES = 300  # cases listed in one digest; the rest are counted (each is in its case's history)
KEY = "calendar:"  # the outbox keys of digests (activities.notify resends those left pending)


def digests(
    engine: Engine, recomputed: Recomputed, reason: str, region: str, at: datetime
) -> list[Notify]:
    """The digests of a stored change: one per agency with moved deadlines, to its officers'
    mailbox (a notice without an address stays in the outbox as ``no_address``). Keyed by the
    change (region and moment): a retry writes nothing twice, a later change its own."""
    by_agency: dict[str, list[Move]] = defaultdict(list)
    for m in recomputed.moves:
        by_agency[m.agency].append(m)
    if not by_agency:
        return []
    with Session(engine) as s:
        mailboxes = dict(
            s.exec(
                select(Agency.code, Agency.officer_email).where(
                    col(Agency.code).in_(sorted(by_agency))
                )
            ).all()
        )
    key = f"{KEY}{region}:{at.astimezone(UTC).isoformat()}"
    return [
        _digest(
            f"{key}:{agency}",
            moves,
            mailboxes.get(agency, ""),
            user_names(engine, agency),
            reason,
            at,
        )
        for agency, moves in sorted(by_agency.items())
    ]


def _digest(
    key: str, moves: list[Move], mailbox: str, names: dict[str, str], reason: str, at: datetime
) -> Notify:
    moves = sorted(moves, key=lambda m: m.new_due_at or datetime.max.replace(tzinfo=UTC))
    cases = len({m.case_no for m in moves})
    lines = [_line(m, names) for m in moves[:LINES]]
    if len(moves) > LINES:
        lines.append(f"……另有{len(moves) - LINES}项，见各案件的办理记录。")
    body = (
        f"工作日历变更（{reason}），本单位{cases}件办理中案件的期限随之调整"
        f"（{len(moves)}项，按新期限先后排列）：\n" + "\n".join(lines) + "\n"
        "调整前后的期限以各案件的办理记录为准；标注“早于已告知申请人的期限”的，"
        "请依法另行告知申请人。"
    )
    return Notify(
        key=key[:300],
        case_no="",
        recipient_role="officer",
        recipient=mailbox,
        subject=f"【期限调整】工作日历变更，{cases}件案件期限调整",
        body=body,
        at=at,
    )


def _line(m: Move, names: dict[str, str]) -> str:
    clock = labels(m.kind).get(m.clock, m.clock)
    officer = f"（经办人{names.get(m.officer, m.officer)}）" if m.officer else ""
    told = "（早于已告知申请人的期限）" if m.shortens_notice else ""
    return f"{m.case_no}{officer}{clock}：{_day(m.old_due_at)} → {_day(m.new_due_at)}{told}"


def _day(at: datetime | None) -> str:
    if at is None:
        return "无"
    d = local_date(at)
    return f"{d.year}年{d.month}月{d.day}日"
