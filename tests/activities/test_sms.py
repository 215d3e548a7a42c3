"""SMS to applicants through an HTTP gateway (a real local HTTP server here): sent at once in
the day, held in the outbox during the quiet hours (22:00–08:00 Beijing) and sent by the flush
at 08:00, at once for an emergency; a busy gateway is retried, a refusing one is final."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import sms
from activities.cases import CaseActivities
from gongkai.settings import Settings
from rules.calendar import SHANGHAI
from schemas.activities import FlushOutbox, Notify
from store.models import OutboxRow


class Gateway:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answer = 200

    def serve(self) -> ThreadingHTTPServer:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append({"auth": self.headers.get("Authorization"), **body})
                self.send_response(gateway.answer)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def gateway() -> Iterator[tuple[Gateway, str]]:
    gw = Gateway()
    server = gw.serve()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield gw, f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()


def _at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def _note(key: str, at: datetime, urgent: bool = False) -> Notify:
    return Notify(
        key=key,
        case_no="GK-2026-000001",
        recipient_role="applicant",
        recipient="",
        subject="补正告知书 GK-2026-000001",
        body="请在15个工作日内补正。",
        at=at,
        phone="13800138000",
        urgent=urgent,
    )


def _rows(engine: Engine) -> dict[str, OutboxRow]:
    with Session(engine) as s:
        return {r.key: r for r in s.exec(select(OutboxRow).where(OutboxRow.channel == "sms"))}


def test_the_quiet_hours() -> None:
    assert sms.after_quiet_hours(_at(21, 59)) is None
    assert sms.after_quiet_hours(_at(22, 0)) == _at(8, day=3)
    assert sms.after_quiet_hours(_at(7, 59)) == _at(8)
    assert sms.after_quiet_hours(_at(8, 0)) is None


async def test_sms_by_day_held_at_night_and_urgent_at_once(
    fresh_engine: Engine, gateway: tuple[Gateway, str]
) -> None:
    gw, url = gateway
    settings = Settings(sms_gateway_url=url, sms_gateway_token="sms-secret")
    acts = CaseActivities(fresh_engine, settings)
    env = ActivityEnvironment()
    await env.run(acts.notify, _note("day", _at(10)))
    assert gw.received == [
        {
            "auth": "Bearer sms-secret",
            "to": "13800138000",
            "text": "补正告知书 GK-2026-000001：请在15个工作日内补正。",
            "id": "day:sms",
        }
    ]
    await env.run(acts.notify, _note("night", _at(23)))
    await env.run(acts.notify, _note("fire", _at(23, 30), urgent=True))
    assert [r["id"] for r in gw.received] == ["day:sms", "fire:sms"]
    rows = _rows(fresh_engine)
    assert rows["night:sms"].status == "deferred"
    assert rows["night:sms"].not_before == _at(8, day=3)
    assert await env.run(acts.flush_outbox, FlushOutbox(at=_at(7, 50, day=3))) == 0
    assert await env.run(acts.flush_outbox, FlushOutbox(at=_at(8, 0, day=3))) == 1
    assert [r["id"] for r in gw.received] == ["day:sms", "fire:sms", "night:sms"]
    assert _rows(fresh_engine)["night:sms"].status == "sent"
    await env.run(acts.notify, _note("day", _at(10)))  # a retried activity: nothing twice
    assert len(gw.received) == 3


async def test_a_busy_gateway_is_retried_and_a_refusing_one_is_final(
    fresh_engine: Engine, gateway: tuple[Gateway, str]
) -> None:
    gw, url = gateway
    acts = CaseActivities(fresh_engine, Settings(sms_gateway_url=url))
    env = ActivityEnvironment()
    gw.answer = 503
    with pytest.raises(sms.GatewayBusy):
        await env.run(acts.notify, _note("busy", _at(10)))
    gw.answer = 200
    await env.run(acts.notify, _note("busy", _at(10)))  # Temporal's retry
    assert _rows(fresh_engine)["busy:sms"].status == "sent"
    gw.answer = 400
    with pytest.raises(ApplicationError) as refused:
        await env.run(acts.notify, _note("bad", _at(10)))
    assert refused.value.non_retryable and "短信网关拒绝" in refused.value.message
    assert _rows(fresh_engine)["bad:sms"].status == "error"
