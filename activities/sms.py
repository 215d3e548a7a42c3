"""SMS through an HTTP gateway, and the quiet hours.

The gateway contract (docs/operations.md): ``POST <GONGKAI_SMS_GATEWAY_URL>`` with a JSON body
``{"to": "13800138000", "text": "…", "id": "<outbox key>"}`` and ``Authorization: Bearer
<GONGKAI_SMS_GATEWAY_TOKEN>``; any 2xx is accepted. ``id`` is stable across retries, so a
gateway can drop a duplicate. A 429 or 5xx is retried (Temporal's backoff); another 4xx will
fail every time and is final. Most commercial SMS platforms are reached through a small adapter
that speaks this contract.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import httpx
from temporalio.exceptions import ApplicationError

from rules.calendar import SHANGHAI

QUIET_FROM, QUIET_UNTIL = time(22), time(8)  # Beijing time
MAX_TEXT = 300


def after_quiet_hours(at: datetime) -> datetime | None:
    """When an SMS written at ``at`` may go out: None for now, else 08:00 Beijing time."""
    local = at.astimezone(SHANGHAI)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(day, QUIET_UNTIL, tzinfo=SHANGHAI)


class GatewayBusy(Exception):
    """The gateway could not take it now (429, 5xx, no connection): retried."""


async def send(url: str, token: str | None, to: str, text: str, key: str) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            res = await http.post(
                url, json={"to": to, "text": text[:MAX_TEXT], "id": key}, headers=headers
            )
    except httpx.HTTPError as exc:
        raise GatewayBusy(f"SMS gateway unreachable: {type(exc).__name__}") from exc
    if res.status_code == 429 or res.status_code >= 500:
        raise GatewayBusy(f"SMS gateway answered {res.status_code}")
    if res.status_code >= 400:
        raise ApplicationError(
            f"短信网关拒绝了这条短信（HTTP {res.status_code}）：{res.text[:200]}",
            type="SmsRefused",
            non_retryable=True,
        )
