"""The registry's entry for messages left on the government website (网络问政, LAW.md §4), and its
public face: the author follows the answer on the portal."""

from __future__ import annotations

from schemas import inquiry as q
from schemas.kinds.spec import GIDR, KindSpec, act, staffed, values
from schemas.public import PublicFace

IS = q.InquiryStatus


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
    reply_issued=values([IS.ANSWERED, IS.CONVERTED, IS.CLOSED]),
    outcome_zh={
        IS.ANSWERED.value: "已答复",
        IS.CONVERTED.value: "已转为政府信息公开申请办理",
        IS.CLOSED.value: "已答复",
    },
    answer_event="answered",
    outcome_title="答复",
)

INQUIRY = staffed(
    KindSpec(
        kind="inquiry",
        zh="网络问政",
        noun_zh="网民留言",
        path="inquiries",
        workflow="workflows.inquiry:InquiryWorkflow",
        status=q.InquiryStatus,
        closed=values([IS.ANSWERED, IS.CONVERTED, IS.CLOSED]),
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
            act(
                "transfer",
                q.Transfer,
                "转办",
                [IS.HANDLING],
                "本地网络问政（政府网站留言）办理规定（转办）",
            ),
            act(
                "inform-delay",
                q.InformDelay,
                "告知延期",
                [IS.HANDLING],
                "本地网络问政（政府网站留言）办理规定",
            ),
            act(
                "answer",
                q.Answer,
                "答复",
                [IS.HANDLING],
                "本地网络问政（政府网站留言）办理规定",
                main=True,
            ),
            act(
                "convert-to-disclosure",
                q.ConvertToDisclosure,
                "转为依申请公开",
                [IS.HANDLING],
                f"{GIDR}第三十一条第三项",
            ),
            act(
                "convert-to-petition",
                q.ConvertToPetition,
                "转信访办理",
                [IS.HANDLING],
                "《信访工作条例》第二十三条",
            ),
            act(
                "notify-petitioner",
                q.NotifyPetitioner,
                "告知信访人",
                [IS.PETITION],
                "《信访工作条例》第二十三条",
            ),
            act(
                "approve-publication",
                q.ApprovePublication,
                "审核公开文本",
                [IS.ANSWERED],
                "《个人信息保护法》第二十八条（留言公开前隐去个人信息）",
                main=True,
                irreversible=True,
            ),
            act(
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
