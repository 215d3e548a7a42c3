"""Every form the workbench makes from a typed body speaks Chinese: each field's label and each
choice, for every kind's registration and every step (a new field without its words fails)."""

from __future__ import annotations

from api.forms import FormField, fields_of, read_form
from schemas.registry import KINDS


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _walk(fields: list[FormField]) -> list[str]:
    bad = []
    for f in fields:
        if not _chinese(f.label):
            bad.append(f"{f.name}: {f.label}")
        bad += [f"{f.name} = {c.value}: {c.label}" for c in f.choices if not _chinese(c.label)]
        bad += _walk(f.children)
    return bad


def test_every_label_and_choice_is_chinese() -> None:
    bad = []
    for kind in KINDS.values():
        bad += [f"{kind.kind} create {b}" for b in _walk(fields_of(kind.create))]
        for step in kind.actions:
            bad += [f"{kind.kind} {step.name} {b}" for b in _walk(fields_of(step.body))]
    assert bad == []


def test_what_a_form_sends_becomes_the_body() -> None:
    step = KINDS["disclosure"].action("request-correction")
    assert step is not None
    fields = fields_of(step.body)
    body = read_form(fields, {"items": "地块编号\n\n  附图页码 ", "period_working_days": "10"})
    assert body == {"items": ["地块编号", "附图页码"], "period_working_days": 10}
    answer = KINDS["disclosure"].action("record-consultation-answer")
    assert answer is not None
    body = read_form(
        fields_of(answer.body), {"answer": "consent", "occurred_at": "2026-12-01T09:30"}
    )
    assert body == {"answer": "consent", "occurred_at": "2026-12-01T09:30:00+08:00"}
    review = KINDS["disclosure"].action("review")
    assert review is not None
    assert read_form(fields_of(review.body), {"approve": "false"}) == {
        "approve": False,
        "confidentiality_reviewed": False,
    }
