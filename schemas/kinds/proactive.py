"""The registry's entry for proactive disclosure (主动公开, GIDR Arts. 19–26, 44; LAW.md §6A)."""

from __future__ import annotations

from schemas import proactive as pr
from schemas.kinds.spec import GIDR, SUPERVISORS, KindSpec, act, decision, staffed, values

IS = pr.ItemStatus

PROACTIVE = staffed(
    KindSpec(
        kind="proactive",
        zh="主动公开",
        noun_zh="主动公开事项",
        path="proactive-items",
        workflow="workflows.proactive:ProactiveItemWorkflow",
        status=pr.ItemStatus,
        closed=values([IS.PUBLISHED, IS.WITHDRAWN, IS.REPEALED, IS.NOT_PROACTIVE]),
        clocks={"publication": "主动公开期限", "interpretation": "政策解读发布期限"},
        opened_zh="形成（变更）之日",
        create=pr.ItemCreate,
        view=pr.ItemView,
        actions=(
            act(
                "submit-item",
                pr.SubmitItem,
                "提交审核",
                [IS.RECORDED],
                f"{GIDR}第十七条（保密审查）",
                main=True,
            ),
            decision(
                "review-item",
                pr.ReviewItem,
                "审核（保密审查）",
                [IS.REVIEW],
                f"{GIDR}第十七条",
                approve_zh="审核通过",
            ),
            decision(
                "sign-off-item",
                pr.SignOffItem,
                "签发",
                [IS.SIGN_OFF],
                f"{GIDR}第二十六条",
                approve_zh="同意签发",
                irreversible=True,
            ),
            act(
                "record-interpretation",
                pr.RecordInterpretation,
                "登记政策解读",
                [IS.RECORDED, IS.REVIEW, IS.SIGN_OFF, IS.READY, IS.PUBLISHED],
                "国办发〔2016〕80号（同步组织、同步审签、同步部署；谁起草谁解读）",
            ),
            act(
                "publish-item",
                pr.PublishItem,
                "发布",
                [IS.READY],
                f"{GIDR}第二十三条、第二十四条、第二十六条",
                main=True,
                irreversible=True,
            ),
            act(
                "amend-item",
                pr.AmendItem,
                "变更（新版本）",
                [IS.PUBLISHED],
                f"{GIDR}第二十六条（形成或者变更之日起20个工作日内）",
            ),
            act(
                "withdraw-item",
                pr.WithdrawItem,
                "撤回",
                [IS.PUBLISHED],
                f"{GIDR}第十二条（目录及时更新）",
                SUPERVISORS,
            ),
            act(
                "repeal-item",
                pr.RepealItem,
                "登记废止",
                [IS.PUBLISHED],
                f"{GIDR}第二十条第（一）项；国办公开办函〔2021〕30号（本年废止件数）",
            ),
        ),
    )
)
