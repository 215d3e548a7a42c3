"""The registry's entry for the agency's recurring duties (政务公开常规工作, LAW.md §6B)."""

from __future__ import annotations

from schemas import obligations as ob
from schemas.kinds.spec import GIDR, KindSpec, act, staffed, values


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


OBLIGATIONS = staffed(
    KindSpec(
        kind="obligations",
        zh="政务公开常规工作",
        noun_zh="年度政务公开常规工作",
        path="obligation-plans",
        workflow="workflows.obligations:ObligationPlanWorkflow",
        status=ob.PlanStatus,
        closed=values([ob.PlanStatus.COMPLETED]),
        clocks=_duty_clocks(),
        opened_zh="开始之日",
        create=ob.PlanCreate,
        view=ob.PlanView,
        actions=(
            act(
                "record-duty",
                ob.RecordDuty,
                "登记完成情况",
                [ob.PlanStatus.RUNNING],
                f"{GIDR}第四十九条；国办发〔2013〕100号；各地政务公开工作要点",
            ),
        ),
    )
)
