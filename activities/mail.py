"""E-mail through the configured SMTP server (GONGKAI_SMTP_*): one way to build and send a
message, for the outbox's notifications and the portal's 查询码 alike."""

from __future__ import annotations

from email.message import EmailMessage

from gongkai.settings import Settings


async def send(
    settings: Settings,
    to: str,
    subject: str,
    body: str,
    *,
    key: str = "",
    html: tuple[str, str] | None = None,
    wait: float = 20,
) -> None:
    """Send one plain-text message; ``html`` = (file name, content) attaches a letter; ``wait``
    bounds the SMTP conversation (seconds). Raises on any failure (the caller decides: retry,
    or record)."""
    import aiosmtplib

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.smtp_from, to, subject
    if key:
        msg["X-Gongkai-Key"] = key
    msg.set_content(body)
    if html is not None:
        name, content = html
        msg.add_attachment(content, subtype="html", charset="utf-8", filename=name)
    await aiosmtplib.send(
        msg,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls,
        timeout=wait,
    )
