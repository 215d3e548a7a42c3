"""The statutory clock: pause/resume, restart, extension, override, units and explanations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from rules.calendar import SHANGHAI, build_calendar
from rules.clock import (
    Clock,
    ClockError,
    ClockPolicy,
    ClockState,
    Reading,
    Unit,
    evaluate,
    extend,
    override,
    pause,
    restart,
    resume,
    start,
    stop,
)

CAL = build_calendar()
GIDR = ClockPolicy(max_extensions=1, extension_cap=20)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), SHANGHAI).replace(
        hour=hour
    )


def reading(clock: Clock, when: datetime | None = None) -> Reading:
    return evaluate(clock, CAL, when or clock.anchor_at)


def reply_clock(receipt: str = "2026-09-15") -> Clock:
    return start(
        "reply",
        Unit.WORKING_DAYS,
        20,
        at(receipt),
        basis="GIDR Art. 33",
        policy=GIDR,
        rule_pack="cn-national-2019@2019.1",
    )


def test_art33_reply_due_and_instant() -> None:
    r = evaluate(reply_clock(), CAL, at("2026-09-16"))
    assert r.due_date == date(2026, 10, 19)
    assert r.due_at == datetime(2026, 10, 19, 23, 59, 59, tzinfo=SHANGHAI)
    assert r.state is ClockState.RUNNING
    assert r.consumed == 1 and r.remaining == 19
    assert r.explanation.rule_pack == "cn-national-2019@2019.1"
    assert r.explanation.calendar_revision == CAL.revision


def test_consumed_counts_working_days_only() -> None:
    # 2026-10-08 is the 12th working day after 09-15: Sunday 09-20 (make-up day) counts,
    # 09-25 (中秋) and the National Day week do not.
    r = evaluate(reply_clock(), CAL, at("2026-10-08"))
    assert r.consumed == 12


def test_art32_consultation_pause_excludes_days_until_answer() -> None:
    c = pause(reply_clock("2026-11-02"), "征求第三方意见", at("2026-11-05"))
    paused = evaluate(c, CAL, at("2026-11-10"))
    assert paused.state is ClockState.PAUSED and paused.due_date is None
    assert paused.consumed == 3  # 11-03, 04, 05; nothing after the letter went out
    # Were the pause to end today (11-10), 17 working days would remain from 11-11.
    assert paused.frozen_due_date == CAL.nth_working_day(date(2026, 11, 10), 17).end
    assert not paused.used_up and paused.lapses_at is None
    c = resume(c, at("2026-11-12"))
    r = evaluate(c, CAL, at("2026-11-12"))
    # 11-06 … 11-12 excluded: 5 working days, so the deadline moves by 5 working days.
    unpaused = evaluate(reply_clock("2026-11-02"), CAL, at("2026-11-12"))
    assert unpaused.due_date is not None and r.due_date is not None
    assert CAL.working_days_between(unpaused.due_date, r.due_date) == 5
    assert r.explanation.pauses[0].reason == "征求第三方意见"
    assert any("暂停" in line for line in r.explanation.lines)
    # Internal (conservative) due date counts the answer day itself: one working day earlier.
    assert r.internal_due_at is not None and r.due_at is not None
    assert r.internal_due_at < r.due_at


def test_pause_twice_and_resume_unpaused_are_refused() -> None:
    c = pause(reply_clock(), "征求第三方意见", at("2026-09-17"))
    with pytest.raises(ClockError, match="不能重复暂停"):
        pause(c, "other", at("2026-09-18"))
    with pytest.raises(ClockError, match="没有暂停"):
        resume(reply_clock(), at("2026-09-18"))


def test_art30_correction_restarts_reply_clock() -> None:
    c = pause(reply_clock(), "等待补正", at("2026-09-18"))
    c = restart(c, at("2026-10-12"), "收到补正后的申请（条例第三十条）")
    r = evaluate(c, CAL, at("2026-10-12"))
    assert r.due_date == CAL.nth_working_day(date(2026, 10, 12), 20).end
    assert r.consumed == 0
    assert c.restarts[0].previous_anchor == at("2026-09-15")
    assert any("重新起算" in line for line in r.explanation.lines)


def test_art33_extension_once_capped_and_before_expiry() -> None:
    r0 = reading(reply_clock(), at("2026-10-12"))
    c = extend(reply_clock(), 20, "信息公开办主任", "需跨部门检索", at("2026-10-12"), r0)
    r = evaluate(c, CAL, at("2026-10-12"))
    assert r.due_date == date(2026, 11, 16)
    assert r.explanation.extensions[0].approver == "信息公开办主任"
    with pytest.raises(ClockError, match="不能再次延长"):
        extend(c, 5, "主任", "again", at("2026-10-13"), r)
    with pytest.raises(ClockError, match="最长不得超过20个工作日"):
        extend(reply_clock(), 21, "主任", "too long", at("2026-10-12"), r0)
    late = reading(reply_clock(), at("2026-10-20"))
    with pytest.raises(ClockError, match=r"2026-10-19）已届满.*GIDR Art. 33"):
        extend(reply_clock(), 10, "主任", "late", at("2026-10-20"), late)
    with pytest.raises(ClockError, match="批准人和理由"):
        extend(reply_clock(), 10, " ", "", at("2026-10-12"), r0)


def test_art33_para2_expiry_is_judged_on_consumed_days_while_paused() -> None:
    # Paused after the reply date passed: still expired; the frozen date is the legal one.
    c = pause(reply_clock(), "征求第三方意见", at("2026-10-21"))
    r = reading(c, at("2026-10-23"))
    assert r.state is ClockState.PAUSED and r.used_up
    assert r.frozen_due_date == date(2026, 10, 19) and r.internal_due_at is not None
    with pytest.raises(ClockError, match="已届满"):
        extend(c, 10, "主任", "复核", at("2026-10-23"), r)
    # Paused before it: an extension is lawful and the date counts as if resumed today.
    c = pause(reply_clock(), "征求第三方意见", at("2026-10-12"))
    r = reading(c, at("2026-10-23"))
    assert (
        not r.used_up and r.frozen_due_date is not None and r.frozen_due_date > date(2026, 10, 23)
    )
    extended = extend(c, 20, "主任", "复核", at("2026-10-23"), r)
    assert (
        reading(extended, at("2026-10-23")).frozen_due_date
        == CAL.nth_working_day(r.frozen_due_date, 20).end
    )


def test_art30_restart_is_a_full_reset() -> None:
    c = extend(reply_clock(), 20, "主任", "检索", at("2026-09-16"), reading(reply_clock()))
    c = restart(c, at("2026-09-18"), "收到补正后的申请")
    assert c.extensions == [] and c.restarts[0].discarded_extensions[0].amount == 20
    r = reading(c, at("2026-09-18"))
    assert r.due_date == CAL.nth_working_day(date(2026, 9, 18), 20).end
    assert any("原延长期限不再适用" in line for line in r.explanation.lines)
    extend(c, 20, "主任", "检索", at("2026-09-18"), r)  # the new period may be extended


def test_extension_not_allowed_without_policy() -> None:
    c = start("window", Unit.WORKING_DAYS, 7, at("2026-09-15"))
    with pytest.raises(ClockError, match="依法不能延长"):
        extend(c, 1, "x", "y", at("2026-09-16"), reading(c))


def test_art35_override_fixes_a_later_date() -> None:
    now = reading(reply_clock(), at("2026-10-01"))
    c = override(
        reply_clock(), date(2026, 12, 31), "申请数量明显超过合理范围", "主任", at("2026-10-01"), now
    )
    r = evaluate(c, CAL, at("2026-10-02"))
    assert r.due_date == date(2026, 12, 31)
    assert any("答复日期确定为2026-12-31" in line for line in r.explanation.lines)
    with pytest.raises(ClockError, match="应当晚于现行答复期限（2026-10-19）"):
        override(reply_clock(), date(2026, 10, 19), "x", "y", at("2026-10-01"), now)
    with pytest.raises(ClockError, match="理由和批准人"):
        override(reply_clock(), date(2026, 12, 31), "", "y", at("2026-10-01"), now)
    late = reading(reply_clock(), at("2026-10-20"))
    with pytest.raises(ClockError, match="已届满"):
        override(reply_clock(), date(2026, 12, 31), "x", "y", at("2026-10-20"), late)
    with pytest.raises(ClockError, match="不再适用延长"):
        extend(c, 5, "主任", "x", at("2026-10-02"), r)


def test_minimum_period_elapses_instead_of_expiring() -> None:
    c = start("legality_review", Unit.WORKING_DAYS, 7, at("2026-09-15"), minimum=True)
    assert evaluate(c, CAL, at("2026-09-30")).state is ClockState.ELAPSED
    assert "不少于7个工作日" in evaluate(c, CAL, at("2026-09-16")).explanation.lines[0]


def test_expired_and_stopped_states() -> None:
    assert evaluate(reply_clock(), CAL, at("2026-10-20", 0)).state is ClockState.EXPIRED
    # 23:59:59 on the due day is still in time (民法典 Art. 203 para 2)
    assert evaluate(reply_clock(), CAL, at("2026-10-19", 23)).state is ClockState.RUNNING
    c = stop(reply_clock(), at("2026-10-01"), "已答复")
    assert evaluate(c, CAL, at("2026-10-30")).state is ClockState.STOPPED
    r = evaluate(c, CAL, at("2026-10-30"))
    assert r.stopped_at == at("2026-10-01") and r.stop_reason == "已答复"
    assert any("停止计算：已答复" in line for line in r.explanation.lines)
    with pytest.raises(ClockError, match="停止计算"):
        pause(c, "x", at("2026-10-02"))


def test_calendar_days_roll_over_a_holiday() -> None:
    # Remedy window: 60 days from 2026-08-02 ends 2026-10-01 (National Day) → rolls to 10-08.
    c = start(
        "reconsideration", Unit.CALENDAR_DAYS, 60, at("2026-08-02"), basis="行政复议法第二十条"
    )
    r = evaluate(c, CAL, at("2026-08-03"))
    assert r.due_date == date(2026, 10, 8)
    assert r.explanation.rolled_over[0].day == date(2026, 10, 1)
    assert any("顺延" in line for line in r.explanation.lines)


def test_calendar_days_without_roll() -> None:
    c = start("comment", Unit.CALENDAR_DAYS, 30, at("2026-11-02"))
    assert evaluate(c, CAL, at("2026-11-02")).due_date == date(2026, 12, 2)


def test_months_use_corresponding_day_or_month_end() -> None:
    c = start("litigation", Unit.MONTHS, 6, at("2026-08-31"), basis="行政诉讼法第四十六条")
    # 2027-02-28 is a Sunday in a provisional year → rolls to Monday 2027-03-01.
    r = evaluate(c, CAL, at("2026-09-01"))
    assert r.due_date == date(2027, 3, 1)
    assert r.provisional
    c2 = start("litigation", Unit.MONTHS, 6, at("2026-03-15"))
    assert evaluate(c2, CAL, at("2026-03-16")).due_date == date(2026, 9, 15)


def test_hours_run_24x7_and_pauses_add_exact_time() -> None:
    t0 = datetime(2026, 10, 1, 22, 30, tzinfo=SHANGHAI)  # a holiday night: hours ignore it
    c = start("authoritative_release", Unit.HOURS, 5, t0, basis="国办发〔2016〕80号")
    r = evaluate(c, CAL, t0 + timedelta(hours=1))
    assert r.due_at == t0 + timedelta(hours=5)
    assert r.due_date == date(2026, 10, 2)
    assert r.consumed == 1 and r.remaining == 4
    c = resume(pause(c, "事件核实", t0 + timedelta(hours=1)), t0 + timedelta(hours=1, minutes=30))
    assert evaluate(c, CAL, t0 + timedelta(hours=2)).due_at == t0 + timedelta(hours=5, minutes=30)
    assert evaluate(c, CAL, t0 + timedelta(hours=6)).state is ClockState.EXPIRED


def test_provisional_deadline_keeps_internal_margin() -> None:
    r = evaluate(reply_clock("2026-12-15"), CAL, at("2026-12-15"))
    assert r.provisional
    assert r.due_date == date(2027, 1, 13)  # 元旦 2027 is certain (Decree 795)
    assert r.internal_due_at is not None
    assert r.internal_due_at.date() == CAL.working_days_before(date(2027, 1, 13), 2)
    assert r.explanation.provisional_years == [2027]
    assert any("尚未公布" in line for line in r.explanation.lines)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ClockError, match="时区"):
        start("reply", Unit.WORKING_DAYS, 20, datetime(2026, 9, 15))


def test_clock_round_trips_as_json() -> None:
    c = resume(pause(reply_clock(), "征求意见", at("2026-09-16")), at("2026-09-18"))
    c = extend(c, 20, "主任", "检索", at("2026-09-18"), reading(c, at("2026-09-18")))
    again = Clock.model_validate_json(c.model_dump_json())
    assert again == c
    assert evaluate(again, CAL, at("2026-09-18")) == evaluate(c, CAL, at("2026-09-18"))


def test_art33_a_stopped_clock_counts_consumed_days_to_its_stop() -> None:
    """A reply sent on 2026-09-22 consumed 6 working days (09-16…09-22, with Sunday 09-20 a
    make-up working day); read a month later it still has: the days after the stop are not the
    period's."""
    stopped = stop(reply_clock(), at("2026-09-22", 16), "已答复")
    later = evaluate(stopped, CAL, at("2026-10-30"))
    assert later.state is ClockState.STOPPED
    assert later.consumed == 6 and later.remaining == 14
    assert later.due_date == date(2026, 10, 19)
    hours = stop(start("release", Unit.HOURS, 24, at("2026-09-22", 8)), at("2026-09-22", 13), "x")
    assert evaluate(hours, CAL, at("2026-09-25")).consumed == 5
    # Paused when it stopped (withdrawn during a consultation): the pause ends with the stop.
    paused = pause(reply_clock(), "征求第三方意见", at("2026-09-17"))
    withdrawn = stop(paused, at("2026-09-18"), "申请人撤回申请")
    assert (
        evaluate(withdrawn, CAL, at("2026-12-01")).frozen_due_date
        == evaluate(paused, CAL, at("2026-09-18")).frozen_due_date
    )
