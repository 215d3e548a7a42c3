"""The statutory clock (DESIGN.md §3, LAW.md §0): pure, deterministic, time passed in.

A clock is data (:class:`Clock`, a pydantic model that travels in workflow state and history) plus
operations that return a new clock or raise :class:`ClockError` with a message an officer can act
on. :func:`evaluate` turns a clock, a calendar and "now" into a :class:`Reading`: the due date, the
due instant and a structured :class:`Explanation` of how it was reached.

We keep the anchor, the pauses and the extensions rather than a stored due date, so the due date
can be recomputed when a pause ends or the calendar changes (LAW.md §0, "consumed working days").

This module holds the operations and is where every name of the clock is imported from; the
rooms behind it: the data in ``clock_model``, the evaluation on the calendar in
``clock_reading``, the explanation in ``clock_explanation``, the escalation instants in
``clock_milestones``.
"""

from __future__ import annotations

from datetime import date, datetime

from rules.calendar import SHANGHAI, local_date
from rules.clock_milestones import milestone_at, quarter_period
from rules.clock_model import (
    CaseDue,
    Clock,
    ClockError,
    ClockPolicy,
    ClockState,
    DayInfoModel,
    Explanation,
    Extension,
    Milestone,
    Override,
    Pause,
    PauseSpan,
    Reading,
    Restart,
    Unit,
    aware,
)
from rules.clock_reading import add_months, case_due, evaluate

__all__ = [
    "CaseDue",
    "Clock",
    "ClockError",
    "ClockPolicy",
    "ClockState",
    "DayInfoModel",
    "Explanation",
    "Extension",
    "Milestone",
    "Override",
    "Pause",
    "PauseSpan",
    "Reading",
    "Restart",
    "Unit",
    "add_months",
    "case_due",
    "evaluate",
    "extend",
    "milestone_at",
    "override",
    "pause",
    "quarter_period",
    "restart",
    "resume",
    "start",
    "stop",
]


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
    aware(at)
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
    aware(at)
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
    aware(at)
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
    aware(at)
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
    aware(at)
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
    aware(at)
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
    aware(at)
    _not_stopped(clock, "停止")
    return clock.model_copy(update={"stopped_at": at, "stop_reason": reason})


def _not_stopped(clock: Clock, verb: str) -> None:
    if clock.stopped_at is not None:
        raise ClockError(
            f"该期限已于{local_date(clock.stopped_at)}停止计算（{clock.stop_reason}），不能再{verb}。"
        )
