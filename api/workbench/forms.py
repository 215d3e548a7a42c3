"""What the case page shows each person so they can decide: the forms of the steps they may take,
fitted to the case (the agency's people and units to choose from, the reply's parts for the
outcome chosen with the wording to start from, the public text of a message pre-masked, the
fingerprint of the draft an approver reads); and what a form's answer lacked, in the form's words.
The documents as they would be issued are previews.py's.

The forms are made from the steps' typed bodies (api/forms.py); this module only narrows and
fills them. Nothing here decides: the workflow's validators do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine

from api.errors import _constraint
from api.forms import Choice, FormField, fields_of, label_at
from rules.outcomes import SPECS, Outcome, plain_outcome
from rules.personal import mask_personal
from rules.reply_drafts import fields_for, template
from schemas.case import Actor, CaseViewBase, Role
from schemas.disclosure import DELIVERIES, FORMS, ID_TYPES, SERVICE_METHODS
from schemas.registry import KINDS, ActionSpec
from store.agencies import agency_units
from store.applicants import repeat_candidates
from store.users import case_handlers


@dataclass
class StepForm:
    """One step's form on the case page."""

    step: ActionSpec
    fields: list[FormField]
    confirm: bool = False
    defaults: dict[str, str] = field(default_factory=dict)
    # submit-for-review: the outcome whose parts the form shows (none: choose one first).
    outcome: str = ""
    note: str = ""  # a line above the form's fields (what the approver is approving)
    open: bool = False  # shown open: the next step of the main path


def _select(f: FormField, choices: list[tuple[str, str]]) -> FormField:
    return replace(f, widget="select", choices=[Choice(v, label) for v, label in choices])


def _fit(fields: list[FormField], fit: dict[str, Any]) -> list[FormField]:
    """Each field by name: a list of choices makes it a select, "hidden" hides it, None drops it;
    nested groups are fitted by their full names."""
    out = []
    for f in fields:
        how = fit.get(f.name, f)
        if how is None:
            continue
        if f.is_group:
            out.append(replace(f, children=_fit(f.children, fit)))
        elif how == "hidden":
            out.append(replace(f, widget="hidden", required=False))
        elif isinstance(how, list):
            out.append(_select(f, how))
        else:
            out.append(f)
    return out


def registration_fields(fields: list[FormField]) -> list[FormField]:
    """The registration form of a paper or telephone application offers what the portal's does
    (the same identity documents, forms and carriers) instead of free text."""
    return _fit(
        fields,
        {
            "applicant.id_type": [(v, v) for v in ID_TYPES],
            "form": [(v, v) for v in FORMS],
            "delivery": [(v, v) for v in DELIVERIES],
        },
    )


def units(engine: Engine, agency: str) -> list[str]:
    """The agency's units (承办单位) to route a case to: those configured for it (`gongkai
    agencies update --unit`), then any its people belong to."""
    configured = agency_units(engine, agency)
    people = sorted({u.unit for u in case_handlers(engine, agency) if u.unit} - set(configured))
    return [*configured, *people]


def _serve_default(delivery: str) -> str:
    if "电子" in delivery or "邮箱" in delivery:
        return "电子送达"
    if "邮寄" in delivery:
        return "邮寄送达"
    return "直接送达"


def step_forms(
    engine: Engine, view: CaseViewBase, actor: Actor, steps: list[ActionSpec], outcome: str = ""
) -> list[StepForm]:
    """The forms of the steps this person may take now, fitted to the case; the first step of
    the case's main path is open (the one they most likely came to take)."""
    data = view.model_dump()
    forms = [
        _form(engine, view, actor, step, outcome)
        for step in steps
        if step.listed and not _pointless(step.name, data, actor)
    ]
    first = next((f for f in forms if f.step.main), None)
    if first is not None:
        first.open = True
        forms.remove(first)
        forms.insert(0, first)
    return forms


def _pointless(step: str, view: dict[str, Any], actor: Actor) -> bool:
    """A step its workflow would refuse whatever is typed, by what the case already says (it is
    still checked there): not offered."""
    supervisor = actor.role is Role.SUPERVISOR
    of_the_unit = supervisor or (bool(actor.unit) and actor.unit == view.get("unit"))
    return {
        "acknowledge": bool(view.get("unit_acknowledged")) or not of_the_unit,
        "return-to-office": not of_the_unit,
        "transfer-unit": bool(actor.unit) and not supervisor,
        "decide-extension": view.get("extension_request") is None,
        "request-extension": view.get("extension_request") is not None,
        "request-correction": bool(view.get("correction_requested")),
        "approve-publication": not view.get("publish_consent"),
        "move-to-proactive": bool(view.get("moved_to"))
        or view.get("outcome") not in ("GRANTED", "PARTIAL"),
    }.get(step, False)


