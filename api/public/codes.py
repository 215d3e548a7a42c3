"""The 查询码 of a case opened on the portal: issued with the receipt, shown once, and sent to the
applicant at once by e-mail and SMS where those are configured. The code itself is kept nowhere
(store/portal.py keeps its hash); the outbox keeps that it was sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.responses import Response
from sqlalchemy.engine import Engine

from api.public.pages import Pages
from gongkai.logs import get_logger
from gongkai.settings import Settings
from rules.personal import mask_name
from store.portal import issue_code
from store.public import code_sent

log = get_logger(__name__)


async def receipt(
    page: Pages,
    engine: Engine,
    case_no: str,
    person: tuple[str, str, str],
    **shown: Any,
) -> Response:
    """The receipt of a case just opened: its 查询号 and 查询码, the applicant's name masked;
    ``person`` is (name, e-mail, phone)."""
    name, email, phone = person
    code = issue_code(engine, case_no, datetime.now(UTC))
    sent = await send_code(page.settings, engine, case_no, email, phone, code)
    context = {"case_no": case_no, "code": code, "masked": mask_name(name), "sent": sent}
    return page("receipt.html", {**context, **shown}, status=201)


async def send_code(
    settings: Settings, engine: Engine, case_no: str, email: str, phone: str, code: str
) -> bool:
    """Send the 查询码 to the applicant: by e-mail (when SMTP is configured) and by SMS (when a
    phone was given and a gateway is configured), at once — they asked for it a moment ago.
    The outbox keeps that it was sent, never the code itself. Whether it went out anywhere."""
    track = f"{settings.api_url}/public/track"
    text = (
        f"您的查询号：{case_no}\n查询码：{code}\n请妥善保管查询码（相当于取件码）：凭查询号和查询码"
        f"可在{track}查询办理进度、补正和下载答复。"
    )
    sent = {"email": (email, await _code_by_email(settings, case_no, email, text))}
    if phone and settings.sms_gateway_url:
        sent["sms"] = (phone, await _code_by_sms(settings, case_no, phone, text))
    code_sent(engine, case_no, sent, datetime.now(UTC))
    return "sent" in (status for _, status in sent.values())


async def _code_by_email(settings: Settings, case_no: str, email: str, text: str) -> str:
    if not email:
        return "no_address"
    if not settings.smtp_host:
        return "no_channel"
    from activities import mail

    try:
        await mail.send(settings, email, f"您的查询号 {case_no}", text, wait=10)
    except Exception as exc:  # the applicant has the code on the page already
        log.warning("could not e-mail the tracking code", case_no=case_no, error=type(exc).__name__)
        return "error"
    return "sent"


async def _code_by_sms(settings: Settings, case_no: str, phone: str, text: str) -> str:
    if not settings.sms_gateway_url:
        return "no_channel"
    from activities import sms

    try:
        await sms.send(
            settings.sms_gateway_url,
            settings.sms_gateway_token,
            phone,
            text,
            f"{case_no}:tracking-code:sms",
        )
    except Exception as exc:  # the applicant has the code on the page already
        log.warning("could not text the tracking code", case_no=case_no, error=type(exc).__name__)
        return "error"
    return "sent"
