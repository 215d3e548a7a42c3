"""Rule packs: valid data, chosen by jurisdiction and receipt date; no statutory literals in
workflow code."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from rules.clock import Unit
from rules.packs import PACK_DIR, RulePackError, load_pack, load_packs, select_pack

ROOT = Path(__file__).resolve().parents[2]


def test_every_pack_file_is_valid() -> None:
    packs = load_packs()
    assert {p.id for p in packs} >= {"cn-national-2019", "cn-national-2008"}
    for path in PACK_DIR.glob("*.toml"):
        assert load_pack(path).ref


def test_national_2019_values_match_law_md() -> None:
    pack = select_pack("disclosure", "CN", date(2026, 9, 15))
    d = pack.disclosure
    assert d is not None
    assert (d.reply.amount, d.reply.unit) == (20, Unit.WORKING_DAYS)
    assert (d.extension.amount, d.max_extensions) == (20, 1)
    assert d.correction_notice_window is not None and d.correction_notice_window.amount == 7
    assert d.third_party_consultation is not None and d.third_party_consultation.amount == 15
    assert d.co_producer_consultation is not None and d.co_producer_consultation.amount == 15
    assert (d.remedy_reconsideration.amount, d.remedy_reconsideration.unit) == (
        60,
        Unit.CALENDAR_DAYS,
    )
    assert (d.remedy_litigation.amount, d.remedy_litigation.unit) == (6, Unit.MONTHS)
    assert d.reconsideration_first_since == date(2024, 1, 1)
    rungs = {r.name: r for r in d.escalation.rungs}
    assert rungs["amber"].at_consumed == 15 and rungs["red"].at_consumed == 18
    assert rungs["overdue"].after_due == 0 and rungs["very_overdue"].after_due == 10
    c = select_pack("consultation", "CN", date(2026, 9, 15)).consultation
    assert c is not None and c.comment_period.amount == 30 and c.legality_review.amount == 7
    e = select_pack("emergency", "CN", date(2026, 9, 15)).emergency
    assert e is not None and (e.authoritative_release.amount, e.authoritative_release.unit) == (
        5,
        Unit.HOURS,
    )
    assert (e.press_conference.amount, e.other_concern.amount) == (24, 48)
    i = select_pack("inquiry", "CN", date(2026, 9, 15)).inquiry
    assert i is not None and i.consultation_reply.amount == 10


def test_gidr_2008_applies_to_receipts_before_2019_05_15() -> None:
    old = select_pack("disclosure", "CN", date(2019, 5, 14))
    new = select_pack("disclosure", "CN", date(2019, 5, 15))
    assert old.id == "cn-national-2008" and old.disclosure and old.disclosure.reply.amount == 15
    assert old.disclosure.correction_notice_window is None
    assert new.id == "cn-national-2019"


def test_provincial_jurisdiction_falls_back_to_national() -> None:
    assert select_pack("disclosure", "CN-44", date(2026, 1, 1)).jurisdiction == "CN"


def test_no_pack_before_2008_is_a_clear_error() -> None:
    with pytest.raises(RulePackError, match="No rule pack covers disclosure cases in CN"):
        select_pack("disclosure", "CN", date(2007, 1, 1))


def test_invalid_pack_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'id="x"\nversion="1"\ntitle="t"\njurisdiction="CN"\neffective_from=2020-01-01\n'
        '[inquiry]\nconsultation_reply={amount=-1, unit="working_days", basis="b"}\n'
    )
    with pytest.raises(RulePackError, match="invalid"):
        load_pack(bad)


def test_no_statutory_period_literals_in_workflow_code() -> None:
    """Statutory periods come from the rule pack: workflows never build day/hour timedeltas."""
    offenders = []
    for path in (ROOT / "workflows").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "timedelta":
                for kw in node.keywords:
                    if kw.arg in {"days", "weeks", "hours"}:
                        offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_no_clock_or_randomness_in_workflow_and_rule_code() -> None:
    """Workflows and rules take time as an argument (workflow.now() or a passed-in instant).
    The worker runs workflows without the SDK's sandbox (workers/worker.py), so this check and
    the replay test, not the sandbox, keep wall-clock reads, randomness and the outside world
    (environment, files, sockets, threads) out of them."""
    forbidden = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
    outside = {"os", "time", "socket", "subprocess", "threading", "httpx", "sqlalchemy", "uuid"}
    offenders = []
    for package in ("workflows", "rules"):
        for path in (ROOT / package).rglob("*.py"):
            where = path.relative_to(ROOT)
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    if (node.value.id, node.attr) in forbidden or node.value.id == "random":
                        offenders.append(f"{where}:{node.lineno} {node.value.id}")
                if isinstance(node, ast.Import | ast.ImportFrom):
                    names = [a.name for a in node.names]
                    module = getattr(node, "module", None) or ""
                    if "random" in names or module == "random" or "uuid" in names:
                        offenders.append(f"{where}:{node.lineno} import")
                    top = (
                        {n.split(".")[0] for n in names} if isinstance(node, ast.Import) else set()
                    )
                    if package == "workflows" and (top | {module.split(".")[0]}) & outside:
                        offenders.append(f"{where}:{node.lineno} import {module or names}")
    assert offenders == []