def _form(
    engine: Engine, view: CaseViewBase, actor: Actor, step: ActionSpec, outcome: str
) -> StepForm:
    fields = fields_of(step.body)
    form = StepForm(step, fields, confirm=step.irreversible)
    data = view.model_dump()
    if step.name in ("assign", "transfer-unit"):
        choices = [(u, u) for u in units(engine, view.agency) if u != data.get("unit")]
        name = "unit" if step.name == "assign" else "to_unit"
        form.fields = _fit(fields, {name: choices} if choices else {})
    elif step.name == "assign-officer":
        people = [
            (
                u.username,
                f"{u.name}（{'负责人' if u.role == 'supervisor' else '经办人'}"
                f"{'，' + u.unit if u.unit else ''}）",
            )
            for u in case_handlers(engine, view.agency)
            if u.username != view.officer
        ]
        form.fields = _fit(fields, {"officer": people, "officer_name": None, "officer_unit": None})
    elif step.name == "serve":
        form.fields = _fit(fields, {"method": [(m, m) for m in SERVICE_METHODS]})
        applicant = data.get("applicant") or {}
        form.defaults = {"method": _serve_default(str(applicant.get("delivery", "")))}
    elif step.name in ("review", "sign-off"):
        _approval(form, data)
    elif step.name == "submit-for-review":
        _reply_form(form, data, outcome)
        if form.outcome == Outcome.NOT_PROCESSED_REPEAT.value:
            _repeat_choices(engine, form, view)
    elif step.name == "approve-publication":
        person = data.get("person") or {}
        names = [str(person.get("name", ""))]
        form.defaults = {
            "subject": mask_personal(str(data.get("subject", "")), names),
            "message": mask_personal(str(data.get("message", "")), names),
            "answer": mask_personal(str(data.get("answer", "")), names),
        }
        form.note = (
            "以下为系统自动隐去姓名、证件号码、电话号码和电子邮箱后的公开文本，请核对并删去其他"
            "可识别个人的内容（如门牌号、单位）后再同意公开；原文仅本机关可见。"
        )
    return form


def _approval(form: StepForm, data: dict[str, Any]) -> None:
    draft = data.get("draft") or {}
    form.fields = _fit(form.fields, {"draft_digest": "hidden"})
    form.defaults = {"draft_digest": str(draft.get("digest", ""))}
    if draft:
        form.note = (
            f"您{form.step.zh}的是上方的拟答复书（第{draft.get('version')}稿，文稿指纹"
            f"{str(draft.get('digest', ''))[:12]}）：文稿如在您阅读后被修改，提交将被拒绝。"
        )


def _reply_form(form: StepForm, data: dict[str, Any], outcome: str) -> None:
    """The reply's parts for the outcome chosen (from the page's address or the saved draft),
    each starting from the saved draft or the outcome's wording."""
    saved = data.get("working_draft") or {}
    chosen = outcome or str(saved.get("outcome") or "")
    if chosen not in {o.value for o in Outcome} or chosen in _SYSTEM_OUTCOMES:
        form.fields, form.outcome = [], ""
        return
    form.outcome = chosen
    keep = {f"reply.{name}" for name in fields_for(Outcome(chosen))}
    fit: dict[str, Any] = {"reply.outcome": "hidden"}
    group = next(f for f in form.fields if f.name == "reply")
    for child in group.children:
        if child.name != "reply.outcome" and child.name not in keep:
            fit[child.name] = None
    form.fields = _fit(form.fields, fit)
    if "legal_basis_text" not in SPECS[Outcome(chosen)].needs:  # the outcome's own are cited
        form.fields = _relabel(form.fields, "reply.legal_basis_text", OPTIONAL_BASIS)
    start = saved if saved.get("outcome") == chosen else template(Outcome(chosen))
    form.defaults = {
        f"reply.{k}": ("on" if v is True else str(v))
        for k, v in start.items()
        if v not in ("", False, None) and k != "outcome"
    }
    form.defaults["reply.outcome"] = chosen


OPTIONAL_BASIS = "其他法律依据（可选：本答复类型所依据的条例条款已自动列明）"


def _relabel(fields: list[FormField], name: str, label: str) -> list[FormField]:
    return [
        replace(f, children=_relabel(f.children, name, label))
        if f.is_group
        else (replace(f, label=label) if f.name == name else f)
        for f in fields
    ]


def _repeat_choices(engine: Engine, form: StepForm, view: CaseViewBase) -> None:
    """GIDR Art. 36(6): the earlier case is chosen among the same applicant's answered requests
    to this agency (the most alike first), not typed; the API checks the choice again."""
    found = repeat_candidates(engine, view.case_no, view.agency)
    choices = [
        (
            c.row.case_no,
            f"{c.row.case_no}（{c.row.concluded_on}答复：{plain_outcome(Outcome(c.row.outcome))}；"
            f"相似度{round(c.score * 100)}%）{c.row.summary[:40]}",
        )
        for c in found
        if c.row.outcome in {o.value for o in Outcome}
    ]
    form.fields = _fit(form.fields, {"reply.previous_case": choices})
    if choices:
        form.defaults.setdefault("reply.previous_case", choices[0][0])
        form.note = (
            "重复申请只适用于同一申请人就同一政府信息再次提出、本机关已经答复的申请（条例第三十六条"
            "第（六）项）：请选择此前的申请，并写明本次申请中重复的信息。"
        )
    else:
        form.note = (
            "未找到本申请人此前向本机关提出并已答复的申请：不能以重复申请答复"
            "（条例第三十六条第（六）项）。"
        )


# Outcomes the system records itself when a window runs out: never drafted.
_SYSTEM_OUTCOMES = {Outcome.OTHER_NO_CORRECTION.value, Outcome.OTHER_FEE_UNPAID.value}
OUTCOME_CHOICES = [(o.value, SPECS[o].category) for o in Outcome if o.value not in _SYSTEM_OUTCOMES]


def staff_steps(view: CaseViewBase, actor: Actor, source: str) -> list[ActionSpec]:
    """The steps this person may take on the case now (the workflow checks again)."""
    spec = KINDS.get(view.kind)
    if spec is None or source != "workflow" or actor.role not in (Role.OFFICER, Role.SUPERVISOR):
        return []
    return [
        step
        for step in spec.actions
        if step.roles & {Role.OFFICER, Role.SUPERVISOR}
        and step.refusal(spec, actor.role, str(view.status)) is None
    ]


def said(exc: ValidationError, model: type[BaseModel]) -> str:
    """A form's problems, each under its field's label as the form shows it."""
    return "；".join(
        f"{label_at(model, tuple(e['loc'])) if e['loc'] else '表单'}：{_constraint(dict(e))}"
        for e in exc.errors()
    )
