"""Why a clock's due date is what it is (rules/clock.py): the :class:`Explanation` of a reading,
in data and in words (Chinese, the officers' language)."""

from __future__ import annotations

from datetime import date, timedelta

from rules.calendar import DayInfo, WorkCalendar, local_date
from rules.clock_model import Clock, DayInfoModel, Explanation, PauseSpan


def explain(
    clock: Clock,
    cal: WorkCalendar,
    due: date | None,
    skipped: tuple[DayInfo, ...],
    makeup: tuple[DayInfo, ...],
    rolled: tuple[DayInfo, ...],
    excluded: frozenset[date] = frozenset(),
    prov_years: tuple[int, ...] = (),
    frozen_date: date | None = None,
    used_up: bool = False,
) -> Explanation:
    spans = pause_spans(clock, excluded)
    lines = [
        _headline(clock, due, frozen_date, used_up),
        *_calendar_lines(skipped, makeup, rolled),
        *_record_lines(clock, spans),
    ]
    if prov_years:
        years = "、".join(str(y) for y in prov_years)
        lines.append(
            f"{years}年节假日安排尚未公布，期限为预估值（按周末和法定节日计算，不含调休）；内部期限提前"
            f"{clock.policy.provisional_margin}个工作日。"
        )
    if clock.stopped_at is not None:
        lines.append(f"{local_date(clock.stopped_at).isoformat()}停止计算：{clock.stop_reason}。")
    lines.append(f"日历版本 {cal.revision}；规则包 {clock.rule_pack or '—'}。")
    return Explanation(
        clock=clock.name,
        basis=clock.basis,
        unit=clock.unit,
        limit=clock.limit,
        total_limit=clock.total_limit,
        anchor_date=clock.anchor_date,
        due_date=due,
        skipped=[DayInfoModel.of(d) for d in skipped],
        makeup_days_counted=[DayInfoModel.of(d) for d in makeup],
        rolled_over=[DayInfoModel.of(d) for d in rolled],
        pauses=spans,
        extensions=list(clock.extensions),
        override=clock.override,
        restarts=list(clock.restarts),
        calendar_revision=cal.revision,
        provisional=bool(prov_years),
        provisional_years=list(prov_years),
        rule_pack=clock.rule_pack,
        lines=lines,
    )


def _headline(clock: Clock, due: date | None, frozen_date: date | None, used_up: bool) -> str:
    """The period in one sentence: its basis, its start, its length and where it ends."""
    anchor = clock.anchor_date
    if clock.fixed and due is not None:
        return (
            f"{clock.basis}：{(anchor + timedelta(days=1)).isoformat()}至{due.isoformat()}，"
            f"截止日{due.isoformat()}（法定或规定的固定日期，遇休息日不顺延）。"
        )
    if due is not None:
        end = f"，{'最短期间至' if clock.minimum else '届满日'}{due.isoformat()}"
    elif used_up:
        end = f"，暂停前期限已用尽，届满日为{frozen_date}（暂停不影响已届满的期限）"
    elif frozen_date is not None:
        end = f"，目前暂停计算（如今日恢复计算，届满日为{frozen_date}）"
    else:
        end = "，目前暂停计算"
    return (
        f"{clock.basis}：自{anchor.isoformat()}起算（不含当日），"
        f"{'不少于' if clock.minimum else '期限'}{clock.limit}{clock.unit.zh}"
        + (f"，已延长至{clock.total_limit}{clock.unit.zh}" if clock.extensions else "")
        + end
        + "。"
    )


def _calendar_lines(
    skipped: tuple[DayInfo, ...], makeup: tuple[DayInfo, ...], rolled: tuple[DayInfo, ...]
) -> list[str]:
    """What the calendar did to the period: rest days skipped, make-up days counted, the last
    day rolled over."""
    lines = []
    weekend = [d for d in skipped if d.kind == "weekend"]
    holiday = [d for d in skipped if d.kind == "holiday"]
    if weekend:
        lines.append(f"跳过周末{len(weekend)}天。")
    if holiday:
        lines.append("跳过节假日：" + "、".join(d.label for d in holiday) + "。")
    if makeup:
        lines.append("计入调休上班日：" + "、".join(d.label for d in makeup) + "。")
    if rolled:
        lines.append(
            f"期间最后一日{rolled[0].day.isoformat()}为休息日，顺延至其后第一个工作日"
            "（民法典第二百零三条）。"
        )
    return lines


def _record_lines(clock: Clock, spans: list[PauseSpan]) -> list[str]:
    """What was done to the clock: its pauses, restarts, extensions and a fixed date."""
    lines = []
    for span in spans:
        until = span.until.isoformat() if span.until else "至今"
        lines.append(f"暂停：{span.since.isoformat()}—{until}，{span.reason}（不计入期限）。")
    for r in clock.restarts:
        dropped = "，原延长期限不再适用" if r.discarded_extensions else ""
        lines.append(f"{local_date(r.at).isoformat()}重新起算：{r.reason}{dropped}。")
    for e in clock.extensions:
        lines.append(
            f"延长{e.amount}{clock.unit.zh}：{e.approver}于{local_date(e.at).isoformat()}批准，"
            f"理由：{e.reason}。"
        )
    if clock.override is not None:
        ov = clock.override
        lines.append(
            f"答复日期确定为{ov.due_date.isoformat()}：{ov.approver}批准，理由：{ov.reason}。"
        )
    return lines


def pause_spans(clock: Clock, excluded: frozenset[date]) -> list[PauseSpan]:
    spans = []
    for p in clock.pauses:
        since, until = local_date(p.since), (local_date(p.until) if p.until else None)
        days = sum(1 for d in excluded if d > since and (until is None or d <= until))
        spans.append(PauseSpan(reason=p.reason, since=since, until=until, excluded_days=days))
    return spans
