"""The statutory clock (DESIGN.md §3, LAW.md §0): pure, deterministic, time passed in.

A clock is data (:class:`Clock`, a pydantic model that travels in workflow state and history) plus
operations that return a new clock or raise :class:`ClockError` with a message an officer can act
on. :func:`evaluate` turns a clock, a calendar and "now" into a :class:`Reading`: the due date, the
due instant and a structured :class:`Explanation` of how it was reached.

We keep the anchor, the pauses and the extensions rather than a stored due date, so the due date
can be recomputed when a pause ends or the calendar changes (LAW.md §0, "consumed working days").
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from rules.calendar import SHANGHAI, DayInfo, WorkCalendar, due_instant, local_date


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"
    HOURS = "hours"

    @property
    def zh(self) -> str:
        return {
            "working_days": "个工作日",
            "calendar_days": "日",
            "months": "个月",
            "hours": "小时",
        }[self.value]


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    EXPIRED = "expired"
    STOPPED = "stopped"
    # A minimum period (e.g. Decree 713 Art. 27: the legality reviewer is given generally at
    # least 7 WD) that has been given in full: nothing is late.
    ELAPSED = "elapsed"

    @property
    def zh(self) -> str:
        return {
            "running": "计时中",
            "paused": "暂停计算",
            "expired": "已届满",
            "stopped": "已停止",
            "elapsed": "最短期间已满",
        }[self.value]


class ClockError(ValueError):
    """An operation the law does not allow on this clock; the message says why."""


class ClockPolicy(BaseModel):
    max_extensions: int = 0
    extension_cap: int = 0
    # LAW.md §0 pause-boundary convention: working days stop on the day after the pausing act and
    # resume on the working day after the answer (the answer day itself is not counted).
    resume_day_counts: bool = False
    # Working days subtracted from internal due dates computed on a provisional calendar (§6.3).
    provisional_margin: int = 2


class Pause(BaseModel):
    reason: str
    since: datetime
    until: datetime | None = None
    by: str = ""


class Extension(BaseModel):
    amount: int
    approver: str
    reason: str
    at: datetime


class Override(BaseModel):
    due_date: date
    reason: str
    approver: str
    at: datetime


class Restart(BaseModel):
    """A full reset (LAW.md §0 RESTART): what the earlier run had is kept here, not applied."""

    at: datetime
    reason: str
    previous_anchor: datetime
    discarded_pauses: list[Pause] = Field(default_factory=list)
    discarded_extensions: list[Extension] = Field(default_factory=list)
    discarded_override: Override | None = None


class Clock(BaseModel):
    name: str
    unit: Unit
    limit: int
    anchor_at: datetime
    basis: str = ""
    rule_pack: str = ""
    policy: ClockPolicy = Field(default_factory=ClockPolicy)
    pauses: list[Pause] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    override: Override | None = None
    restarts: list[Restart] = Field(default_factory=list)
    stopped_at: datetime | None = None
    stop_reason: str = ""
    # A period that must at least be given (not a deadline): it never expires, it elapses.
    minimum: bool = False
    # Its last day is a date fixed by law or a seed ("每年1月31日前", a quarter's end: LAW.md
    # §6B), not a period counted in days: never rolled over a rest day (rules/duties.py).
    fixed: bool = False

    @property
    def anchor_date(self) -> date:
        return local_date(self.anchor_at)

    @property
    def open_pause(self) -> Pause | None:
        return self.pauses[-1] if self.pauses and self.pauses[-1].until is None else None

    @property
    def total_limit(self) -> int:
        return self.limit + sum(e.amount for e in self.extensions)


class PauseSpan(BaseModel):
    reason: str
    since: date
    until: date | None
    excluded_days: int


class Explanation(BaseModel):
    """Why the due date is what it is, in data and in words (Chinese, the officers' language)."""

    clock: str
    basis: str
    unit: Unit
    limit: int
    total_limit: int
    anchor_date: date
    due_date: date | None
    skipped: list[DayInfoModel] = Field(default_factory=list)
    makeup_days_counted: list[DayInfoModel] = Field(default_factory=list)
    rolled_over: list[DayInfoModel] = Field(default_factory=list)
    pauses: list[PauseSpan] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    override: Override | None = None
    restarts: list[Restart] = Field(default_factory=list)
    calendar_revision: str
    provisional: bool
    provisional_years: list[int] = Field(default_factory=list)
    rule_pack: str
    lines: list[str] = Field(default_factory=list)


class DayInfoModel(BaseModel):
    day: date
    kind: str
    name: str = ""
    label: str = ""

    @classmethod
    def of(cls, info: DayInfo) -> DayInfoModel:
        return cls(day=info.day, kind=info.kind, name=info.name, label=info.label)


Explanation.model_rebuild()


class Reading(BaseModel):
    """A clock as of one moment."""

    clock: str
    state: ClockState
    unit: Unit
    # None while paused: the last day is not known until the pause ends.
    due_date: date | None
    due_at: datetime | None
    # Earlier than due_at when the calendar is provisional (safety margin) or when the
    # conservative pause convention counts the resume day: drives internal alerts. While
    # paused it is set only when the period was used up before the pause (it cannot move).
    internal_due_at: datetime | None
    consumed: int
    remaining: int | None
    provisional: bool
    explanation: Explanation
    # While paused: the due date as if the pause ended now. When the whole period was used up
    # before the pause (``used_up``), this is its fixed legal due date and the case is late
    # whatever the pause (GIDR Art. 33 para 2: judged on the consumed working days).
    frozen_due_date: date | None = None
    frozen_due_at: datetime | None = None
    used_up: bool = False
    stopped_at: datetime | None = None
    stop_reason: str = ""

    @property
    def shown_due_date(self) -> date | None:
        """The date to show: the due date, or while paused the frozen one."""
        return self.due_date or self.frozen_due_date

    @property
    def shown_due_at(self) -> datetime | None:
        return self.due_at or self.frozen_due_at

    @property
    def lapses_at(self) -> datetime | None:
        """The instant the period runs out as things stand: its due instant while running, its
        frozen one while paused after it was used up, never while paused before that."""
        if self.state is ClockState.PAUSED:
            return self.due_at or (self.frozen_due_at if self.used_up else None)
        if self.state in (ClockState.STOPPED, ClockState.ELAPSED):
            return None
        return self.due_at

    def expired_by(self, now: datetime) -> bool:
        lapses = self.lapses_at
        return lapses is not None and now > lapses


class CaseDue(BaseModel):
    """What a case's row shows of its clocks (the read model, the board)."""

    due_at: datetime | None = None
    internal_due_at: datetime | None = None
    provisional: bool = False
    explanation: Explanation | None = None


def case_due(
    due_clocks: Sequence[str],
    live: Collection[str],
    readings: dict[str, Reading],
    internal_clocks: Sequence[str] = (),
) -> CaseDue:
    """The case's due instant from its first running due clock (while paused, its frozen one),
    the instant internal alerts count from (none while paused before the period was used up;
    earlier when an ``internal_clocks`` clock, e.g. the reply period counted from an online
    submission, runs out first), whether any due clock rests on a provisional year, and why the
    first due clock's date is what it is. ``due_clocks`` in order of preference; ``live`` the
    clocks still running."""
    reading = next((readings[n] for n in due_clocks if n in live and n in readings), None)
    internal = (
        reading.internal_due_at if reading is not None and reading.lapses_at is not None else None
    )
    for name in internal_clocks:
        extra = readings.get(name) if name in live else None
        if extra is not None and extra.lapses_at is not None and extra.internal_due_at:
            internal = min(filter(None, (internal, extra.internal_due_at)))
    return CaseDue(
        due_at=reading.shown_due_at if reading is not None else None,
        internal_due_at=internal,
        provisional=any(readings[n].provisional for n in due_clocks if n in readings),
        explanation=next((readings[n].explanation for n in due_clocks if n in readings), None),
    )


# -- operations ----------------------------------------------------------------------------
#
# Messages are Chinese: they reach the officer unchanged through the workflows' validators.


def start(
    name: str,
    unit: Unit,
    limit: int,
    at: datetime,
    *,
    basis: str = "",
    rule_pack: str = "",
    policy: ClockPolicy | None = None,
    minimum: bool = False,
    fixed: bool = False,
) -> Clock:
    _aware(at)
    if limit < 0:
        raise ClockError(f"{name}：法定期间不能为负数（{limit}）。")
    if fixed and unit is not Unit.CALENDAR_DAYS:
        raise ClockError(f"{name}：固定日期以自然日计（{unit.zh}）。")
    return Clock(
        name=name,
        unit=unit,
        limit=limit,
        anchor_at=at,
        basis=basis,
        rule_pack=rule_pack,
        policy=policy or ClockPolicy(),
        minimum=minimum,
        fixed=fixed,
    )


def pause(clock: Clock, reason: str, at: datetime, by: str = "") -> Clock:
    _aware(at)
    _not_stopped(clock, "暂停")
    if clock.open_pause is not None:
        raise ClockError(
            f"该期限已于{local_date(clock.open_pause.since)}暂停计算（{clock.open_pause.reason}），"
            "不能重复暂停。"
        )
    if reason.strip() == "":
        raise ClockError("暂停计算须写明理由：不计入期限的期间应当有法定依据。")
    return clock.model_copy(
        update={"pauses": [*clock.pauses, Pause(reason=reason, since=at, by=by)]}
    )


def resume(clock: Clock, at: datetime) -> Clock:
    _aware(at)
    open_pause = clock.open_pause
    if open_pause is None:
        raise ClockError("该期限没有暂停计算，无需恢复。")
    if at < open_pause.since:
        since = open_pause.since.astimezone(SHANGHAI)
        raise ClockError(f"恢复计算的时间不能早于暂停之时（{since:%Y-%m-%d %H:%M}）。")
    closed = open_pause.model_copy(update={"until": at})
    return clock.model_copy(update={"pauses": [*clock.pauses[:-1], closed]})


def restart(clock: Clock, at: datetime, reason: str) -> Clock:
    """Start over from ``at`` (补正: GIDR Art. 30, the period runs from the corrected request).
    LAW.md §0: a full reset. Pauses, an extension and a fixed date of the earlier run belong to
    that run; the new period may be extended on its own terms."""
    _aware(at)
    _not_stopped(clock, "重新起算")
    record = Restart(
        at=at,
        reason=reason,
        previous_anchor=clock.anchor_at,
        discarded_pauses=clock.pauses,
        discarded_extensions=clock.extensions,
        discarded_override=clock.override,
    )
    return clock.model_copy(
        update={
            "anchor_at": at,
            "pauses": [],
            "extensions": [],
            "override": None,
            "restarts": [*clock.restarts, record],
        }
    )


def extend(
    clock: Clock,
    amount: int,
    approver: str,
    reason: str,
    at: datetime,
    reading: Reading,
) -> Clock:
    """Extend once, within the cap, before expiry (GIDR Art. 33 para 2). Expiry is judged on the
    consumed working days whatever the pause state (``reading`` is the clock's latest)."""
    _aware(at)
    _not_stopped(clock, "延长")
    policy = clock.policy
    if policy.max_extensions <= 0:
        raise ClockError(f"该期限（{clock.basis}）依法不能延长。")
    if len(clock.extensions) >= policy.max_extensions:
        prior = clock.extensions[-1]
        raise ClockError(
            f"不能再次延长：该期限已于{local_date(prior.at)}经{prior.approver}批准延长"
            f"{prior.amount}{clock.unit.zh}；{clock.basis}只允许延长{policy.max_extensions}次。"
        )
    if clock.override is not None:
        raise ClockError(
            f"答复期限已确定为{clock.override.due_date}（条例第三十五条），不再适用延长。"
        )
    if amount <= 0 or amount > policy.extension_cap:
        raise ClockError(
            f"不能延长{amount}{clock.unit.zh}：{clock.basis}规定延长的期限最长不得超过"
            f"{policy.extension_cap}{clock.unit.zh}。"
        )
    if not approver.strip() or not reason.strip():
        raise ClockError("延长答复期限须写明批准人和理由。")
    if reading.expired_by(at):
        raise ClockError(
            f"答复期限（{reading.shown_due_date}）已届满，不能再延长。延长须在期限内经政府信息公开"
            f"工作机构负责人同意并告知申请人（{clock.basis}）。"
        )
    ext = Extension(amount=amount, approver=approver, reason=reason, at=at)
    return clock.model_copy(update={"extensions": [*clock.extensions, ext]})


def override(
    clock: Clock, due_date: date, reason: str, approver: str, at: datetime, reading: Reading
) -> Clock:
    """Fix a reasonable later reply date (GIDR Art. 35): later than the current due date, and
    only while the period still runs."""
    _aware(at)
    _not_stopped(clock, "确定答复期限")
    if not reason.strip() or not approver.strip():
        raise ClockError("确定延迟答复的期限须写明理由和批准人（条例第三十五条）。")
    current = reading.shown_due_date
    if reading.expired_by(at):
        raise ClockError(
            f"答复期限（{current}）已届满，不能再确定延迟答复的期限（条例第三十三条、第三十五条）。"
        )
    if current is not None and due_date <= current:
        raise ClockError(
            f"确定的答复期限（{due_date}）应当晚于现行答复期限（{current}）（条例第三十五条）。"
        )
    if due_date < local_date(at):
        raise ClockError(f"确定的答复期限（{due_date}）已经过去。")
    if (due_date - local_date(at)).days > 366:
        raise ClockError(
            f"确定的答复期限（{due_date}）超过一年，不是合理的期限（条例第三十五条）；请核对日期。"
        )
    ov = Override(due_date=due_date, reason=reason, approver=approver, at=at)
    return clock.model_copy(update={"override": ov})


def stop(clock: Clock, at: datetime, reason: str) -> Clock:
    """The duty was met (e.g. the reply was sent): the clock no longer runs."""
    _aware(at)
    _not_stopped(clock, "停止")
    return clock.model_copy(update={"stopped_at": at, "stop_reason": reason})


# -- evaluation ----------------------------------------------------------------------------


def evaluate(clock: Clock, calendar: WorkCalendar, now: datetime) -> Reading:
    _aware(now)
    if clock.stopped_at is not None and clock.stopped_at < now:
        # A stopped clock is read as it stood when it stopped: the days after the stop are not
        # the period's (consumed, remaining, an open pause all end with the stop).
        now = clock.stopped_at
    if clock.unit is Unit.HOURS:
        return _evaluate_hours(clock, calendar, now)
    return _evaluate_days(clock, calendar, now)


def _excluded_days(clock: Clock, today: date, *, resume_day_counts: bool) -> frozenset[date]:
    """Dates on which the clock does not run: (pause day, answer day] (or open-ended)."""
    out: set[date] = set()
    for p in clock.pauses:
        first = local_date(p.since) + timedelta(days=1)
        if p.until is None:
            last = today  # still open: the clock has not run since the pause began
        else:
            last = local_date(p.until)
            if resume_day_counts:
                last -= timedelta(days=1)
        day = first
        while day <= last:
            out.add(day)
            day += timedelta(days=1)
    return frozenset(out)


def _pause_spans(clock: Clock, excluded: frozenset[date]) -> list[PauseSpan]:
    spans = []
    for p in clock.pauses:
        since, until = local_date(p.since), (local_date(p.until) if p.until else None)
        days = sum(1 for d in excluded if d > since and (until is None or d <= until))
        spans.append(PauseSpan(reason=p.reason, since=since, until=until, excluded_days=days))
    return spans


def add_months(day: date, months: int) -> date:
    """民法典 Art. 202: the corresponding day of the last month, or its last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _stdcal.monthrange(year, month)[1]))


def _evaluate_days(clock: Clock, cal: WorkCalendar, now: datetime) -> Reading:
    today = local_date(now)
    anchor = clock.anchor_date
    excluded = _excluded_days(clock, today, resume_day_counts=clock.policy.resume_day_counts)
    conservative = _excluded_days(clock, today, resume_day_counts=True)
    total = clock.total_limit
    skipped: tuple[DayInfo, ...] = ()
    makeup: tuple[DayInfo, ...] = ()
    rolled: tuple[DayInfo, ...] = ()
    prov_years: tuple[int, ...] = ()

    # The due date as things stand; while paused, as if the pause ended today (an open pause
    # excludes the days up to today, and no further).
    if clock.unit is Unit.WORKING_DAYS:
        consumed = cal.working_days_between(anchor, today, excluded) if today > anchor else 0
        res = cal.nth_working_day(anchor, total, excluded)
        due, skipped, makeup, prov_years = (
            res.end,
            res.skipped,
            res.makeup_counted,
            res.provisional_years,
        )
        internal = cal.nth_working_day(anchor, total, conservative).end
    else:
        consumed = max(0, sum(1 for d in _days(anchor, today) if d not in excluded))
        if clock.unit is Unit.CALENDAR_DAYS:
            raw = _nth_counted_day(anchor, total, excluded)
            raw_internal = _nth_counted_day(anchor, total, conservative)
        else:  # months; pauses extend by the excluded days
            base = add_months(anchor, total)
            raw = base + timedelta(days=sum(1 for d in excluded if anchor < d))
            raw_internal = base + timedelta(days=sum(1 for d in conservative if anchor < d))
        skipped = tuple(
            DayInfo(d, False, "paused", "", cal.is_provisional(d))
            for d in sorted(excluded)
            if anchor < d <= raw
        )
        if clock.fixed:  # a fixed date is that date: no roll-over, no calendar estimate
            due, internal = raw, raw_internal
        else:
            due, rolled = cal.next_working_day_on_or_after(raw)
            internal, _ = cal.next_working_day_on_or_after(raw_internal)
            prov_years = cal.provisional_years_in(anchor + timedelta(days=1), due)

    if clock.override is not None:  # a date fixed under Art. 35 is no estimate
        due = internal = clock.override.due_date
        prov_years = ()
    if prov_years:
        internal = cal.working_days_before(internal, clock.policy.provisional_margin)

    frozen: date | None = None
    used_up = False
    open_pause = clock.open_pause
    if open_pause is not None and clock.override is None:
        frozen = due
        used_up = due <= local_date(open_pause.since)
        due_or_none: date | None = None
        internal_or_none: date | None = internal if used_up else None
    else:
        due_or_none, internal_or_none = due, internal

    state = _state(clock, now, due_instant(due_or_none) if due_or_none else None)
    remaining = max(0, total - consumed)
    if clock.unit is Unit.WORKING_DAYS and due_or_none is not None and clock.override is None:
        remaining = max(0, cal.working_days_between(today, due_or_none, excluded))
    explanation = _explain(
        clock, cal, due_or_none, skipped, makeup, rolled, excluded, prov_years, frozen, used_up
    )
    return Reading(
        clock=clock.name,
        state=state,
        unit=clock.unit,
        due_date=due_or_none,
        due_at=due_instant(due_or_none) if due_or_none else None,
        internal_due_at=due_instant(internal_or_none) if internal_or_none else None,
        consumed=consumed,
        remaining=remaining,
        provisional=bool(prov_years),
        explanation=explanation,
        frozen_due_date=frozen,
        frozen_due_at=due_instant(frozen) if frozen else None,
        used_up=used_up,
        stopped_at=clock.stopped_at,
        stop_reason=clock.stop_reason,
    )


def _evaluate_hours(clock: Clock, cal: WorkCalendar, now: datetime) -> Reading:
    """24×7 wall-clock hours (emergency releases): pauses add their exact duration."""
    closed = sum(((p.until - p.since) for p in clock.pauses if p.until), timedelta())
    open_pause = clock.open_pause
    open_for = (now - open_pause.since) if open_pause else timedelta()
    total = timedelta(hours=clock.total_limit)
    elapsed = max(timedelta(), now - clock.anchor_at - closed - open_for)
    before_pause = clock.anchor_at + total + closed  # the due instant, were nothing paused now
    due_at: datetime | None = before_pause + open_for
    frozen_at: datetime | None = None
    used_up = False
    if open_pause is not None:
        used_up = before_pause <= open_pause.since
        frozen_at = before_pause if used_up else due_at
        due_at = None
    if clock.override is not None:
        due_at = due_instant(clock.override.due_date)
    due_date = due_at.astimezone(SHANGHAI).date() if due_at else None
    consumed = int(elapsed.total_seconds() // 3600)
    remaining = max(0, clock.total_limit - consumed)
    frozen_date = frozen_at.astimezone(SHANGHAI).date() if frozen_at else None
    explanation = _explain(
        clock, cal, due_date, (), (), (), frozen_date=frozen_date, used_up=used_up
    )
    if due_at is not None:
        explanation.lines.insert(
            1,
            f"到期时刻：{due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
            "（北京时间，24小时连续计算）",
        )
    return Reading(
        clock=clock.name,
        state=_state(clock, now, due_at),
        unit=clock.unit,
        due_date=due_date,
        due_at=due_at,
        internal_due_at=due_at if open_pause is None else (frozen_at if used_up else None),
        consumed=consumed,
        remaining=remaining,
        provisional=False,
        explanation=explanation,
        frozen_due_date=frozen_date,
        frozen_due_at=frozen_at,
        used_up=used_up,
        stopped_at=clock.stopped_at,
        stop_reason=clock.stop_reason,
    )


def _state(clock: Clock, now: datetime, due_at: datetime | None) -> ClockState:
    if clock.stopped_at is not None:
        return ClockState.STOPPED
    if clock.open_pause is not None:
        return ClockState.PAUSED
    if due_at is not None and now > due_at:
        return ClockState.ELAPSED if clock.minimum else ClockState.EXPIRED
    return ClockState.RUNNING


def _days(anchor: date, today: date) -> list[date]:
    return [anchor + timedelta(days=i) for i in range(1, (today - anchor).days + 1)]


def _nth_counted_day(anchor: date, n: int, excluded: frozenset[date]) -> date:
    day, counted = anchor, 0
    while counted < n:
        day += timedelta(days=1)
        if day not in excluded:
            counted += 1
    return day


def _explain(
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
    anchor = clock.anchor_date
    if due is not None:
        end = f"，{'最短期间至' if clock.minimum else '届满日'}{due.isoformat()}"
    elif used_up:
        end = f"，暂停前期限已用尽，届满日为{frozen_date}（暂停不影响已届满的期限）"
    elif frozen_date is not None:
        end = f"，目前暂停计算（如今日恢复计算，届满日为{frozen_date}）"
    else:
        end = "，目前暂停计算"
    lines = [
        f"{clock.basis}：自{anchor.isoformat()}起算（不含当日），"
        f"{'不少于' if clock.minimum else '期限'}{clock.limit}{clock.unit.zh}"
        + (f"，已延长至{clock.total_limit}{clock.unit.zh}" if clock.extensions else "")
        + end
        + "。"
    ]
    if clock.fixed and due is not None:
        lines = [
            f"{clock.basis}：{(anchor + timedelta(days=1)).isoformat()}至{due.isoformat()}，"
            f"截止日{due.isoformat()}（法定或规定的固定日期，遇休息日不顺延）。"
        ]
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
    spans = _pause_spans(clock, excluded)
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
        anchor_date=anchor,
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


def _aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise ClockError("时间须带时区（北京时间）。")


def _not_stopped(clock: Clock, verb: str) -> None:
    if clock.stopped_at is not None:
        raise ClockError(
            f"该期限已于{local_date(clock.stopped_at)}停止计算（{clock.stop_reason}），不能再{verb}。"
        )


class Milestone(BaseModel):
    """When an escalation rung of a clock falls due (None while the clock is paused)."""

    rung: str
    at: datetime | None


def milestone_at(
    clock: Clock,
    calendar: WorkCalendar,
    now: datetime,
    *,
    at_consumed: int | None = None,
    at_fraction: float | None = None,
    after_due: int | None = None,
    on_working_day: bool = False,
) -> datetime | None:
    """The instant a threshold is crossed: the start (00:00 Beijing time) of the k-th counted
    day, a fraction of the period (exact for hours), or once k units **have passed** after the
    due date (0 = the second after the due instant; k ≥ 1 = 00:00 of the working day after the
    k-th). None while the clock is paused before its period was used up.

    While a year is provisional, alerts use the internal date (LAW.md §6.4(3)): k-th days and
    due dates that fall in it are brought forward by the pack's safety margin.

    ``on_working_day``: a threshold in working days ("超过N个工作日") is crossed at 00:00 of the
    next working day, never on a rest day."""
    instant = _milestone(
        clock,
        calendar,
        now,
        at_consumed=at_consumed,
        at_fraction=at_fraction,
        after_due=after_due,
    )
    if instant is None or not on_working_day or clock.unit is Unit.HOURS:
        return instant
    day = local_date(instant)
    if instant != _start_of(day):  # a second into a day: that day began before it
        day += timedelta(days=1)
    return _start_of(calendar.next_working_day_on_or_after(day)[0])


def _milestone(
    clock: Clock,
    calendar: WorkCalendar,
    now: datetime,
    *,
    at_consumed: int | None = None,
    at_fraction: float | None = None,
    after_due: int | None = None,
) -> datetime | None:
    reading = evaluate(clock, calendar, now)
    if reading.state is ClockState.PAUSED and clock.override is None and not reading.used_up:
        return None
    due_date = reading.shown_due_date
    due_at = reading.shown_due_at
    if due_date is None or due_at is None:
        return None
    margin = clock.policy.provisional_margin
    if at_fraction is not None:
        if clock.unit is Unit.HOURS:
            paused = sum(((p.until or now) - p.since for p in clock.pauses), timedelta())
            return clock.anchor_at + timedelta(hours=clock.total_limit * at_fraction) + paused
        at_consumed = max(1, round(clock.total_limit * at_fraction))
    if after_due is not None:
        if clock.unit is Unit.HOURS:
            return due_at + (timedelta(hours=after_due) if after_due else timedelta(seconds=1))
        if reading.provisional:
            due_date = calendar.working_days_before(due_date, margin)
        if after_due == 0:
            return due_instant(due_date) + timedelta(seconds=1)
        if clock.unit is Unit.WORKING_DAYS:
            day = calendar.nth_working_day(due_date, after_due + 1).end
        else:
            day = due_date + timedelta(days=after_due + 1)
        return _start_of(day)
    assert at_consumed is not None
    if clock.unit is Unit.HOURS:
        paused = sum(((p.until or now) - p.since for p in clock.pauses), timedelta())
        return clock.anchor_at + timedelta(hours=at_consumed) + paused
    excluded = _excluded_days(clock, local_date(now), resume_day_counts=True)
    if clock.unit is Unit.WORKING_DAYS:
        day = calendar.nth_working_day(clock.anchor_date, at_consumed, excluded).end
    else:
        day = _nth_counted_day(clock.anchor_date, at_consumed, excluded)
    if calendar.is_provisional(day) and clock.override is None:
        day = max(clock.anchor_date, calendar.working_days_before(day, margin))
    return _start_of(day)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)


def quarter_period(year: int, quarter: int, months: int) -> tuple[date, int]:
    """A quarter as a calendar-day period: anchored on the last day of the previous quarter
    (excluded, 民法典 Art. 201) and lasting until the last day of this one."""
    first = date(year, 3 * (quarter - 1) + 1, 1)
    return first - timedelta(days=1), (add_months(first, months) - first).days
