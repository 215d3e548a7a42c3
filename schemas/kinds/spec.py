"""The registry's two records: what a case kind is (:class:`KindSpec`) and what a step of it is
(:class:`ActionSpec`), with the words both use to refuse a step. Each kind's entry is written
with these in a module of its own (``schemas/kinds/<kind>.py``); the list of kinds and what is
read across them is the registry's (schemas/registry.py)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from schemas.case import ActionBase, AssignOfficer, CaseViewBase, Role
from schemas.public import PublicFace

OFFICERS = frozenset({Role.OFFICER, Role.SUPERVISOR})  # anyone who handles the agency's cases
SUPERVISORS = frozenset({Role.SUPERVISOR})  # the head of the GI office / the releasing organ
APPLICANT = frozenset({Role.APPLICANT})  # the applicant, on the public portal (查询码)
OFFICERS_OR_APPLICANT = OFFICERS | APPLICANT

GIDR = "《政府信息公开条例》"

# A read-model row whose workflow was terminated, failed or deleted outside Gongkai: flagged by
# the reconciliation (store/reconcile.py), shown red until someone looks.
LOST = "lost"
LOST_ZH = "工作流已中止（需核查）"

# Every kind's statuses by their Chinese names: filled by the registry as it lists the kinds, so
# that a kind names a status of another (a case converted, a row lost) in that kind's words.
STATUS_NAMES: dict[str, str] = {LOST: LOST_ZH}


@dataclass(frozen=True)
class ActionSpec:
    """One step an officer or supervisor takes on a case: a Temporal Update."""

    name: str  # in the API path: /v1/<kind>/<case>/actions/<name>
    update: str  # the workflow's update method
    body: type[ActionBase]
    zh: str  # what the officer reads: "受理"
    statuses: frozenset[str]  # the case's statuses in which it is allowed
    basis: str  # the statutory basis, one line
    roles: frozenset[Role] = OFFICERS
    # A supervisor's decision the approvals inbox lists: owed while the case is in one of
    # ``statuses`` — or, with ``awaiting``, while the case's projection says it waits for it.
    approval: bool = False
    awaiting: str = ""
    # The document this step leads to, previewed before it is taken: (document, the
    # workflow's query that builds it from the step's body).
    preview: tuple[str, str] | None = None
    # A step of the case's main path (登记、审核、办理、答复、归档): the case page opens its form
    # first, so the person who takes it next finds it open.
    main: bool = False
    # How the workbench's case page offers the step (the staff face):
    # - it cannot be taken back: the form asks to confirm (a decision's return excepted);
    irreversible: bool = False
    # - listed among the page's forms; if not, it is offered elsewhere on the page (the
    #   applicant block's reveal) or through another step's form (a saved draft is the submit
    #   form's second button);
    listed: bool = True
    # - a decision (a body with ``approve``): the words of the button that approves.
    approve_zh: str = "同意"

    def refusal(self, kind: KindSpec, role: Role, status: str) -> str | None:
        """Why this person may not take this step in this status (None: they may). The
        workflow's validator and the API's pre-check say the same words."""
        if role not in self.roles:
            if self.roles == APPLICANT:
                return f"“{self.zh}”由申请人本人在公开平台上办理。"
            if Role.OFFICER in self.roles:
                return f"“{self.zh}”由本机关经办人或负责人办理。"
            return f"“{self.zh}”须经本机关政府信息公开工作机构负责人（supervisor）办理。"
        if status not in self.statuses:
            allowed = "、".join(kind.status_zh(st.value) for st in kind.status if st in self)
            return (
                f"“{self.zh}”不能在案件状态“{kind.status_zh(status)}”下进行；"
                f"只能在以下状态进行：{allowed}。"
            )
        return None

    def __contains__(self, status: object) -> bool:
        return str(status) in self.statuses or getattr(status, "value", None) in self.statuses


@dataclass(frozen=True)
class KindSpec:
    kind: str  # the read model's and the search attributes' name for it
    zh: str  # the kind, as a board column reads: 依申请公开
    noun_zh: str  # one case of it, as a notice reads: 政府信息公开申请
    path: str  # the API's collection: /v1/<path>
    workflow: str  # "module:Class", imported when needed
    status: type[StrEnum]
    closed: frozenset[str]
    clocks: dict[str, str]  # clock name → Chinese label
    opened_zh: str  # the label of the case's first date (T0) on its page
    create: type[BaseModel]  # the body that opens a case (see its ``to_input``)
    view: type[CaseViewBase]
    actions: tuple[ActionSpec, ...] = field(default_factory=tuple)
    pack_section: str = ""  # the rule pack's [section] for its clocks; default: ``kind``
    urgent: bool = False  # its notices go out by SMS even in the quiet hours (emergencies)
    public: PublicFace = field(default_factory=PublicFace)  # what the portal shows of it

    @property
    def section(self) -> str:
        return self.pack_section or self.kind

    @property
    def workflow_class(self) -> type:
        return _load(self.workflow)

    def action(self, name: str) -> ActionSpec | None:
        return next((a for a in self.actions if a.name == name), None)

    def action_for_update(self, update: str) -> ActionSpec:
        return next(a for a in self.actions if a.update == update)

    def status_zh(self, value: str) -> str:
        """A status's Chinese name, in this kind's own words (``closed`` differs by kind)."""
        try:
            name: str = self.status(value).zh  # type: ignore[attr-defined]
            return name
        except ValueError:
            return STATUS_NAMES.get(value, value)


def _load(path: str) -> type:
    module, _, name = path.partition(":")
    cls: type = getattr(importlib.import_module(module), name)
    return cls


def values(statuses: Iterable[StrEnum]) -> frozenset[str]:
    """Statuses as the registry keeps them: their values."""
    return frozenset(st.value for st in statuses)


def act(
    name: str,
    body: type[ActionBase],
    zh: str,
    statuses: Iterable[StrEnum],
    basis: str,
    roles: frozenset[Role] = OFFICERS,
    **facts: Any,
) -> ActionSpec:
    """A step as a kind's entry writes it: its Update is its name in snake case (unless
    ``update`` says otherwise), its statuses the enum's members; a step a case awaits
    (``awaiting``) is an approval. ``facts``: the other fields of :class:`ActionSpec`."""
    facts.setdefault("update", name.replace("-", "_"))
    facts["approval"] = facts.get("approval", False) or bool(facts.get("awaiting"))
    return ActionSpec(
        name=name, body=body, zh=zh, statuses=values(statuses), basis=basis, roles=roles, **facts
    )


def decision(
    name: str,
    body: type[ActionBase],
    zh: str,
    statuses: Iterable[StrEnum],
    basis: str,
    approve_zh: str = "同意",
    **facts: Any,
) -> ActionSpec:
    """A supervisor's decision on the case's main path (审核、签发、批准): the approvals inbox
    lists it, and its form's button approves with ``approve_zh``."""
    return act(
        name,
        body,
        zh,
        statuses,
        basis,
        SUPERVISORS,
        approval=True,
        main=True,
        approve_zh=approve_zh,
        **facts,
    )


def staffed(kind: KindSpec) -> KindSpec:
    """Every kind's cases have a 经办人 whom a supervisor names or changes while the case is open
    (the first step otherwise makes its taker the 经办人: workflows/casework.py ``_claim``)."""
    assign = act(
        "assign-officer",
        AssignOfficer,
        "指定经办人",
        [st for st in kind.status if st.value not in kind.closed],
        f"{GIDR}第四十五条（登记、审核、办理、答复、归档制度）",
        SUPERVISORS,
    )
    return replace(kind, actions=(*kind.actions, assign))
