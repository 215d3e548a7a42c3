"""The public comment endpoint (POST /v1/consultations/{case_no}/comments) under attack: a burst
from one address, a flood on one case from many addresses, a case filled to its cap, and case
numbers probed. No Temporal needed: the route reads and writes the read model only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from api.app import create_app
from api.routes.comments import CommentGuard
from gongkai.settings import Settings
from store.cases import ensure_case_row
from store.models import PublicComment
from tests.fixtures.rows import case_row

OPEN = "YJ-2026-000001"
ELAPSED = "YJ-2026-000002"  # still marked open, but its period has run out
DECIDED = "YJ-2026-000003"
DISCLOSURE = "GK-2026-000004"
MISSING = "YJ-2026-000099"
COMMENT = {"text": "建议夜间停车免费。" * 500, "name": "市民"}  # 4,500 characters


@dataclass
class Public:
    app: Any
    engine: Engine

    def at(self, address: str) -> TestClient:
        """A client calling from ``address`` (the app's lifespan is already running)."""
        return TestClient(self.app, client=(address, 40000))

    def comments(self, case_no: str | None = None) -> int:
        query = select(func.count()).select_from(PublicComment)
        if case_no is not None:
            query = query.where(PublicComment.case_no == case_no)
        with Session(self.engine) as s:
            return int(s.exec(query).one())

    @property
    def guard(self) -> CommentGuard:
        guard: CommentGuard = self.app.state.comment_guard
        return guard


@contextmanager
def _public(tmp_path: Path, **limits: Any) -> Iterator[Public]:
    settings = Settings(var_dir=tmp_path, temporal_address="127.0.0.1:1", **limits)
    with TestClient(create_app(settings)) as client:
        engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        for case_no, kind, status, due in (
            (OPEN, "consultation", "comment_open", now + timedelta(days=20)),
            (ELAPSED, "consultation", "comment_open", now - timedelta(minutes=1)),
            (DECIDED, "consultation", "decided", None),
            (DISCLOSURE, "disclosure", "accepted", now + timedelta(days=20)),
        ):
            ensure_case_row(engine, case_row(case_no, kind=kind, status=status, due_at=due))
        yield Public(client.app, engine)


@pytest.fixture
def public(tmp_path: Path) -> Iterator[Public]:
    with _public(tmp_path) as p:  # the default limits
        yield p


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_from_one_address_is_refused_after_the_limit(public: Public) -> None:
    clock = Clock()
    public.guard.per_address.clock = clock
    attacker = public.at("198.51.100.7")
    answers = [attacker.post(f"/v1/consultations/{OPEN}/comments", json=COMMENT) for _ in range(30)]
    assert [r.status_code for r in answers[:10]] == [201] * 10  # 10 a minute by default
    refused = answers[10:]
    assert {r.status_code for r in refused} == {429}
    assert refused[0].headers["Retry-After"] == "60"
    assert "同一网络地址每60秒最多接收10条意见" in refused[0].json()["detail"]
    assert "请60秒后再提交" in refused[0].json()["detail"]
    assert public.comments(OPEN) == 10  # nothing more was stored

    # Another address is not held up by the attacker...
    assert public.at("203.0.113.9").post(f"/v1/consultations/{OPEN}/comments", json=COMMENT)
    assert public.comments(OPEN) == 11
    # ...and one changing its IPv6 address within its /64 gains nothing.
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2"):
        for _ in range(5):
            public.at(host).post(f"/v1/consultations/{OPEN}/comments", json=COMMENT)
    res = public.at("2001:db8:1:2::ffff").post(f"/v1/consultations/{OPEN}/comments", json=COMMENT)
    assert res.status_code == 429
    assert public.comments(OPEN) == 21

    clock.now += 45  # the wait shrinks as the window slides
    res = attacker.post(f"/v1/consultations/{OPEN}/comments", json=COMMENT)
    assert res.status_code == 429 and res.headers["Retry-After"] == "15"
    clock.now += 15
    res = attacker.post(f"/v1/consultations/{OPEN}/comments", json=COMMENT)
    assert res.status_code == 201
    assert public.comments(OPEN) == 22


def test_a_flood_on_one_case_from_many_addresses_is_refused(tmp_path: Path) -> None:
    with _public(tmp_path, comment_limit_per_case=5) as public:
        answers = [
            public.at(f"192.0.2.{i}").post(f"/v1/consultations/{OPEN}/comments", json=COMMENT)
            for i in range(1, 9)
        ]
        assert [r.status_code for r in answers] == [201] * 5 + [429] * 3
        assert int(answers[5].headers["Retry-After"]) in range(1, 61)
        assert "同一决策草案每60秒最多接收5条意见" in answers[5].json()["detail"]
        assert public.comments(OPEN) == 5


def test_a_case_takes_at_most_its_cap_of_comments(public: Public) -> None:
    assert public.guard.max_per_case == 2000
    with Session(public.engine) as s:
        s.add_all(
            PublicComment(case_no=OPEN, at=datetime.now(UTC), text=f"意见{i}") for i in range(1999)
        )
        s.commit()
    ok = public.at("192.0.2.1").post(f"/v1/consultations/{OPEN}/comments", json=COMMENT)
    assert ok.status_code == 201
    for i in range(2, 5):  # new addresses, well within every rate limit
        res = public.at(f"192.0.2.{i}").post(f"/v1/consultations/{OPEN}/comments", json=COMMENT)
        assert res.status_code == 409
        assert "已达2000条上限" in res.json()["detail"]
        assert "信函、电子邮件" in res.json()["detail"]  # where the rest can go
    assert public.comments(OPEN) == 2000


def test_probing_case_numbers_learns_nothing(public: Public) -> None:
    answers = {
        case_no: public.at(f"192.0.2.{i}").post(
            f"/v1/consultations/{case_no}/comments", json=COMMENT
        )
        for i, case_no in enumerate((MISSING, DISCLOSURE, DECIDED, ELAPSED), start=1)
    }
    first = answers[MISSING]
    assert first.status_code == 404
    assert "没有正在公开征求意见的决策草案" in first.json()["detail"]
    for case_no, res in answers.items():
        assert (res.status_code, res.content) == (first.status_code, first.content), case_no
        assert res.headers["content-type"] == first.headers["content-type"]
        assert MISSING not in res.text and case_no not in res.text
    assert public.comments() == 0

    # The limits count before the lookup: a flood answers alike whether the case exists or not.
    limited: dict[str, Any] = {}
    for case_no in (MISSING, OPEN):
        prober = public.at(f"198.51.100.{len(limited) + 1}")
        for _ in range(10):
            prober.post(f"/v1/consultations/{case_no}/comments", json=COMMENT)
        limited[case_no] = prober.post(f"/v1/consultations/{case_no}/comments", json=COMMENT)
    assert limited[MISSING].status_code == limited[OPEN].status_code == 429
    assert limited[MISSING].content == limited[OPEN].content


def test_an_overlong_case_number_is_refused_before_it_is_counted(public: Public) -> None:
    res = public.at("192.0.2.1").post(f"/v1/consultations/{'X' * 65}/comments", json=COMMENT)
    assert res.status_code == 422
    assert len(public.guard.per_case) == 0
