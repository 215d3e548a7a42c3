"""Proactive disclosure (主动公开, LAW.md §6A): a piece of government information registered when
it is formed or changed, its 公开属性 decided at the source, published within 20 working days
(GIDR Art. 26: "属于主动公开范围的政府信息，应当自该政府信息形成或者变更之日起20个工作日内及时
公开"), after the confidentiality review (Art. 17) and the sign-off; a policy with its
interpretation (国办发〔2016〕80号: 同步组织、同步审签、同步部署); changes and withdrawals
versioned, a withdrawn item kept in the record."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, Field, model_validator

from rules.calendar import SHANGHAI
from rules.limits import Brief, BriefReq, Day, Instant, LongReq, Place, PlaceReq, Short
from schemas.case import (
    ActionBase,
    Actor,
    AgencyInfo,
    CarryFields,
    CaseViewBase,
    CreateBase,
    FactBase,
)


class ItemStatus(StrEnum):
    RECORDED = "recorded"  # 已登记: formed or changed, the 20 WD running
    REVIEW = "review"  # 待审核 (保密审查)
    SIGN_OFF = "sign_off"  # 待签发
    READY = "ready"  # 待发布
    PUBLISHED = "published"  # 已公开
    WITHDRAWN = "withdrawn"  # 已撤回 (kept in the record)
    REPEALED = "repealed"  # 已废止: a rule or normative document repealed (kept in the record)
    NOT_PROACTIVE = "not_proactive"  # 依申请公开 / 不予公开: registered, not published

    @property
    def zh(self) -> str:
        return {
            "recorded": "已登记",
            "review": "待审核",
            "sign_off": "待签发",
            "ready": "待发布",
            "published": "已公开",
            "withdrawn": "已撤回",
            "repealed": "已废止",
            "not_proactive": "非主动公开",
        }[self.value]


class Attribute(StrEnum):
    """公开属性, decided when the information is formed (源头认定)."""

    PROACTIVE = "proactive"
    ON_REQUEST = "on_request"
    NOT_PUBLIC = "not_public"

    @property
    def zh(self) -> str:
        return {"proactive": "主动公开", "on_request": "依申请公开", "not_public": "不予公开"}[
            self.value
        ]


class Category(StrEnum):
    """The catalogue's categories: GIDR Art. 20 (一)–(十五)."""

    RULES = "rules"
    ORGANISATION = "organisation"
    PLANS = "plans"
    STATISTICS = "statistics"
    LICENSING = "licensing"
    ENFORCEMENT = "enforcement"
    BUDGET = "budget"
    FEES = "fees"
    PROCUREMENT = "procurement"
    PROJECTS = "projects"
    WELFARE = "welfare"
    EMERGENCY = "emergency"
    INSPECTION = "inspection"
    RECRUITMENT = "recruitment"
    OTHER = "other"

    @property
    def zh(self) -> str:
        return CATEGORY_ZH[self]

    @property
    def item(self) -> str:
        """The item of GIDR Art. 20 it is: 第二十条第（一）项 … 第（十五）项."""
        numerals = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五".split()
        return f"第二十条第（{numerals[list(Category).index(self)]}）项"


CATEGORY_ZH = {
    Category.RULES: "行政法规、规章和规范性文件",
    Category.ORGANISATION: "机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名",
    Category.PLANS: "国民经济和社会发展规划、专项规划、区域规划及相关政策",
    Category.STATISTICS: "国民经济和社会发展统计信息",
    Category.LICENSING: "行政许可和其他对外管理服务事项的依据、条件、程序以及办理结果",
    Category.ENFORCEMENT: "行政处罚、行政强制的依据、条件、程序以及有一定社会影响的行政处罚决定",
    Category.BUDGET: "财政预算、决算信息",
    Category.FEES: "行政事业性收费项目及其依据、标准",
    Category.PROCUREMENT: "政府集中采购项目的目录、标准及实施情况",
    Category.PROJECTS: "重大建设项目的批准和实施情况",
    Category.WELFARE: "扶贫、教育、医疗、社会保障、促进就业等方面的政策、措施及其实施情况",
    Category.EMERGENCY: "突发公共事件的应急预案、预警信息及应对情况",
    Category.INSPECTION: "环境保护、公共卫生、安全生产、食品药品、产品质量的监督检查情况",
    Category.RECRUITMENT: "公务员招考的职位、名额、报考条件等事项以及录用结果",
    Category.OTHER: "法律、法规、规章和国家有关规定规定应当主动公开的其他政府信息",
}


