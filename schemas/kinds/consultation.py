"""The registry's entry for major administrative decisions prepared in public (重大行政决策预公开,
Decree 713; LAW.md §2), and its public face: the draft and the decision, published."""

from __future__ import annotations

from schemas import consultation as c
from schemas.kinds.spec import KindSpec, act, decision, staffed, values
from schemas.public import PublicFace

ST = c.Stage


# A draft is public from its publication for comment on; its decision once published.
_CONSULTATION_PUBLIC = PublicFace(
    documents=frozenset({"comment_notice", "decision_notice", "adoption_report"}),
    published_in=values(st for st in ST if st is not ST.DRAFTING),
)

CONSULTATION = staffed(
    KindSpec(
        kind="consultation",
        zh="重大决策预公开",
        noun_zh="重大行政决策",
        path="consultations",
        workflow="workflows.consultation:ConsultationWorkflow",
        status=c.Stage,
        closed=values([ST.PUBLISHED, ST.ARCHIVED]),
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
            act(
                "publish-draft",
                c.PublishDraft,
                "公开征求意见",
                [ST.DRAFTING],
                "《重大行政决策程序暂行条例》第十五条",
                main=True,
            ),
            act(
                "schedule-hearing",
                c.ScheduleHearing,
                "安排听证",
                [ST.COMMENT_OPEN, ST.PROCESSING],
                "《重大行政决策程序暂行条例》第十六条",
            ),
            act(
                "record-step",
                c.RecordStep,
                "记录论证",
                [ST.COMMENT_OPEN, ST.PROCESSING],
                "《重大行政决策程序暂行条例》第十七条至第二十四条",
            ),
            act(
                "record-adoption",
                c.RecordAdoption,
                "记录意见采纳",
                [ST.PROCESSING],
                "《重大行政决策程序暂行条例》第十八条",
            ),
            act(
                "submit-legality-review",
                c.SubmitLegalityReview,
                "送请合法性审查",
                [ST.PROCESSING],
                "《重大行政决策程序暂行条例》第二十五条至第二十八条",
            ),
            act(
                "record-legality-opinion",
                c.RecordLegalityOpinion,
                "记录审查意见",
                [ST.LEGALITY_REVIEW],
                "《重大行政决策程序暂行条例》第二十八条",
            ),
            decision(
                "record-decision",
                c.RecordDecision,
                "集体讨论决定",
                [ST.REVIEWED],
                "《重大行政决策程序暂行条例》第二十五条、第三十条",
            ),
            act(
                "report-to-committee",
                c.ReportToCommittee,
                "报告党委",
                [ST.DECIDED],
                "《重大行政决策程序暂行条例》第三十一条",
            ),
            act(
                "publish-decision",
                c.PublishDecision,
                "公布决策",
                [ST.REPORTED],
                "《重大行政决策程序暂行条例》第三十二条",
                irreversible=True,
            ),
            act(
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
