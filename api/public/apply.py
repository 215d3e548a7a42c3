"""Applying online (GIDR Art. 29): the application form, checked field by field in the form's own
words, and the receipt with the case's 查询号 and 查询码."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api import deps
from api.public.case_form import CaseForm
from api.public.codes import receipt
from api.public.pages import (
    CHOOSE,
    FIELD_ZH,
    Files,
    Page,
    Pages,
    applicant_files,
    problems,
    uploads,
)
from gongkai.logs import get_logger
from schemas import disclosure as d
from schemas.registry import DISCLOSURE
from store import attachments as files
from store.agencies import public_agencies
from store.cases import get_agency

router = APIRouter(prefix="/public", include_in_schema=False)
log = get_logger(__name__)
CONTACT = "联系方式：请至少填写联系电话、电子邮箱或通信地址中的一项（条例第二十九条）。"
APPLICANT_TYPE = "申请人类型：请选择自然人，或者法人或其他组织的类别。"


def _form(page: Pages, engine: Engine, fields: dict[str, str] | None = None) -> CaseForm:
    choices = {
        "agencies": public_agencies(engine),
        "id_types": d.ID_TYPES,
        "forms": d.FORMS,
        "deliveries": d.DELIVERIES,
    }
    return CaseForm(page, "apply.html", choices, fields or {})


@router.get("/apply", response_class=HTMLResponse)
def apply_form(page: Page, engine: Engine = Depends(deps.engine)) -> Response:
    return _form(page, engine).show()


def _application(fields: dict[str, str]) -> d.DisclosureRequestCreate | list[str]:
    """The application as the form gave it, or what is wrong with it."""
    given = fields["applicant_type"]
    kind = d.ApplicantType(given) if given in set(d.ApplicantType) else None
    if kind is None:  # counted in the annual report's columns by it: never guessed
        return [APPLICANT_TYPE]
    person = {k: fields[k] for k in ("name", "id_type", "id_number", "phone", "email", "address")}
    try:
        body = d.DisclosureRequestCreate(
            agency=fields["agency"],
            channel=d.Channel.ONLINE,
            applicant=d.ApplicantIn(
                type=kind,
                organisation=fields["name"] if kind is not d.ApplicantType.PERSON else "",
                **person,
            ),
            description=fields["description"],
            form=fields["form"],
            delivery=fields["delivery"],
        )
    except ValidationError as exc:
        said = problems(exc)
        if not fields["agency"]:  # the select's first option, 请选择受理机关
            said = [CHOOSE, *(p for p in said if not p.startswith(f"{FIELD_ZH['agency']}："))]
        return said
    if not (fields["phone"] or fields["email"] or fields["address"]):
        return [CONTACT]
    return body


@router.post("/apply", response_class=HTMLResponse)
async def apply(
    page: Page,
    engine: Engine = Depends(deps.engine),
    client: Client | None = Depends(deps.temporal_if_connected),
    stored: Files = Depends(applicant_files),
    form_token: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    agency: Annotated[str, Form(max_length=32)] = "",
    applicant_type: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    id_type: Annotated[str, Form(max_length=50)] = "居民身份证",
    id_number: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=100)] = "",
    address: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    form: Annotated[str, Form(max_length=100)] = "电子文档",
    delivery: Annotated[str, Form(max_length=100)] = "电子邮件",
    attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI's default)
) -> Response:
    """GIDR Art. 29: the application (the applicant's name and identity, contact, the
    information sought, the form and carrier wanted); T0 is the day the agency confirms it
    (Art. 31(3)), which the tracking page says until then."""
    fields = {
        "agency": agency,
        "applicant_type": applicant_type,
        "name": name,
        "id_type": id_type,
        "id_number": id_number,
        "phone": phone,
        "email": email,
        "address": address,
        "description": description,
        "form": form,
        "delivery": delivery,
    }
    form_page = _form(page, engine, fields)
    if (refused := form_page.refused(form_token, website, "提交申请")) is not None:
        return refused
    body = _application(fields)
    if isinstance(body, list):
        return form_page.again(body)
    try:
        uploaded = await uploads(attachments, page.settings)
    except files.AttachmentRefused as exc:
        return form_page.again([str(exc)])

    def with_files(case_no: str, inp: Any) -> Any:
        refs = stored.save(case_no, uploaded, "application")
        return inp.model_copy(update={"attachments": refs})

    case_no = await form_page.open(engine, client, DISCLOSURE, body, with_files)
    if isinstance(case_no, Response):
        return case_no
    log.info("application received online", case_no=case_no, agency=agency)
    shown = {"agency": get_agency(engine, agency), "kind_zh": DISCLOSURE.noun_zh}
    return await receipt(page, engine, case_no, (name, email, phone), **shown)