class DocKind(StrEnum):
    """What a published item is, where the annual report's part 二 (国办公开办函〔2021〕30号)
    tells them apart: 规章 and 行政规范性文件 (Art. 20 (一)), 行政处罚 and 行政强制 decisions
    (Art. 20 (六))."""

    RULE = "rule"
    NORMATIVE = "normative"
    PENALTY = "penalty"
    COERCION = "coercion"
    OTHER = "other"

    @property
    def zh(self) -> str:
        return DOC_KIND_ZH[self]


DOC_KIND_ZH = {
    DocKind.RULE: "规章",
    DocKind.NORMATIVE: "行政规范性文件",
    DocKind.PENALTY: "行政处罚决定",
    DocKind.COERCION: "行政强制决定",
    DocKind.OTHER: "其他",
}
# Which kinds each category may say it is (the others need none).
DOC_KINDS_OF = {
    Category.RULES: (DocKind.RULE, DocKind.NORMATIVE, DocKind.OTHER),
    Category.ENFORCEMENT: (DocKind.PENALTY, DocKind.COERCION, DocKind.OTHER),
}
# Categories whose items may publish decisions (办理结果, 处罚决定): part 二 counts them.
DECISIONS_IN = (Category.LICENSING, Category.ENFORCEMENT)


def figures_problem(
    category: Category, doc_kind: DocKind | None, decisions: int, fee_amount_yuan: int
) -> str | None:
    """What an item says for the annual report's part 二 that its category cannot say."""
    kinds = DOC_KINDS_OF.get(category, ())
    if category is Category.RULES and doc_kind is None:
        return "规章和规范性文件类信息须注明是规章、行政规范性文件还是其他文件（doc_kind）"
    if doc_kind is not None and doc_kind not in kinds:
        return f"“{category.zh}”类信息不能注明为“{doc_kind.zh}”"
    if decisions and category not in DECISIONS_IN:
        return "只有行政许可、行政处罚和行政强制的办理结果才登记处理决定数量（decisions）"
    if (
        decisions
        and category is Category.ENFORCEMENT
        and doc_kind
        not in (
            DocKind.PENALTY,
            DocKind.COERCION,
        )
    ):
        return "公开处理决定的，须注明是行政处罚决定还是行政强制决定（doc_kind）"
    if fee_amount_yuan and category is not Category.FEES:
        return "只有行政事业性收费类信息才登记收费金额（fee_amount_yuan）"
    return None


class Publication(BaseModel):
    version: int
    at: datetime
    channels: list[str]
    url: str
    by: str
    # Art. 26: published after its 20 working days (the due date it had), recorded as late.
    late: bool = False
    due_on: date | None = None


class ItemInput(CarryFields):
    case_no: str
    agency: AgencyInfo
    officer: Actor
    title: str
    document_no: str = ""
    category: Category
    attribute: Attribute
    ground: str = ""  # why not proactive (不予公开 / 依申请公开), with its article
    content: str = ""  # 内容概述 (Art. 12: the catalogue's summary)
    formed_on: date
    interpretation_required: bool = False
    is_policy: bool = False
    from_request: str = ""  # Art. 44: the disclosure case it was moved from
    registered_at: Instant
    # For the annual report's part 二 (30号): what it is, the decisions it publishes, the
    # administrative fees it reports as collected (元).
    doc_kind: DocKind | None = None
    decisions: int = 0
    fee_amount_yuan: int = 0
    # Art. 44: the day it was moved into proactive disclosure; its 20 working days run from
    # then, while ``formed_on`` stays the day the information was formed (the 目录's 生成日期).
    clock_from: date | None = None


