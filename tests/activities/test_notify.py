"""Notifications: written to the outbox once, delivered through a real local SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.cases import CaseActivities
from gongkai.settings import Settings
from schemas.activities import Notify
from store.models import OutboxRow


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _notify(key: str, recipient: str = "supervisor@agency.test") -> Notify:
    return Notify(
        key=key,
        case_no="GK-2026-000001",
        recipient_role="supervisor",
        recipient=recipient,
        subject="【红灯预警】GK-2026-000001 答复期限2026-10-19",
        body="案件GK-2026-000001答复期限于2026-10-19届满。请及时办理。",
        at=datetime.now(UTC),
    )


async def test_notification_is_delivered_once(
    fresh_engine: Engine, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    acts = CaseActivities(
        fresh_engine,
        Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="gongkai@agency.test"),
    )
    env = ActivityEnvironment()
    assert await env.run(acts.notify, _notify("GK-2026-000001:7:notify_supervisor")) == "sent"
    # a retried activity (same key) neither duplicates the row nor sends again
    assert await env.run(acts.notify, _notify("GK-2026-000001:7:notify_supervisor")) == "sent"
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["To"] == "supervisor@agency.test"
    assert msg["X-Gongkai-Key"] == "GK-2026-000001:7:notify_supervisor"
    assert msg["Subject"] == "【红灯预警】GK-2026-000001 答复期限2026-10-19"
    assert "请及时办理" in msg.get_content()
    with Session(fresh_engine) as s:
        rows = s.exec(select(OutboxRow)).all()
    assert len(rows) == 1 and rows[0].status == "sent" and rows[0].attempts == 2


async def test_without_smtp_the_notification_waits_in_the_outbox(fresh_engine: Engine) -> None:
    acts = CaseActivities(fresh_engine, Settings(smtp_host=None))
    env = ActivityEnvironment()
    assert await env.run(acts.notify, _notify("k1")) == "pending"
    assert await env.run(acts.notify, _notify("k2", recipient="")) == "no_address"
    with Session(fresh_engine) as s:
        statuses = {r.key: r.status for r in s.exec(select(OutboxRow)).all()}
    assert statuses == {"k1": "pending", "k2": "no_address"}


async def test_smtp_failure_is_retried_and_recorded(fresh_engine: Engine) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = int(sock.getsockname()[1])  # nothing listens here
    acts = CaseActivities(fresh_engine, Settings(smtp_host="127.0.0.1", smtp_port=dead_port))
    with pytest.raises(Exception):  # noqa: B017  (Temporal retries the activity)
        await ActivityEnvironment().run(acts.notify, _notify("k3"))
    with Session(fresh_engine) as s:
        row = s.exec(select(OutboxRow)).one()
    assert row.status == "pending" and row.error


async def test_a_letter_to_the_applicant_is_attached_with_the_way_to_follow_the_case(
    fresh_engine: Engine, smtp: tuple[Inbox, int]
) -> None:
    """The applicant chose e-mail as the carrier: the reply comes as the letter itself, and every
    message to them says where to follow the case (issue 23, finding 23)."""
    from rules.outcomes import Outcome, ReplyContent
    from schemas.activities import RenderDocument

    inbox, port = smtp
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="gongkai@agency.test",
        public_url="https://gk.example.gov.cn",
    )
    acts = CaseActivities(fresh_engine, settings)
    letter = RenderDocument(
        case_no="GK-2026-000001",
        name="reply",
        seq=9,
        at=datetime.now(UTC),
        context={
            "agency": {"name": "某市规划和自然资源局"},
            "issued_on": "2026-12-07",
            "applicant_name": "张三",
            "t0": "2026-11-30",
            "description": "某地块规划许可证",
            "reply": ReplyContent(
                outcome=Outcome.GRANTED, facts="经检索，找到该文件。", access_method="电子文档"
            ).model_dump(),
            "category": "（一）予以公开",
            "decision": "本机关决定：予以公开。",
            "legal_basis": ["《中华人民共和国政府信息公开条例》第三十六条第（二）项"],
            "remedy": "如对本答复不服，可以申请行政复议。",
        },
    )
    note = _notify("GK-2026-000001:9:applicant", recipient="zhangsan@example.com").model_copy(
        update={
            "recipient_role": "applicant",
            "subject": "答复书 GK-2026-000001",
            "body": "您的政府信息公开申请已作出答复：予以公开。答复书见附件。",
            "link": True,
            "attachment": letter,
        }
    )
    assert await ActivityEnvironment().run(acts.notify, note) == "sent"
    msg = inbox.messages[0]
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "https://gk.example.gov.cn/public/track（查询号GK-2026-000001）" in body
    (attached,) = list(msg.iter_attachments())
    assert attached.get_filename() == "政府信息公开申请答复书-GK-2026-000001.html"
    html = attached.get_content()
    assert "本机关决定：予以公开。" in html and "2026年12月7日" in html
    with Session(fresh_engine) as s:
        row = s.exec(select(OutboxRow)).one()
    assert "/public/track" in row.body  # the outbox keeps what was said


async def test_a_digest_the_mail_server_missed_goes_out_at_the_next_flush(
    fresh_engine: Engine, smtp: tuple[Inbox, int]
) -> None:
    """A calendar change's digest (store/digest.py) is delivered outside any activity: when the
    mail server is down it stays pending, and the outbox flush (every ten minutes) sends it."""
    from activities.notify import Outbox, deliver_all

    inbox, port = smtp
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = int(sock.getsockname()[1])
    digest = _notify("calendar:CN:2026-12-07T08:00:00+00:00:SZ-GT", "officers@agency.test")
    down = Settings(smtp_host="127.0.0.1", smtp_port=dead_port)
    assert await deliver_all(fresh_engine, down, [digest]) == ["pending"]
    other = _notify("GK-2026-000001:9:officer")  # a case's notice: its activity retries it
    assert await deliver_all(fresh_engine, Settings(smtp_host=None), [other]) == ["pending"]
    up = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="gongkai@agency.test")
    assert await Outbox(fresh_engine, up).flush(datetime.now(UTC)) == 1
    assert await Outbox(fresh_engine, up).flush(datetime.now(UTC)) == 0  # sent once
    assert [m["To"] for m in inbox.messages] == ["officers@agency.test"]
    with Session(fresh_engine) as s:
        statuses = {r.key: r.status for r in s.exec(select(OutboxRow)).all()}
    assert statuses == {digest.key: "sent", other.key: "pending"}
