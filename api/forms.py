"""HTML forms made from the actions' typed bodies, and the forms' answers read back into them.

The workbench shows each step an officer may take as a form generated from the step's body (the
same pydantic model the API and the workflow validate): Chinese labels, dates as date pickers,
instants as Beijing local times, enumerations as choices, lists as one item per line, and a
nested model (the reply's content) as its own fieldset. What the form sends is turned back into
the body's JSON shape; the model then validates it exactly as for an API call.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from rules.outcomes import FIELD_LABELS, SPECS, Outcome
from schemas.case import FILLED_BY_API
from schemas.disclosure import SATISFACTION_ZH

# A field's label is its model's ``title`` (``Field(title=…)`` in schemas/); these are the labels
# of the reply's parts, whose model (rules/outcomes.py ``ReplyContent``) lives beside the words
# the reply's own checks use.
LABELS: dict[str, str] = {
    "outcome": "答复类型",
    "not_this_agency": "非本机关负责公开",
    "responsible_agency_unknown": "负责公开的机关无法确定",
    "already_public": "该信息已主动公开（条例第三十六条第（一）项）",
    **FIELD_LABELS,
}
# The Chinese of choices whose enumerations do not carry their own (``.zh``).
CHOICES: dict[str, str] = {
    "in_person": "当面提交",
    "registered_mail": "邮寄（需签收）",
    "ordinary_mail": "平常信函",
    "online": "互联网渠道",
    "fax": "传真",
    "consent": "同意公开",
    "objection": "不同意公开",
    "opinion": "提出意见",
    "reasonable": "理由合理",
    "unreasonable": "理由不合理",
    "third_party": "第三方（条例第三十二条）",
    "co_producer": "共同制作机关（条例第三十四条）",
    "other_agency": "其他机关（条例第三十三条第三款）",
    "authoritative": "权威信息发布",
    "follow_up": "持续发布",
    "correction": "澄清不实信息",
    "hearing": "听证",
    "expert_review": "专家论证",
    "risk_assessment": "风险评估",
}
LONG = 200  # longer limits get a textarea


Widget = Literal[
    "text", "textarea", "int", "bool", "check", "select", "date", "datetime", "lines", "hidden"
]


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class FormField:
    name: str  # as posted: "reply.outcome" inside a nested model
    label: str
    widget: Widget
    required: bool
    max_length: int | None = None
    choices: list[Choice] = field(default_factory=list)
    help: str = ""
    children: list[FormField] = field(default_factory=list)  # a nested model's fields

    @property
    def is_group(self) -> bool:
        return bool(self.children)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The field's type without Annotated and Optional; and whether None is allowed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def _enum_label(member: Enum) -> str:
    if isinstance(member, Outcome):
        return SPECS[member].category
    zh = getattr(member, "zh", None)
    return str(zh) if zh else CHOICES.get(str(member.value), str(member.value))


def _max_length(info: Any) -> int | None:
    for meta in info.metadata:
        if getattr(meta, "max_length", None) is not None:
            return int(meta.max_length)
    inner = typing.get_args(info.annotation)
    for meta in inner[1:] if inner else ():
        if getattr(meta, "max_length", None) is not None:
            return int(meta.max_length)
    return None


def _label(name: str, info: FieldInfo) -> str:
    return info.title or LABELS.get(name, info.description or name)


def label_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """The label of the field an error's location points to, as the form shows it (a location
    that is not a field's, by its last part)."""
    info: FieldInfo | None = None
    within: type[BaseModel] | None = model
    for part in loc:
        info = within.model_fields.get(str(part)) if within is not None else None
        if info is None:
            return LABELS.get(str(loc[-1]), str(loc[-1]))
        inner, _ = _unwrap(info.annotation)
        within = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    return _label(str(loc[-1]), info) if info is not None else "表单"


def fields_of(model: type[BaseModel], prefix: str = "") -> list[FormField]:
    """The form for ``model`` (the actor is never a field: it is who is signed in)."""
    out: list[FormField] = []
    for name, info in model.model_fields.items():
        if name == "actor" or name in FILLED_BY_API:
            continue
        kind, optional = _unwrap(info.annotation)
        required = info.is_required() and not optional
        label = _label(name, info)
        full = f"{prefix}{name}"
        origin = typing.get_origin(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            out.append(
                FormField(full, label, "text", required, children=fields_of(kind, f"{full}."))
            )
        elif origin is list:
            (item,) = typing.get_args(kind)
            item, _ = _unwrap(item)
            if isinstance(item, type) and issubclass(item, BaseModel):
                continue  # files: uploaded beside the form, not typed into it
            out.append(FormField(full, label, "lines", required))
        elif isinstance(kind, type) and issubclass(kind, Enum):
            choices = [Choice(str(m.value), _enum_label(m)) for m in kind]
            out.append(FormField(full, label, "select", required, choices=choices))
        elif origin is Literal:
            words = SATISFACTION_ZH if name == "score" else {}
            choices = [
                Choice(str(v), words.get(str(v)) or CHOICES.get(str(v), str(v)))
                for v in typing.get_args(kind)
            ]
            out.append(FormField(full, label, "select", required, choices=choices))
        elif kind is bool:
            out.append(FormField(full, label, "bool" if required else "check", required))
        elif kind is int:
            out.append(FormField(full, label, "int", required))
        elif kind is datetime:
            out.append(FormField(full, label, "datetime", required))
        elif kind is date:
            out.append(FormField(full, label, "date", required))
        else:
            limit = _max_length(info)
            widget: Widget = "textarea" if limit is None or limit > LONG else "text"
            out.append(FormField(full, label, widget, required, max_length=limit))
    return out


def read_form(fields: list[FormField], form: dict[str, str]) -> dict[str, Any]:
    """The body as JSON from what the form sent: blanks left out (the model's defaults apply),
    a Beijing local time given its offset; anything malformed is passed on as typed, for the
    model to refuse with its own words."""
    body: dict[str, Any] = {}
    for f in fields:
        key = f.name.rsplit(".", 1)[-1]
        if f.is_group:
            body[key] = read_form(f.children, form)
            continue
        raw = form.get(f.name, "")
        if f.widget == "check":
            body[key] = raw in ("on", "true", "1")
            continue
        raw = raw.strip()
        if not raw:
            continue
        if f.widget == "lines":
            body[key] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif f.widget == "bool":
            body[key] = {"true": True, "false": False}.get(raw, raw)
        elif f.widget == "int":
            body[key] = int(raw) if raw.lstrip("-").isdigit() else raw
        elif f.widget == "datetime":
            # datetime-local: 2026-12-01T09:30, or with seconds; Beijing time
            body[key] = {16: f"{raw}:00+08:00", 19: f"{raw}+08:00"}.get(len(raw), raw)
        else:
            body[key] = raw
    return body