class ItemCreate(CreateBase):
    """Register a piece of government information when it is formed or changed."""

    title: PlaceReq = Field(title="标题")
    document_no: Short = Field(default="", description="文号", title="文号")
    category: Category = Field(title="信息类别（条例第二十条）")
    attribute: Attribute = Field(Attribute.PROACTIVE, title="公开属性（源头认定）")
    ground: Brief = Field(
        default="", description="不予公开或依申请公开的理由和依据", title="理由和依据"
    )
    content: Brief = Field(default="", description="内容概述（目录）", title="内容概述")
    formed_on: Day = Field(
        description="该政府信息形成（或者变更）之日", title="形成（或者变更）之日"
    )
    is_policy: bool = Field(False, title="政策性文件")
    interpretation_required: bool = Field(False, title="需要政策解读（国办发〔2016〕80号）")
    from_request: Short = Field("", title="由依申请公开案件纳入（条例第四十四条，案件编号）")
    doc_kind: DocKind | None = Field(
        default=None,
        description="规章、行政规范性文件（第二十条第（一）项），行政处罚或行政强制决定（第（六）项）",
        title="文件类型（年度报告第二部分分列：规章、行政规范性文件、行政处罚或行政强制决定）",
    )
    decisions: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="本条公开的处理决定数量（许可、处罚、强制结果）",
        title="本条公开的处理决定数量（行政许可、行政处罚、行政强制的办理结果）",
    )
    fee_amount_yuan: int = Field(
        default=0,
        ge=0,
        le=10**12,
        description="本条公布的行政事业性收费金额（元）",
        title="本条公布的行政事业性收费金额（元）",
    )
    INPUT: ClassVar[type[CarryFields]] = ItemInput
    INITIAL_STATUS: ClassVar[str] = "recorded"
    OPENED_FIELD: ClassVar[str] = "registered_at"

    @model_validator(mode="after")
    def _ground_when_not_proactive(self) -> ItemCreate:
        if self.attribute is not Attribute.PROACTIVE and not self.ground.strip():
            raise ValueError(
                f"公开属性为“{self.attribute.zh}”的，应当写明理由和依据（源头认定公开属性）"
            )
        if problem := figures_problem(
            self.category, self.doc_kind, self.decisions, self.fee_amount_yuan
        ):
            raise ValueError(problem)
        return self

    def summary(self) -> str:
        return self.title

    def other_moments(self) -> dict[str, datetime]:
        """The day it was formed is a fact: not in the future (Art. 26's 20 working days run
        from it, so a later date would postpone them)."""
        return {"formed_on": datetime.combine(self.formed_on, time(0), tzinfo=SHANGHAI)}


class MoveToProactive(ActionBase):
    """GIDR Art. 44: information answered on request that may be public, moved into proactive
    disclosure (a linked item, published within 20 working days from today)."""

    title: PlaceReq = Field(title="标题")
    category: Category = Field(title="信息类别（条例第二十条）")
    content: Brief = Field(default="", description="内容概述（目录）", title="内容概述")
    formed_on: Day = Field(
        description="该政府信息形成之日（目录的生成日期；不是纳入主动公开之日）",
        title="该政府信息形成之日（目录的生成日期，不是纳入之日）",
    )


class SubmitItem(ActionBase):
    """Submit the item for the confidentiality review (Art. 17)."""


class ReviewItem(ActionBase):
    approve: bool = Field(title="审核意见")
    confidentiality_reviewed: bool = Field(False, title="已依照条例第十七条进行保密审查")
    comments: Brief = Field("", title="意见")


class SignOffItem(ActionBase):
    approve: bool = Field(title="审核意见")
    comments: Brief = Field("", title="意见")


class RecordInterpretation(FactBase):
    """The policy's interpretation material (谁起草谁解读)."""

    title: PlaceReq = Field(title="标题")
    url: Place = Field("", title="网址")


class PublishItem(FactBase):
    """Published: where (website, gazette, new media) and when."""

    channels: list[PlaceReq] = Field(min_length=1, max_length=10, title="公布渠道")
    url: Place = Field("", title="网址")


class AmendItem(FactBase):
    """The information changed (Art. 26: 变更): a new version, its own 20 working days."""

    reason: BriefReq = Field(title="理由")
    title: Place = Field("", title="标题")
    content: Brief = Field("", title="内容概述")
    # A corrected figure for part 二 (none: unchanged); a new version never adds to the count.
    decisions: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        title="本条公开的处理决定数量（行政许可、行政处罚、行政强制的办理结果）",
    )
    fee_amount_yuan: int | None = Field(
        default=None, ge=0, le=10**12, title="本条公布的行政事业性收费金额（元）"
    )


class RepealItem(FactBase):
    """废止: a rule or normative document repealed by another document (the annual report's
    本年废止件数; not the withdrawal of a catalogue entry). ``occurred_at``: when the repeal took
    effect."""

    repealed_by: PlaceReq = Field(
        description="废止它的文件（名称、文号）", title="废止它的文件（名称、文号）"
    )


class WithdrawItem(ActionBase):
    """Withdrawn from publication (废止, 撤回): it stays in the record and the catalogue's
    history."""

    reason: LongReq = Field(title="理由")


class ItemView(CaseViewBase):
    kind: Literal["proactive"] = "proactive"
    status: ItemStatus
    title: str
    category: Category
    attribute: Attribute
    formed_on: date
    version: int
    interpretation_required: bool
    interpretation: str | None
    publications: list[Publication]
    withdrawn_reason: str | None
    doc_kind: DocKind | None = None
    decisions: int = 0
    fee_amount_yuan: int = 0
    repealed_by: str | None = None
