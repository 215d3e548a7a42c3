"""One registry of case kinds: what each kind *is*, written once and read everywhere.

For every kind — its workflow (by import path, so that this module stays importable from every
layer), its status enum with Chinese names and which statuses are closed, its clocks' and rungs'
Chinese labels, how a case of it is opened, and its actions: the name, the workflow Update, the
typed body, who may take it, in which statuses, and the one-line statutory basis. The worker
registers the workflows from here, the API generates one typed route per (kind, action), the
workflows' validators check role and status from here, and the board, the metrics, the report,
the reconciliation and the replay tests read their lists here. Adding a kind is its schema, its
workflow module, its entry and its pack data (docs/kinds.md).

The records are in ``schemas/kinds/spec.py``, each kind's entry in ``schemas/kinds/<kind>.py``;
this module lists the kinds and is where every name of the registry is imported from.
"""

from __future__ import annotations

from functools import cache

from schemas.kinds.consultation import CONSULTATION
from schemas.kinds.disclosure import DISCLOSURE
from schemas.kinds.emergency import EMERGENCY, PRESS_PLAN
from schemas.kinds.inquiry import INQUIRY
from schemas.kinds.obligations import OBLIGATIONS
from schemas.kinds.proactive import PROACTIVE
from schemas.kinds.spec import (
    APPLICANT,
    LOST,
    LOST_ZH,
    OFFICERS,
    OFFICERS_OR_APPLICANT,
    STATUS_NAMES,
    SUPERVISORS,
    ActionSpec,
    KindSpec,
)

__all__ = [
    "APPLICANT",
    "CLOSED",
    "CONSULTATION",
    "DISCLOSURE",
    "DONE_ZH",
    "EMERGENCY",
    "INQUIRY",
    "KINDS",
    "LOST",
    "LOST_ZH",
    "OBLIGATIONS",
    "OFFICERS",
    "OFFICERS_OR_APPLICANT",
    "OPEN",
    "PRESS_PLAN",
    "PROACTIVE",
    "RUNG_ZH",
    "STATUS_NAMES",
    "SUPERVISORS",
    "ActionSpec",
    "KindSpec",
    "done_zh",
    "kind_of",
    "labels",
    "open_statuses_by_label",
    "workflows",
]

RUNG_ZH = {
    "amber": "黄灯预警",
    "yellow": "黄灯预警",
    "red": "红灯预警",
    "overdue": "已逾期",
    "very_overdue": "严重逾期",
    "warning": "提醒",
    "reminder": "到期提醒",
    "from_submission": "自提交申请之日起已满答复期限（内部督办）",
    "inactivity": "久未办理",
    "on_duty": "值班提醒",
    "leadership": "报告领导",
    "lapse": "期限届满",
}

KINDS: dict[str, KindSpec] = {
    k.kind: k
    for k in (DISCLOSURE, INQUIRY, EMERGENCY, PRESS_PLAN, CONSULTATION, PROACTIVE, OBLIGATIONS)
}

# Statuses in which a case no longer waits for the agency, for every kind.
CLOSED: frozenset[str] = frozenset().union(*(k.closed for k in KINDS.values()))
# Every other status of every kind, and a row whose workflow was lost (reconcile marks it red):
# a case waits for the agency. The board counts these by a positive list, which an index can
# seek, instead of scanning past every closed status.
OPEN: frozenset[str] = (
    frozenset(str(st) for k in KINDS.values() for st in k.status) | {LOST}
) - CLOSED

STATUS_NAMES.update(
    {st.value: st.zh for k in KINDS.values() for st in k.status}  # type: ignore[attr-defined]
)


def kind_of(name: str) -> KindSpec:
    return KINDS[name]


@cache
def workflows() -> tuple[type, ...]:
    """Every case kind's workflow class (the worker registers these, the replay tests check
    them)."""
    return tuple(k.workflow_class for k in KINDS.values())


def labels(kind: str) -> dict[str, str]:
    """A kind's clock labels (the same clock name means different things in different kinds)."""
    spec = KINDS.get(kind)
    return spec.clocks if spec else {}


def open_statuses_by_label() -> dict[str, list[tuple[str, str]]]:
    """The open statuses of every kind by their Chinese name, for a filter with one choice per
    name: ``{"已登记": [("disclosure", "registered"), ("proactive", "recorded")], ...}``. Kinds
    name statuses alike (and one status value differently: ``review`` is 审核中 for an
    application, 待审核 for a proactive item), so a choice is a name, never a raw value."""
    by_label: dict[str, list[tuple[str, str]]] = {}
    for spec in KINDS.values():
        for st in spec.status:
            if st not in CLOSED:
                by_label.setdefault(spec.status_zh(st), []).append((spec.kind, str(st)))
    return by_label


# What the workbench's case page says was done ("已办理：…") after a step: the step's own name,
# or for what is done on the page without being a kind's step, these words.
DONE_ZH = {
    "opened": "登记",
    "uploaded": "上传附件",
    "released": "向申请人提供文件",
    "withdrawn": "撤回提供的文件",
}


def done_zh(kind: KindSpec | None, name: str) -> str:
    if name in DONE_ZH:
        return DONE_ZH[name]
    step = kind.action(name[:64]) if kind and name else None
    return step.zh if step else ""
