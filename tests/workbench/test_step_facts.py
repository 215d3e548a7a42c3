"""The workbench's facts about steps are the registry's (schemas/registry.py): a decision's words
sit on decisions, and the steps the case page does not list are offered elsewhere on it."""

from __future__ import annotations

from schemas.registry import KINDS


def test_only_a_decision_has_words_for_approving() -> None:
    for kind in KINDS.values():
        for step in kind.actions:
            if step.approve_zh != "同意":
                assert "approve" in step.body.model_fields, (kind.kind, step.name)


def test_an_unlisted_step_is_offered_elsewhere_on_the_page() -> None:
    unlisted = {(k.kind, s.name) for k in KINDS.values() for s in k.actions if not s.listed}
    # the applicant block's reveal; the submit form's second button
    assert unlisted == {("disclosure", "reveal-identity"), ("disclosure", "save-draft")}
