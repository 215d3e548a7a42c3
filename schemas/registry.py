"""One registry of case kinds: what each kind *is*, written once and read everywhere.

For every kind — its workflow (by import path, so that this module stays importable from every
layer), its status enum with Chinese names and which statuses are closed, its clocks' and rungs'
Chinese labels, how a case of it is opened, and its actions: the name, the workflow Update, the
typed body, who may take it, in which statuses, and the one-line statutory basis. The worker
registers the workflows from here, the API generates one typed route per (kind, action), the
workflows' validators check role and status from here, and the board, the metrics, the report,
the reconciliation and the replay tests read their lists here. Adding a kind is one workflow
module plus one entry (docs/kinds.md).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel

from schemas import consultation as c
from schemas import disclosure as d
from schemas import emergency as e
from schemas import inquiry as q
from schemas import obligations as ob
from schemas import proactive as pr
from schemas.case import Role
from schemas.public import ApplicantStep, PublicFace

OFFICERS = frozenset({Role.OFFICER, Role.SUPERVISOR})  # anyone who handles the agency's cases
SUPERVISORS = frozenset({Role.SUPERVISOR})  # the head of the GI office / the releasing organ
APPLICANT = frozenset({Role.APPLICANT})  # the applicant, on the public portal (查询码)
OFFICERS_OR_APPLICANT = OFFICERS | APPLICANT

# A read-model row whose workflow was terminated, failed or deleted outside Gongkai: flagged by
# the reconciliation (store/reconcile.py), shown red until someone looks.
LOST = "lost"
LOST_ZH = "工作流已中止（需核查）"

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


@dataclass(frozen=True)
class ActionSpec:
    """One step an officer or supervisor takes on a case: a Temporal Update."""

    name: str  # in the API path: /v1/<kind>/<case>/actions/<name>
    update: str  # the workflow's update method
    body: type[d.ActionBase]
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
    view: type[d.CaseViewBase]
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


def _act(
    name: str,
    body: type[d.ActionBase],
    zh: str,
    statuses: Any,
    basis: str,
    roles: frozenset[Role] = OFFICERS,
    *,
    approval: bool = False,
    awaiting: str = "",
    preview: tuple[str, str] | None = None,
    main: bool = False,
    irreversible: bool = False,
    listed: bool = True,
    approve_zh: str = "同意",
) -> ActionSpec:
    return ActionSpec(
        name=name,
        update=name.replace("-", "_"),
        body=body,
        zh=zh,
        statuses=frozenset(s.value for s in statuses),
        basis=basis,
        roles=roles,
        approval=approval or bool(awaiting),
        awaiting=awaiting,
        preview=preview,
        main=main,
        irreversible=irreversible,
        listed=listed,
        approve_zh=approve_zh,
    )


def _staffed(kind: KindSpec) -> KindSpec:
    """Every kind's cases have a 经办人 whom a supervisor names or changes while the case is open
    (the first step otherwise makes its taker the 经办人: workflows/casework.py ``_claim``)."""
    open_statuses = frozenset(st.value for st in kind.status if st.value not in kind.closed)
    assign = ActionSpec(
        name="assign-officer",
        update="assign_officer",
        body=d.AssignOfficer,
        zh="指定经办人",
        statuses=open_statuses,
        basis="《政府信息公开条例》第四十五条（登记、审核、办理、答复、归档制度）",
        roles=SUPERVISORS,
    )
    return replace(kind, actions=(*kind.actions, assign))


S, IS, ES, PS, ST = d.Status, q.InquiryStatus, e.EmergencyStatus, e.PressPlanStatus, c.Stage
GIDR = "《政府信息公开条例》"
_BEFORE_REPLY = d.OPEN_FOR_REPLY

# -- The public faces (schemas/public.py): what the portal shows of a case, in the applicant's
# words, and what it publishes. Only the kinds a member of the public follows or reads have one.

_DISCLOSURE_PUBLIC = PublicFace(
    status_zh={
        S.RECEIVED.value: "已提交，待本机关确认",
        S.ASSIGNED.value: "办理中",
        S.REVIEW.value: "办理中（审核）",
        S.SIGN_OFF.value: "办理中（签发）",
        S.CONSULTING.value: "办理中（征求意见，所需时间不计入答复期限）",
        S.REPLIED.value: "已答复",
        S.REMEDY_WINDOW.value: "已答复，答复书已送达",
        S.ARCHIVED.value: "已办结",
    },
    told={
        "received": "收到您的申请。",
        "registered": "登记：收到申请之日为{t0}。",
        "correction_requested": "本机关发出补正告知，请按告知书补正。",
        "correction_received": "收到补正，答复期限自收到补正之日起重新计算。",
        "accepted": "受理。",
        "assigned": "已交承办部门办理。",
        "consultation_started": "征求第三方或有关机关意见（所需时间不计入答复期限）。",
        "consultation_answered": "征求意见结束，答复期限继续计算。",
        "consultation_lapsed": "征求意见期限届满，答复期限继续计算。",
        "fee_requested": "本机关发出收取信息处理费通知。",
        "fee_paid": "收到信息处理费。",
        "explanation_requested": "本机关请您说明申请理由（条例第三十五条）。",
        "explanation_provided": "您已说明理由，待本机关审核。",
        "explanation_recorded": "本机关已审核您说明的理由。",
        "extended": "经本机关负责人批准，答复期限延长（见延期答复告知书）。",
        "replied": "本机关已作出答复。",
        "served": "答复已送达。",
        "deemed_abandoned": "逾期未补正，视为放弃申请（条例第三十条）。",
        "processing_stopped": "逾期未缴纳信息处理费，本机关不再处理该申请。",
        "withdrawn": "申请已撤回。",
        "archived": "已归档。",
        "rated": "您已评价本次答复。",
    },
    to_applicant=frozenset(
        {
            "receipt",
            "correction_notice",
            "extension_notice",
            "deadline_change_notice",
            "fixed_date_notice",
            "abandonment_notice",
            "processing_stopped_notice",
            "reply",
        }
    ),
    reply_document="reply",
    reply_issued=frozenset({S.REPLIED.value, S.REMEDY_WINDOW.value, S.ARCHIVED.value}),
    opened_zh="收到申请之日",
    steps={
        "submit-correction": ApplicantStep(
            path="correction",
            fields=("text",),
            files="correction",
            done_zh="补正已提交，答复期限自收到补正之日起重新计算。",
            form="correction.html",
        ),
        "provide-explanation": ApplicantStep(
            path="explanation",
            fields=("text",),
            files="explanation",
            done_zh="理由已提交，待本机关审核。",
            form="explanation.html",
        ),
        "rate": ApplicantStep(
            path="rating",
            fields=("score", "comment"),
            done_zh="感谢您的评价。",
            place="after_documents",
            once="rated",
            form="rating.html",
        ),
        "withdraw": ApplicantStep(
            fields=("reason",),
            done_zh="申请已撤回。",
            place="bottom",
            form="withdraw.html",
        ),
    },
)
_INQUIRY_PUBLIC = PublicFace(
    told={
        "received": "收到您的留言。",
        "transferred": "已转交有关单位办理。",
        "delay_informed": "本单位告知：该事项较复杂，需要更长时间办理。",
        "answered": "已答复。",
        "converted": "已转为政府信息公开申请办理。",
        "closed": "已办结。",
    },
    to_applicant=frozenset({"inquiry_reply"}),
    reply_document="inquiry_reply",
    reply_issued=frozenset({IS.ANSWERED.value, IS.CONVERTED.value, IS.CLOSED.value}),
    outcome_zh={
        IS.ANSWERED.value: "已答复",
        IS.CONVERTED.value: "已转为政府信息公开申请办理",
        IS.CLOSED.value: "已答复",
    },
    answer_event="answered",
    outcome_title="答复",
)
# A draft is public from its publication for comment on; its decision once published.
_CONSULTATION_PUBLIC = PublicFace(
    documents=frozenset({"comment_notice", "decision_notice", "adoption_report"}),
    published_in=frozenset(st.value for st in ST if st is not ST.DRAFTING),
)
_EMERGENCY_PUBLIC = PublicFace(
    documents=frozenset({"release"}),
    published_in=frozenset({ES.RELEASED.value, ES.CLOSED.value}),
)

DISCLOSURE = _staffed(
    KindSpec(
        kind="disclosure",
        zh="依申请公开",
        noun_zh="政府信息公开申请",
        path="disclosure-requests",
        workflow="workflows.disclosure:DisclosureRequestWorkflow",
        status=d.Status,
        closed=frozenset(
            s.value
            for s in (
                S.REPLIED,
                S.REMEDY_WINDOW,
                S.ARCHIVED,
                S.WITHDRAWN,
                S.DEEMED_ABANDONED,
                S.PROCESSING_STOPPED,
            )
        ),
        clocks={
            "reply": "答复期限",
            "from_submission": "自提交申请之日起的答复期限（内部督办）",
            "confirmation": "申请确认期限",
            "correction_notice": "补正告知期限",
            "correction_period": "补正期限",
            "consultation": "征求意见期限",
            "fee": "缴费期限",
            "remedy_reconsideration": "行政复议申请期限",
            "remedy_litigation": "行政诉讼起诉期限",
        },
        opened_zh="收到申请之日（T0）",
        create=d.DisclosureRequestCreate,
        view=d.CaseView,
        public=_DISCLOSURE_PUBLIC,
        actions=(
            _act(
                "confirm-receipt",
                d.ConfirmReceipt,
                "确认收到申请",
                [S.RECEIVED],
                f"{GIDR}第三十一条",
                preview=("receipt", "preview_receipt"),
                main=True,
            ),
            _act(
                "request-correction",
                d.RequestCorrection,
                "补正告知",
                [S.REGISTERED],
                f"{GIDR}第三十条",
                preview=("correction_notice", "preview_correction"),
            ),
            _act(
                "submit-correction",
                d.SubmitCorrection,
                "收到补正",
                [S.AWAITING_CORRECTION, S.DEEMED_ABANDONED],
                f"{GIDR}第三十条",
                OFFICERS_OR_APPLICANT,
            ),
            _act(
                "accept",
                d.Accept,
                "受理",
                [S.REGISTERED],
                f"{GIDR}第四十五条（登记、审核）",
                main=True,
            ),
            _act("assign", d.Assign, "拟办", [S.ACCEPTED], f"{GIDR}第四十五条（办理）", main=True),
            _act(
                "acknowledge",
                d.Acknowledge,
                "签收",
                [S.ASSIGNED],
                f"{GIDR}第四十五条（办理）",
                main=True,
            ),
            _act(
                "return-to-office",
                d.ReturnToOffice,
                "退回",
                [S.ASSIGNED],
                f"{GIDR}第四十五条（办理）",
            ),
            _act(
                "transfer-unit", d.TransferUnit, "转办", [S.ASSIGNED], f"{GIDR}第四十五条（办理）"
            ),
            _act(
                "start-consultation",
                d.StartConsultation,
                "征求意见",
                [S.ASSIGNED],
                f"{GIDR}第三十二条、第三十三条第三款、第三十四条",
            ),
            _act(
                "record-consultation-delivery",
                d.RecordConsultationDelivery,
                "记录征求意见书送达",
                [S.CONSULTING],
                f"{GIDR}第三十二条、第三十四条",
            ),
            _act(
                "record-consultation-answer",
                d.RecordConsultationAnswer,
                "记录征求意见结果",
                [S.CONSULTING],
                f"{GIDR}第三十二条至第三十四条",
            ),
            _act(
                "request-fee",
                d.RequestFee,
                "收费通知",
                [S.ASSIGNED],
                f"{GIDR}第四十二条；国办函〔2020〕109号",
            ),
            _act(
                "record-payment",
                d.RecordPayment,
                "记录缴费",
                [S.FEE_PENDING],
                "国办函〔2020〕109号",
            ),
            _act(
                "request-explanation",
                d.RequestExplanation,
                "要求说明理由",
                [S.ASSIGNED],
                f"{GIDR}第三十五条",
            ),
            _act(
                "record-explanation",
                d.RecordExplanation,
                "记录说明理由",
                [S.EXPLANATION_PENDING],
                f"{GIDR}第三十五条（确定延迟答复期限须负责人批准）",
            ),
            _act(
                "extend",
                d.Extend,
                "延长答复期限",
                _BEFORE_REPLY - {S.AWAITING_CORRECTION},
                f"{GIDR}第三十三条第二款",
                SUPERVISORS,
            ),
            _act(
                "request-extension",
                d.RequestExtension,
                "申请延长答复期限",
                _BEFORE_REPLY - {S.AWAITING_CORRECTION},
                f"{GIDR}第三十三条第二款（报本机关政府信息公开工作机构负责人同意）",
                preview=("extension_notice", "preview_extension"),
            ),
            _act(
                "decide-extension",
                d.DecideExtension,
                "审批延期申请",
                _BEFORE_REPLY - {S.AWAITING_CORRECTION},
                f"{GIDR}第三十三条第二款",
                SUPERVISORS,
                awaiting="extension",
                preview=("extension_notice", "preview_extension"),
                main=True,
                approve_zh="同意延期",
            ),
            _act(
                "save-draft",
                d.SaveDraft,
                "保存答复草稿",
                [S.ASSIGNED],
                f"{GIDR}第三十六条至第三十九条",
                listed=False,
            ),
            _act(
                "submit-for-review",
                d.SubmitForReview,
                "提交审核",
                [S.ASSIGNED],
                f"{GIDR}第三十六条至第三十九条",
                preview=("reply", "preview_reply"),
                main=True,
            ),
            _act(
                "review",
                d.Review,
                "审核",
                [S.REVIEW],
                f"{GIDR}第十七条（保密审查）",
                SUPERVISORS,
                approval=True,
                main=True,
                approve_zh="审核通过",
            ),
            _act(
                "sign-off",
                d.SignOff,
                "签发",
                [S.SIGN_OFF],
                f"{GIDR}第四十五条（审核、答复）",
                SUPERVISORS,
                approval=True,
                main=True,
                approve_zh="同意签发",
                irreversible=True,
            ),
            _act(
                "serve",
                d.Serve,
                "送达",
                [S.REPLIED],
                "《行政复议法》第二十条；《行政诉讼法》第四十六条",
                main=True,
                irreversible=True,
            ),
            _act(
                "archive",
                d.Archive,
                "归档",
                [S.REMEDY_WINDOW, *d.CLOSED_WITHOUT_REPLY],
                f"{GIDR}第四十五条（归档）",
                main=True,
                irreversible=True,
            ),
            _act(
                "move-to-proactive",
                pr.MoveToProactive,
                "纳入主动公开",
                [S.REPLIED, S.REMEDY_WINDOW],
                f"{GIDR}第四十四条",
            ),
            _act(
                "withdraw",
                d.Withdraw,
                "撤回申请",
                [S.RECEIVED, *_BEFORE_REPLY],
                f"{GIDR}第二十九条",
                OFFICERS_OR_APPLICANT,
            ),
            _act(
                "provide-explanation",
                d.ProvideExplanation,
                "申请人说明理由",
                [S.EXPLANATION_PENDING],
                f"{GIDR}第三十五条",
                APPLICANT,
            ),
            _act(
                "rate",
                d.Rate,
                "评价答复",
                [S.REMEDY_WINDOW, S.ARCHIVED],
                "国办发〔2019〕51号（政务服务“好差评”）",
                APPLICANT,
            ),
            ActionSpec(
                name="reveal-identity",
                update="reveal_identity",
                body=d.RevealIdentity,
                zh="查看完整证件号码",
                statuses=frozenset(s.value for s in S),
                basis="《个人信息保护法》第六条、第五十一条（最小必要，查阅留痕）",
                listed=False,
            ),
            ActionSpec(
                name="note",
                update="add_note",
                body=d.AddNote,
                zh="添加备注",
                statuses=frozenset(s.value for s in S if s is not S.ARCHIVED),
                basis="办理记录",
            ),
        ),
    )
)

INQUIRY = _staffed(
    KindSpec(
        kind="inquiry",
        zh="网络问政",
        noun_zh="网民留言",
        path="inquiries",
        workflow="workflows.inquiry:InquiryWorkflow",
        status=q.InquiryStatus,
        closed=frozenset(s.value for s in (IS.ANSWERED, IS.CONVERTED, IS.CLOSED)),
        clocks={
            "reply": "留言答复期限",
            "reprint_target": "转载目标时限",
            "petition_notice": "信访受理告知期限",
        },
        opened_zh="收到留言之日",
        create=q.InquiryCreate,
        view=q.InquiryView,
        public=_INQUIRY_PUBLIC,
        actions=(
            _act(
                "transfer",
                q.Transfer,
                "转办",
                [IS.HANDLING],
                "本地网络问政（政府网站留言）办理规定（转办）",
            ),
            _act(
                "inform-delay",
                q.InformDelay,
                "告知延期",
                [IS.HANDLING],
                "本地网络问政（政府网站留言）办理规定",
            ),
            _act(
                "answer",
                q.Answer,
                "答复",
                [IS.HANDLING],
                "本地网络问政（政府网站留言）办理规定",
                main=True,
            ),
            _act(
                "convert-to-disclosure",
                q.ConvertToDisclosure,
                "转为依申请公开",
                [IS.HANDLING],
                f"{GIDR}第三十一条第三项",
            ),
            _act(
                "convert-to-petition",
                q.ConvertToPetition,
                "转信访办理",
                [IS.HANDLING],
                "《信访工作条例》第二十三条",
            ),
            _act(
                "notify-petitioner",
                q.NotifyPetitioner,
                "告知信访人",
                [IS.PETITION],
                "《信访工作条例》第二十三条",
            ),
            _act(
                "approve-publication",
                q.ApprovePublication,
                "审核公开文本",
                [IS.ANSWERED],
                "《个人信息保护法》第二十八条（留言公开前隐去个人信息）",
                main=True,
                irreversible=True,
            ),
            _act(
                "close",
                q.Close,
                "办结",
                [IS.ANSWERED, IS.CONVERTED],
                "本地网络问政（政府网站留言）办理规定",
                irreversible=True,
            ),
        ),
    )
)

EMERGENCY = _staffed(
    KindSpec(
        kind="emergency",
        zh="突发事件",
        noun_zh="突发事件信息发布",
        path="emergencies",
        workflow="workflows.emergency:EmergencyReleaseWorkflow",
        status=e.EmergencyStatus,
        closed=frozenset({ES.CLOSED.value}),
        clocks={
            "authoritative_release": "权威信息发布时限",
            "press_conference": "新闻发布会时限",
            "response": "舆情回应时限",
            "follow_up": "持续发布间隔",
        },
        opened_zh="发现/确认之时",
        create=e.EmergencyCreate,
        view=e.EmergencyView,
        public=_EMERGENCY_PUBLIC,
        urgent=True,
        actions=(
            _act(
                "submit-draft",
                e.SubmitDraft,
                "提交稿件",
                [ES.DRAFTING, ES.RELEASED],
                "国办发〔2016〕80号",
                main=True,
            ),
            _act(
                "approve-release",
                e.ApproveRelease,
                "审核发布",
                [ES.AWAITING_APPROVAL],
                "国办发〔2016〕61号（谁发布谁审查）",
                SUPERVISORS,
                approval=True,
                main=True,
                approve_zh="同意发布",
                irreversible=True,
            ),
            _act(
                "hold-press-conference",
                e.HoldPressConference,
                "召开新闻发布会",
                [ES.DRAFTING, ES.AWAITING_APPROVAL, ES.RELEASED],
                "国办发〔2016〕61号",
            ),
            _act(
                "close",
                e.CloseEmergency,
                "结束处置",
                [ES.RELEASED],
                "国办发〔2016〕61号",
                SUPERVISORS,
                irreversible=True,
            ),
        ),
    )
)

PRESS_PLAN = _staffed(
    KindSpec(
        kind="press_plan",
        zh="新闻发布会制度",
        noun_zh="新闻发布会制度",
        path="press-conference-plans",
        workflow="workflows.press_plan:PressConferencePlanWorkflow",
        status=e.PressPlanStatus,
        closed=frozenset({PS.COMPLETED.value}),
        clocks={"conference": "本季度新闻发布会", "quarter": "季度"},
        opened_zh="开始之日",
        create=e.PressPlanCreate,
        view=e.PressPlanView,
        pack_section="emergency",  # LAW.md §3: the public-opinion family (rules in [emergency])
        actions=(
            _act(
                "record-press-conference",
                e.RecordPressConference,
                "记录新闻发布会",
                [PS.RUNNING],
                "国办发〔2013〕100号",
            ),
        ),
    )
)

CONSULTATION = _staffed(
    KindSpec(
        kind="consultation",
        zh="重大决策预公开",
        noun_zh="重大行政决策",
        path="consultations",
        workflow="workflows.consultation:ConsultationWorkflow",
        status=c.Stage,
        closed=frozenset(s.value for s in (ST.PUBLISHED, ST.ARCHIVED)),
        clocks={
            "comment": "公开征求意见期限",
            "legality_review": "合法性审查时间（不少于）",
            "publication": "决策公布期限",
        },
        opened_zh="启动之日",
        create=c.ConsultationCreate,
        view=c.ConsultationView,
        public=_CONSULTATION_PUBLIC,
        actions=(
            _act(
                "publish-draft",
                c.PublishDraft,
                "公开征求意见",
                [ST.DRAFTING],
                "《重大行政决策程序暂行条例》第十五条",
                main=True,
            ),
            _act(
                "schedule-hearing",
                c.ScheduleHearing,
                "安排听证",
                [ST.COMMENT_OPEN, ST.PROCESSING],
                "《重大行政决策程序暂行条例》第十六条",
            ),
            _act(
                "record-step",
                c.RecordStep,
                "记录论证",
                [ST.COMMENT_OPEN, ST.PROCESSING],
                "《重大行政决策程序暂行条例》第十七条至第二十四条",
            ),
            _act(
                "record-adoption",
                c.RecordAdoption,
                "记录意见采纳",
                [ST.PROCESSING],
                "《重大行政决策程序暂行条例》第十八条",
            ),
            _act(
                "submit-legality-review",
                c.SubmitLegalityReview,
                "送请合法性审查",
                [ST.PROCESSING],
                "《重大行政决策程序暂行条例》第二十五条至第二十八条",
            ),
            _act(
                "record-legality-opinion",
                c.RecordLegalityOpinion,
                "记录审查意见",
                [ST.LEGALITY_REVIEW],
                "《重大行政决策程序暂行条例》第二十八条",
            ),
            _act(
                "record-decision",
                c.RecordDecision,
                "集体讨论决定",
                [ST.REVIEWED],
                "《重大行政决策程序暂行条例》第二十五条、第三十条",
                SUPERVISORS,
                approval=True,
                main=True,
            ),
            _act(
                "report-to-committee",
                c.ReportToCommittee,
                "报告党委",
                [ST.DECIDED],
                "《重大行政决策程序暂行条例》第三十一条",
            ),
            _act(
                "publish-decision",
                c.PublishDecision,
                "公布决策",
                [ST.REPORTED],
                "《重大行政决策程序暂行条例》第三十二条",
                irreversible=True,
            ),
            _act(
                "archive",
                c.ArchiveConsultation,
                "归档",
                [ST.PUBLISHED],
                "《重大行政决策程序暂行条例》第三十三条",
                main=True,
                irreversible=True,
            ),
        ),
    )
)

IS_ = pr.ItemStatus
PROACTIVE = _staffed(
    KindSpec(
        kind="proactive",
        zh="主动公开",
        noun_zh="主动公开事项",
        path="proactive-items",
        workflow="workflows.proactive:ProactiveItemWorkflow",
        status=pr.ItemStatus,
        closed=frozenset(
            s.value for s in (IS_.PUBLISHED, IS_.WITHDRAWN, IS_.REPEALED, IS_.NOT_PROACTIVE)
        ),
        clocks={"publication": "主动公开期限", "interpretation": "政策解读发布期限"},
        opened_zh="形成（变更）之日",
        create=pr.ItemCreate,
        view=pr.ItemView,
        actions=(
            _act(
                "submit-item",
                pr.SubmitItem,
                "提交审核",
                [IS_.RECORDED],
                f"{GIDR}第十七条（保密审查）",
                main=True,
            ),
            _act(
                "review-item",
                pr.ReviewItem,
                "审核（保密审查）",
                [IS_.REVIEW],
                f"{GIDR}第十七条",
                SUPERVISORS,
                approval=True,
                main=True,
                approve_zh="审核通过",
            ),
            _act(
                "sign-off-item",
                pr.SignOffItem,
                "签发",
                [IS_.SIGN_OFF],
                f"{GIDR}第二十六条",
                SUPERVISORS,
                approval=True,
                main=True,
                approve_zh="同意签发",
                irreversible=True,
            ),
            _act(
                "record-interpretation",
                pr.RecordInterpretation,
                "登记政策解读",
                [IS_.RECORDED, IS_.REVIEW, IS_.SIGN_OFF, IS_.READY, IS_.PUBLISHED],
                "国办发〔2016〕80号（同步组织、同步审签、同步部署；谁起草谁解读）",
            ),
            _act(
                "publish-item",
                pr.PublishItem,
                "发布",
                [IS_.READY],
                f"{GIDR}第二十三条、第二十四条、第二十六条",
                main=True,
                irreversible=True,
            ),
            _act(
                "amend-item",
                pr.AmendItem,
                "变更（新版本）",
                [IS_.PUBLISHED],
                f"{GIDR}第二十六条（形成或者变更之日起20个工作日内）",
            ),
            _act(
                "withdraw-item",
                pr.WithdrawItem,
                "撤回",
                [IS_.PUBLISHED],
                f"{GIDR}第十二条（目录及时更新）",
                SUPERVISORS,
            ),
            _act(
                "repeal-item",
                pr.RepealItem,
                "登记废止",
                [IS_.PUBLISHED],
                f"{GIDR}第二十条第（一）项；国办公开办函〔2021〕30号（本年废止件数）",
            ),
        ),
    )
)


def _duty_clocks() -> dict[str, str]:
    """The plan's clocks, one per duty and period (the national pack's duties)."""
    names = {
        "annual_report": "年度报告公布",
        "government_report": "本级政府年度报告公布",
        "press_conference": "新闻发布会",
        "leader_press_conference": "主要负责人出席新闻发布会",
        "key_tasks": "重点工作进展公开",
        "online_interview": "在线访谈",
        "department_online_interview": "部门负责人在线访谈",
        "meeting_invitations": "邀请列席政府会议",
        "open_day": "政府开放日",
        "leadership_hearing": "领导班子听取汇报",
    }
    out = {"year": "年度"}
    for key, zh in names.items():
        out[f"{key}:Y"] = zh
        for quarter in range(1, 5):
            out[f"{key}:Q{quarter}"] = f"{zh}（第{quarter}季度）"
    return out


OBLIGATIONS = _staffed(
    KindSpec(
        kind="obligations",
        zh="政务公开常规工作",
        noun_zh="年度政务公开常规工作",
        path="obligation-plans",
        workflow="workflows.obligations:ObligationPlanWorkflow",
        status=ob.PlanStatus,
        closed=frozenset({ob.PlanStatus.COMPLETED.value}),
        clocks=_duty_clocks(),
        opened_zh="开始之日",
        create=ob.PlanCreate,
        view=ob.PlanView,
        actions=(
            _act(
                "record-duty",
                ob.RecordDuty,
                "登记完成情况",
                [ob.PlanStatus.RUNNING],
                f"{GIDR}第四十九条；国办发〔2013〕100号；各地政务公开工作要点",
            ),
        ),
    )
)

KINDS: dict[str, KindSpec] = {
    k.kind: k
    for k in (DISCLOSURE, INQUIRY, EMERGENCY, PRESS_PLAN, CONSULTATION, PROACTIVE, OBLIGATIONS)
}

# Statuses in which a case no longer waits for the agency, for every kind.
CLOSED: frozenset[str] = frozenset().union(*(k.closed for k in KINDS.values()))

STATUS_NAMES: dict[str, str] = {
    **{st.value: st.zh for k in KINDS.values() for st in k.status},  # type: ignore[attr-defined]
    LOST: LOST_ZH,
}


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
