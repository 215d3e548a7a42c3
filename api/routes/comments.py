"""The public comment endpoint of a draft decision (Decree 713 Art. 15): no login, so it is
limited per address and per case, capped per case, and answers the same for every number that is
not a draft open for comment (review finding 10)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from api import deps
from api.ratelimit import RateLimiter, client_key, too_many
from gongkai.settings import Settings
from schemas import consultation as c
from store.cases import get_case
from store.db import session_scope
from store.models import PublicComment

router = APIRouter(prefix="/v1", tags=["public"])


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    name: str = Field(default="", max_length=100)
    contact: str = Field(default="", max_length=200)


# One answer for a number that is no case, a case that is no consultation and a consultation
# not (or no longer) open for comment, so that the endpoint tells nobody which numbers exist.
NOT_OPEN = (
    "该编号下没有正在公开征求意见的决策草案。请核对编号，并在征求意见公告载明的期限内提交意见。"
)


@dataclass
class CommentGuard:
    """The public comment endpoint's limits (gongkai/settings.py, ``comment_*``)."""

    per_address: RateLimiter
    per_case: RateLimiter
    max_per_case: int
    # Counting and adding one comment is one step within this process.
    writing: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> CommentGuard:
        window = settings.comment_limit_window_seconds
        return cls(
            RateLimiter(settings.comment_limit_per_address, window),
            RateLimiter(settings.comment_limit_per_case, window),
            settings.comment_max_per_case,
        )


class CommentReceived(BaseModel):
    case_no: str
    received: bool


@router.post(
    "/consultations/{case_no}/comments",
    status_code=201,
    tags=["public"],
    summary="Comment on a published draft decision (public, no login)",
    response_model=CommentReceived,
    operation_id="comment_on_draft",
    responses={
        404: {"description": "No draft decision open for comment under this number"},
        409: {"description": "The draft has received as many comments as it takes"},
        429: {"description": "Too many comments from this address or to this case"},
    },
)
def comment(
    case_no: Annotated[str, Path(max_length=64)],
    body: CommentIn,
    request: Request,
    engine: Engine = Depends(deps.engine),
) -> CommentReceived:
    """决策草案公开征求意见 (Decree 713 Art. 15): anyone may comment while the period runs."""
    return take_comment(request, engine, case_no, body)


def take_comment(
    request: Request, engine: Engine, case_no: str, body: CommentIn
) -> CommentReceived:
    """One comment on a draft open for comment, within the limits (HTTPException otherwise);
    the API's endpoint and the portal's form both come here."""
    guard: CommentGuard = request.app.state.comment_guard
    # Both limits count before the case is looked up: the answers do not depend on it.
    for limiter, key, detail in (
        (guard.per_address, client_key(request), "同一网络地址"),
        (guard.per_case, case_no, "同一决策草案"),
    ):
        wait = limiter.hit(key)
        if wait is not None:
            raise too_many(
                wait,
                f"提交意见过于频繁：{detail}每{limiter.per_seconds:g}秒最多接收"
                f"{limiter.limit}条意见。请{math.ceil(wait)}秒后再提交。",
            )
    row = get_case(engine, case_no)
    now = datetime.now(UTC)
    if (
        row is None
        or row.kind != "consultation"
        or row.status != c.Stage.COMMENT_OPEN.value
        or (row.due_at is not None and row.due_at < now)
    ):
        raise HTTPException(404, NOT_OPEN)
    with guard.writing, session_scope(engine) as db:
        count = db.exec(
            select(func.count()).select_from(PublicComment).where(PublicComment.case_no == case_no)
        ).one()
        if count >= guard.max_per_case:
            raise HTTPException(
                409,
                f"该决策草案收到的网上意见已达{guard.max_per_case}条上限，不再接收。"
                "如仍有意见，请按征求意见公告载明的信函、电子邮件等方式提出。",
            )
        db.add(
            PublicComment(
                case_no=case_no, at=now, name=body.name, contact=body.contact, text=body.text
            )
        )
    return CommentReceived(case_no=case_no, received=True)
