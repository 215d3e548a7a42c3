"""网络问政 on the portal: anyone leaves a message for an agency (and follows it with its 查询号 and
查询码 like an application), and reads the answered ones whose authors allowed publication, as
an officer approved their public text, with each unit's lights."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import deps
from api.public.case_form import CaseForm
from api.public.codes import receipt
from api.public.pages import CHOOSE, Page, Pages, problems
from schemas import inquiry as q
from schemas.registry import INQUIRY
from store.agencies import code_problem, public_agencies
from store.cases import get_agency
from store.models import Agency, PublicMessage
from store.public import answered_messages, save_message, unit_lights

router = APIRouter(prefix="/public", include_in_schema=False)

IC = q.InquiryCategory
CATEGORIES = {c.value: c.zh for c in (IC.CONSULTATION, IC.SUGGESTION, IC.ERROR_REPORT)}
CONTACT = "联系方式：请填写联系电话或电子邮箱，以便答复。"


def _form(page: Pages, engine: Engine, fields: dict[str, str] | None = None) -> CaseForm:
    choices = {"agencies": public_agencies(engine), "categories": CATEGORIES}
    return CaseForm(page, "message_form.html", choices, fields or {})


@router.get("/inquiries/new", response_class=HTMLResponse)
def message_form(page: Page, engine: Engine = Depends(deps.engine)) -> Response:
    return _form(page, engine).show()


def _message(engine: Engine, f: dict[str, str]) -> tuple[q.InquiryCreate, Agency] | list[str]:
    """The message as the form gave it, with the agency it is for; or what is wrong with it."""
    # A disabled agency, or the demonstration one beside real ones, is refused by open_case.
    office = get_agency(engine, f["agency"]) if code_problem(f["agency"]) is None else None
    if office is None:
        return [CHOOSE]
    if f["category"] not in CATEGORIES:
        return ["留言类别：请从列表中选择。"]
    try:
        body = q.InquiryCreate(
            agency=f["agency"],
            category=q.InquiryCategory(f["category"]),
            person=q.PersonIn(name=f["name"], phone=f["phone"], email=f["email"]),
            subject=f["subject"],
            message=f["message"],
            unit=office.name[:100],
            publish_consent=f["publish"] == "yes",
        )
    except ValidationError as exc:
        return problems(exc)
    if not (f["phone"] or f["email"]):
        return [CONTACT]
    return body, office


@router.post("/inquiries/new", response_class=HTMLResponse)
async def leave_message(
    page: Page,
    engine: Engine = Depends(deps.engine),
    client: Client | None = Depends(deps.temporal_if_connected),
    form_token: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    agency: Annotated[str, Form(max_length=32)] = "",
    category: Annotated[str, Form(max_length=32)] = IC.CONSULTATION.value,
    subject: Annotated[str, Form(max_length=400)] = "",
    message: Annotated[str, Form(max_length=4000)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=100)] = "",
    publish: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    fields = {
        "agency": agency,
        "category": category,
        "subject": subject,
        "message": message,
        "name": name,
        "phone": phone,
        "email": email,
        "publish": publish,
    }
    form_page = _form(page, engine, fields)
    if (refused := form_page.refused(form_token, website, "留言")) is not None:
        return refused
    checked = _message(engine, fields)
    if isinstance(checked, list):
        return form_page.again(checked)
    body, office = checked
    case_no = await form_page.open(engine, client, INQUIRY, body)
    if isinstance(case_no, Response):
        return case_no
    save_message(
        engine,
        PublicMessage(
            case_no=case_no,
            agency=agency,
            category=category,
            subject=body.subject,
            message=body.message,
            publish=publish == "yes",
            received_at=datetime.now(UTC),
        ),
    )
    kind_zh = f"网上留言（{CATEGORIES[category]}）"
    shown = {"agency": office, "kind_zh": kind_zh, "message": True}
    return await receipt(page, engine, case_no, (name, email, phone), **shown)


@router.get("/inquiries", response_class=HTMLResponse)
def message_board(page: Page, engine: Engine = Depends(deps.engine)) -> Response:
    """Answered messages whose authors allowed publication, as an officer approved their public
    text (personal data masked: the original is staff-only), and each unit's lights: the public
    sees who answers on time (the author's name is never shown)."""
    units: dict[str, dict[str, int]] = {}
    for unit, light, n in unit_lights(engine, INQUIRY.kind, INQUIRY.closed):
        units.setdefault(unit or "—", {"green": 0, "yellow": 0, "red": 0})[light] = n
    items: list[dict[str, Any]] = []
    seen = set()
    for m, row, e in answered_messages(engine):  # newest approval first: its latest public text
        if m.case_no in seen:
            continue
        seen.add(m.case_no)
        text = json.loads(e.data or "{}")
        items.append(
            {
                "case_no": m.case_no,
                "category": CATEGORIES.get(m.category, m.category),
                "subject": text.get("subject", ""),
                "message": text.get("message", ""),
                "answer": text.get("answer", ""),
                "unit": row.unit,
                "asked": m.received_at,
                "answered": e.at,
            }
        )
    return page("board.html", {"items": items, "units": sorted(units.items())})
