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

from rules.outcomes import FIELD_LABELS, SPECS, Outcome
from schemas.case import FILLED_BY_API
from schemas.disclosure import SATISFACTION_ZH

LABELS: dict[str, str] = {
    "note": "内部备注（可选，不对外）",
    "items": "需要补正的事项（每行一项）",
    "period_working_days": "补正期限（工作日，可选；默认按规则包）",
    "occurred_at": "实际发生时间（北京时间，可选；默认为现在）",
    "late_reason": "逾期补正的正当理由",
    "text": "内容",
    "unit": "承办单位（科室）",
    "party": "被征求意见的第三方或机关",
    "matters": "征求意见的事项",
    "delivered_at": "征求意见书送达时间",
    "answer": "第三方意见",
    "reasons": "理由",
    "amount_yuan": "信息处理费金额（元）",
    "basis": "收费依据",
    "reason": "理由",
    "decision": "决定",
    "fixed_reply_date": "确定的答复日期（条例第三十五条）",
    "working_days": "延长的工作日数（不超过20个）",
    "approve": "审核意见",
    "confidentiality_reviewed": "已依照条例第十七条进行保密审查",
    "comments": "意见",
    "method": "送达方式",
    "served_on": "送达日期（可选；默认为今天）",
    "to_unit": "转至单位",
    "description": "所需政府信息的描述",
    "accepted": "是否受理",
    "channel": "发布渠道",
    "channels": "公布渠道",
    "place": "地点",
    "speaker": "发布人",
    "no_press_conference_reason": "未举行新闻发布会的理由",
    "score": "评价",
    "comment": "评价意见",
    "hearing_at": "听证会时间",
    "materials_sent_at": "听证材料送达时间",
    "step": "环节",
    "summary": "情况摘要",
    "controllable": "风险可控",
    "adopted": "采纳的意见",
    "not_adopted_reasons": "集中意见未予采纳的理由",
    "lawful": "审查结论：合法",
    "opinion": "审查意见",
    "minutes": "会议纪要",
    "dissent": "不同意见（每行一条）",
    "period_days": "征求意见期限（日，可选；默认30日）",
    "urgency_reason": "期限少于30日的理由",
    "held_on": "举行日期",
    "topic": "主题",
    "outcome": "答复类型",
    "reply": "答复内容（答复书）",
    "applicant": "申请人",
    "person": "留言人",
    "facts": "检索情况及所需信息",
    "not_this_agency": "非本机关负责公开",
    "responsible_agency_unknown": "负责公开的机关无法确定",
    "already_public": "该信息已主动公开（条例第三十六条第（一）项）",
    "received_at": "收到的时间（北京时间，可选；默认为现在）",
    "signed_for_at": "挂号信件签收时间（条例第三十一条第（二）项，可选）",
    "name": "姓名或名称",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "通信地址",
    "organisation": "单位名称",
    "form": "获取信息的方式（如电子文档、纸质文本）",
    "delivery": "获取信息的载体（如电子邮件、邮寄）",
    "category": "留言类别",
    "subject": "标题",
    "message": "留言内容",
    "grade": "事件级别",
    "title": "标题",
    "summary_text": "事件概况",
    "detected_at": "发现时间（北京时间，可选；默认为现在）",
    "year": "年度",
    "expert_review_required": "需要专家论证（条例第十九条）",
    "risk_assessment_required": "需要风险评估（条例第二十二条）",
    "kind": "类型",
    "agency": "机关代码",
    "attribute": "公开属性（源头认定）",
    "type": "申请人类型（年度报告按此分列）",
    "started_at": "开始监督之时（可选；默认为现在；年中登记的可从1月1日起）",
    "duty": (
        "常规工作（代码：annual_report 年度报告、government_report 本级政府年度报告、"
        "press_conference 新闻发布会、leader_press_conference 主要负责人出席新闻发布会、"
        "key_tasks 重点工作进展、online_interview 在线访谈、department_online_interview "
        "部门负责人在线访谈、meeting_invitations 邀请列席政府会议、open_day 政府开放日、"
        "leadership_hearing 听取汇报）"
    ),
    "competent_department": "本机关是本级政府的政府信息公开工作主管部门（条例第四十九条第二款）",
    "doc_kind": "文件类型（年度报告第二部分分列：规章、行政规范性文件、行政处罚或行政强制决定）",
    "decisions": "本条公开的处理决定数量（行政许可、行政处罚、行政强制的办理结果）",
    "fee_amount_yuan": "本条公布的行政事业性收费金额（元）",
    "repealed_by": "废止它的文件（名称、文号）",
    "evidence": "证明材料（网址、文号或简要说明）",
    "is_policy": "政策性文件",
    "interpretation_required": "需要政策解读（国办发〔2016〕80号）",
    "from_request": "由依申请公开案件纳入（条例第四十四条，案件编号）",
    "url": "网址",
    "content": "内容概述",
    "formed_on": "形成（或者变更）之日",
    "document_no": "文号",
    "ground": "理由和依据",
    "officer": "经办人",
    "purpose": "查看用途（记入办理经过）",
    "draft_digest": "文稿指纹",
    "publish_consent": "同意公开留言及答复（公开前隐去个人信息）",
    **FIELD_LABELS,
}
# Where one name means different things in different bodies: "Model.field".
MODEL_LABELS: dict[str, str] = {
    "DisclosureRequestCreate.channel": "申请的提交方式（决定收到申请之日，条例第三十一条）",
    "PersonIn.name": "留言人姓名",
    "StartConsultation.kind": "征求意见的对象",
    "SubmitDraft.kind": "发布类型",
    "ItemCreate.category": "信息类别（条例第二十条）",
    "MoveToProactive.formed_on": "该政府信息形成之日（目录的生成日期，不是纳入之日）",
    "Answer.text": "答复内容",
    "ApprovePublication.subject": "标题（公开文本）",
    "ApprovePublication.message": "留言内容（公开文本）",
    "ApprovePublication.answer": "答复（公开文本）",
    "MoveToProactive.category": "信息类别（条例第二十条）",
    "AmendItem.category": "信息类别（条例第二十条）",
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


def fields_of(model: type[BaseModel], prefix: str = "") -> list[FormField]:
    """The form for ``model`` (the actor is never a field: it is who is signed in)."""
    out: list[FormField] = []
    for name, info in model.model_fields.items():
        if name == "actor" or name in FILLED_BY_API:
            continue
        kind, optional = _unwrap(info.annotation)
        required = info.is_required() and not optional
        label = MODEL_LABELS.get(f"{model.__name__}.{name}") or LABELS.get(
            name, info.description or name
        )
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
