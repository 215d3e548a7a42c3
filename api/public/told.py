"""What the public is told of a case, in words they can check and nothing more: its status, its
steps so far, the letters issued to the applicant, the outcome, and why a due date is what it
is. Each kind's words are its public face in the registry (schemas/public.py); a kind without
one shows its statuses in the registry's words and nothing of its events or letters."""

from __future__ import annotations

import json
from datetime import date, datetime

from rules.calendar import SHANGHAI, zh_date
from rules.clock import Explanation
from rules.outcomes import Outcome, plain_outcome
from schemas.public import PublicFace
from schemas.registry import KINDS, KindSpec
from store.models import CaseEventRow, CaseRow, DocumentRow


def face_of(row: CaseRow) -> tuple[KindSpec | None, PublicFace]:
    spec = KINDS.get(row.kind)
    return spec, spec.public if spec else PublicFace()


def opened_told(spec: KindSpec | None) -> str:
    """The case's first date (T0), as the applicant reads its name."""
    if spec is None:
        return "收到申请之日"
    return spec.public.opened_zh or spec.opened_zh


def status_told(row: CaseRow, spec: KindSpec | None) -> str:
    """A status as the applicant reads it (the workbench's words are the office's)."""
    if spec is None:
        return row.status
    return spec.public.status_zh.get(row.status) or spec.status_zh(row.status)


def timeline(events: list[CaseEventRow], face: PublicFace) -> list[tuple[datetime, str]]:
    """The case's steps as the applicant is told them (never an officer's note or a third
    party's name: only the events the kind's public face words)."""
    out = []
    for e in events:
        text = face.told.get(e.kind)
        if text is None:
            continue
        data = json.loads(e.data or "{}")
        t0 = str(data.get("t0", "—"))
        shown = zh_date(date.fromisoformat(t0)) if len(t0) == 10 else t0
        out.append((e.occurred_at or e.at, text.format(t0=shown)))
    return out


def issued(docs: list[DocumentRow], row: CaseRow, face: PublicFace) -> list[DocumentRow]:
    """The letters issued to the applicant; the reply only once it is out (before, a draft)."""
    return [
        doc
        for doc in docs
        if doc.name in face.to_applicant
        and (doc.name != face.reply_document or row.status in face.reply_issued)
    ]


def outcome_told(row: CaseRow, face: PublicFace) -> str:
    """What the agency decided, in plain words, once the reply is issued."""
    if row.status in face.outcome_zh:
        return face.outcome_zh[row.status]
    if row.status not in face.reply_issued or not row.outcome:
        return ""
    try:
        decided = plain_outcome(Outcome(row.outcome))
    except ValueError:
        return "已答复"
    on = f"（{zh_date(row.concluded_on)}）" if row.concluded_on else ""
    return f"已答复：{decided}{on}"


def answer(event: CaseEventRow | None) -> str:
    """An answer, inline (its author reads it on the page, not only as a letter)."""
    return str(json.loads(event.data or "{}").get("text", "")) if event else ""


def due_label(row: CaseRow, spec: KindSpec | None) -> str:
    """Which deadline the shown date is: before an online application is confirmed it is the
    agency's confirmation period, after the reply the applicant's remedy window."""
    if not row.due_explanation or spec is None:
        return "答复期限"
    clock = Explanation.model_validate_json(row.due_explanation).clock
    return spec.clocks.get(clock, "答复期限")


def due_day(row: CaseRow) -> date | None:
    return row.due_at.astimezone(SHANGHAI).date() if row.due_at else None


def explained(row: CaseRow) -> list[str]:
    """Why the due date is what it is, in words the applicant can check: days counted and
    skipped, pauses (without whom or why), extensions and restarts — no names."""
    if not row.due_explanation:
        return []
    e = Explanation.model_validate_json(row.due_explanation)
    unit = {"working_days": "个工作日", "calendar_days": "日", "months": "个月", "hours": "小时"}
    lines = [
        f"期限：自{e.anchor_date}起{e.limit}{unit.get(e.unit.value, '')}（{e.basis}），"
        f"起算日不计入。"
    ]
    weekends = sum(1 for day in e.skipped if day.kind == "weekend")
    holidays = [day.label or str(day.day) for day in e.skipped if day.kind != "weekend"]
    if weekends:
        lines.append(f"不计周末{weekends}天。")
    if holidays:
        lines.append("不计法定节假日：" + "、".join(holidays) + "。")
    if e.makeup_days_counted:
        lines.append(
            "计入调休上班日：" + "、".join(day.label for day in e.makeup_days_counted) + "。"
        )
    for r in e.restarts:
        lines.append(f"{r.at.astimezone(SHANGHAI).date()}起重新计算（收到补正）。")
    for p in e.pauses:
        until = p.until or "至今"
        lines.append(f"{p.since}—{until}依法不计入答复期限（{p.excluded_days}个工作日）。")
    for x in e.extensions:
        lines.append(
            f"{x.at.astimezone(SHANGHAI).date()}经本机关负责人批准延长{x.amount}个工作日。"
        )
    if e.override is not None:
        lines.append(f"经本机关负责人确定，答复期限为{e.override.due_date}（条例第三十五条）。")
    if e.provisional:
        years = "、".join(str(y) for y in e.provisional_years)
        lines.append(f"{years}年的节假日安排尚未公布，日期为预估，公布后可能调整。")
    return lines
