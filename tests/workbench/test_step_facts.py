"""The workbench's facts about steps are the registry's (schemas/registry.py) and the bodies'
(schemas/): a decision's words sit on decisions, the steps the case page does not list are
offered elsewhere on it, and a field's label is its model's title."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.forms import fields_of
from api.routes.kinds import request_model
from api.workbench.forms import said
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


def test_a_refused_form_names_each_field_as_the_form_labels_it() -> None:
    """Labels are the models' titles (Field(title=…)): the form and its refusal say the same."""
    answer = request_model("inquiry", "answer")
    with pytest.raises(ValidationError) as refused:
        answer.model_validate({})
    assert said(refused.value, answer).startswith("答复内容：")
    message = KINDS["inquiry"].create
    with pytest.raises(ValidationError) as refused:
        message.model_validate({"person": {}})
    person = next(f for f in fields_of(message) if f.name == "person")
    assert person.children[0].label == "留言人姓名"
    assert "留言人姓名：" in said(refused.value, message)
