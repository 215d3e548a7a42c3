"""A case's documents: rendered from the templates (activities/templates) and stored once, by
case + document + sequence."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlmodel import select

from rules.calendar import zh_date
from rules.clock import Reading
from schemas.activities import RenderDocument
from schemas.case import DocumentRef
from store.models import DocumentRow

TEMPLATES = Path(__file__).parent / "templates"

DOCUMENT_TITLES = {
    "receipt": "政府信息公开申请登记回执",
    "correction_notice": "补正告知书",
    "extension_notice": "延期答复告知书",
    "deadline_change_notice": "答复期限调整告知书",
    "fixed_date_notice": "延迟答复告知书",
    "abandonment_notice": "视为放弃申请告知书",
    "processing_stopped_notice": "不再处理政府信息公开申请告知书",
    "consultation_letter": "征求意见书",
    "reply": "政府信息公开申请答复书",
    "urging_notice": "催办通知书",
    "inquiry_reply": "网民留言答复",
    "release": "信息发布稿",
    "comment_notice": "公开征求意见公告",
    "adoption_report": "公众意见采纳情况说明",
    "decision_notice": "重大行政决策公布",
}


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


def _zh(value: Any) -> Any:
    """A date in a letter (GB/T 9704-2012: 2026年12月7日); anything else as it is."""
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return zh_date(date.fromisoformat(text))
        except ValueError:
            return value
    return value


_env.filters["zh"] = _zh


def render(name: str, context: dict[str, Any]) -> str:
    return _env.get_template(f"{name}.html").render(doc_title=DOCUMENT_TITLES[name], **context)


_DOCUMENT = DocumentRow.__table__  # type: ignore[attr-defined]


def dated(doc: RenderDocument, readings: dict[str, Reading]) -> RenderDocument:
    """A document that states a clock's due date, with the date of the plan just made."""
    reading = readings.get(doc.dated_by) if doc.dated_by else None
    if reading is None:
        return doc
    dated = {
        "reply_due": str(reading.due_date),
        "provisional": reading.provisional,
        "provisional_note": "；".join(reading.explanation.lines[-2:-1]),
    }
    return doc.model_copy(update={"context": {**doc.context, **dated}})


def render_request(req: RenderDocument) -> str:
    return render(req.name, {"case_no": req.case_no, **req.context})


def store_document(conn: Connection, req: RenderDocument, html: str | None = None) -> DocumentRef:
    """Render (unless ``html`` is given) and store a case's document once (by case + name +
    seq)."""
    title = DOCUMENT_TITLES[req.name]
    existing = conn.execute(
        select(_DOCUMENT.c.id).where(
            _DOCUMENT.c.case_no == req.case_no,
            _DOCUMENT.c.name == req.name,
            _DOCUMENT.c.seq == req.seq,
        )
    ).first()
    if existing is None:
        html = html if html is not None else render_request(req)
        conn.execute(
            insert(_DOCUMENT).values(
                case_no=req.case_no,
                name=req.name,
                seq=req.seq,
                title=title,
                html=html,
                created_at=req.at,
            )
        )
    return DocumentRef(name=req.name, title=title, seq=req.seq)
