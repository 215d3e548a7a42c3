"""The registry's entries for emergency releases (突发事件) and the regular press conferences
(新闻发布会制度): the public-opinion family of LAW.md §3, both read the pack's [emergency]."""

from __future__ import annotations

from schemas import emergency as e
from schemas.kinds.spec import SUPERVISORS, KindSpec, act, decision, staffed, values
from schemas.public import PublicFace

ES, PS = e.EmergencyStatus, e.PressPlanStatus


_EMERGENCY_PUBLIC = PublicFace(
    documents=frozenset({"release"}),
    published_in=values([ES.RELEASED, ES.CLOSED]),
)


EMERGENCY = staffed(
    KindSpec(
        kind="emergency",
        zh="突发事件",
        noun_zh="突发事件信息发布",
        path="emergencies",
        workflow="workflows.emergency:EmergencyReleaseWorkflow",
        status=e.EmergencyStatus,
        closed=values([ES.CLOSED]),
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
            act(
                "submit-draft",
                e.SubmitDraft,
                "提交稿件",
                [ES.DRAFTING, ES.RELEASED],
                "国办发〔2016〕80号",
                main=True,
            ),
            decision(
                "approve-release",
                e.ApproveRelease,
                "审核发布",
                [ES.AWAITING_APPROVAL],
                "国办发〔2016〕61号（谁发布谁审查）",
                approve_zh="同意发布",
                irreversible=True,
            ),
            act(
                "hold-press-conference",
                e.HoldPressConference,
                "召开新闻发布会",
                [ES.DRAFTING, ES.AWAITING_APPROVAL, ES.RELEASED],
                "国办发〔2016〕61号",
            ),
            act(
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

PRESS_PLAN = staffed(
    KindSpec(
        kind="press_plan",
        zh="新闻发布会制度",
        noun_zh="新闻发布会制度",
        path="press-conference-plans",
        workflow="workflows.press_plan:PressConferencePlanWorkflow",
        status=e.PressPlanStatus,
        closed=values([PS.COMPLETED]),
        clocks={"conference": "本季度新闻发布会", "quarter": "季度"},
        opened_zh="开始之日",
        create=e.PressPlanCreate,
        view=e.PressPlanView,
        pack_section="emergency",  # LAW.md §3: the public-opinion family (rules in [emergency])
        actions=(
            act(
                "record-press-conference",
                e.RecordPressConference,
                "记录新闻发布会",
                [PS.RUNNING],
                "国办发〔2013〕100号",
            ),
        ),
    )
)
