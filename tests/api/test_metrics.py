"""GET /metrics through the real FastAPI app and database: request counts and latency by route
template, open and overdue cases from the read model, and who may scrape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gongkai.metrics import parse, sample
from gongkai.settings import Settings
from store.db import session_scope
from store.models import CaseRow
from store.users import add_user
from tests.fixtures.rows import case_row

SCRAPE_TOKEN = "scrape-only-token"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=tmp_path, temporal_address="127.0.0.1:1", metrics_token=SCRAPE_TOKEN
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _bearer(client: TestClient, username: str, role: str) -> dict[str, str]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    _, token = add_user(engine, username, username, "SZ-GT", role, datetime.now(UTC), "test")
    return {"Authorization": f"Bearer {token}"}


def _cases(client: TestClient) -> None:
    now = datetime.now(UTC)
    rows = [
        ("GK-2026-000001", "disclosure", "registered", "green", now + timedelta(days=20)),
        ("GK-2026-000002", "disclosure", "accepted", "green", now + timedelta(days=3)),
        ("GK-2026-000003", "disclosure", "assigned", "red", now - timedelta(days=2)),  # overdue
        ("WZ-2026-000001", "inquiry", "received", "yellow", now + timedelta(days=1)),
        ("GK-2026-000004", "disclosure", "replied", "red", now - timedelta(days=9)),  # closed
        ("TF-2026-000001", "emergency", "closed", "green", None),  # closed
    ]
    with session_scope(client.app.state.engine) as s:  # type: ignore[attr-defined]
        for case_no, kind, status, light, due in rows:
            s.add(case_row(case_no, kind=kind, status=status, light=light, due_at=due))


def _scrape(client: TestClient, headers: dict[str, str]) -> dict[tuple[str, tuple], float]:  # type: ignore[type-arg]
    res = client.get("/metrics", headers=headers)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/plain; version=")
    return parse(res.text)


def test_metrics_count_requests_by_route_template_and_cases_by_kind_and_light(
    client: TestClient,
) -> None:
    _cases(client)
    for _ in range(3):
        assert client.get("/health").status_code == 200
    params = {"start": "2026-09-15", "n": 20}
    assert client.get("/v1/deadlines", params=params).status_code == 200
    assert client.get("/v1/deadlines", params={"start": "x"}).status_code == 422
    assert client.get("/v1/cases/GK-2026-000001").status_code == 401
    assert client.get("/v1/cases/GK-2026-000002").status_code == 401
    assert client.get("/no/such/page").status_code == 404

    m = _scrape(client, {"Authorization": f"Bearer {SCRAPE_TOKEN}"})

    def requests(route: str, method: str, status: str) -> float:
        labels = [("route", route), ("method", method), ("status", status)]
        return sample(m, "gongkai_http_requests_total", labels)

    assert requests("/health", "GET", "200") == 3
    assert requests("/v1/deadlines", "GET", "200") == 1
    assert requests("/v1/deadlines", "GET", "422") == 1
    # The template, not the two concrete paths: series stay few.
    assert requests("/v1/cases/{case_no}", "GET", "401") == 2
    assert sample(m, "gongkai_http_requests_total", [("route", "/v1/cases/GK-2026-000001")]) == 0
    assert requests("unmatched", "GET", "404") == 1
    health = [("route", "/health"), ("method", "GET"), ("status", "200")]
    assert sample(m, "gongkai_http_request_duration_seconds_count", health) == 3
    assert 0 < sample(m, "gongkai_http_request_duration_seconds_sum", health) < 30
    assert sample(m, "gongkai_http_request_duration_seconds_bucket", [*health, ("le", "+Inf")]) == 3

    # Open cases only, by kind and light, from the read model at scrape time.
    def open_cases(kind: str, light: str) -> float:
        return sample(m, "gongkai_cases_open", [("kind", kind), ("light", light)])

    assert open_cases("disclosure", "green") == 2
    assert open_cases("disclosure", "red") == 1  # the replied one is closed
    assert open_cases("inquiry", "yellow") == 1
    assert sample(m, "gongkai_cases_open", [("kind", "emergency")]) == 0
    assert sample(m, "gongkai_cases_open") == 4
    assert sample(m, "gongkai_cases_overdue", [("kind", "disclosure")]) == 1
    assert sample(m, "gongkai_cases_overdue", [("kind", "inquiry")]) == 0
    assert sample(m, "gongkai_read_model_up") == 1
    assert sample(m, "gongkai_build_info", [("version", "0.1.0")]) == 1

    # The next scrape sees the first one, and a case that changed light meanwhile.
    with session_scope(client.app.state.engine) as s:  # type: ignore[attr-defined]
        row = s.get(CaseRow, "GK-2026-000002")
        assert row is not None
        row.light = "yellow"
    again = _scrape(client, {"Authorization": f"Bearer {SCRAPE_TOKEN}"})
    assert sample(again, "gongkai_http_requests_total", [("route", "/metrics")]) == 1
    assert sample(again, "gongkai_cases_open", [("kind", "disclosure"), ("light", "green")]) == 1
    assert sample(again, "gongkai_cases_open", [("kind", "disclosure"), ("light", "yellow")]) == 1


def test_metrics_are_for_the_scrape_token_supervisors_and_admins(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    officer = _bearer(client, "li.officer", "officer")
    res = client.get("/metrics", headers=officer)
    assert res.status_code == 403
    assert "负责人" in res.json()["detail"]
    assert client.get("/metrics", headers=_bearer(client, "wang", "supervisor")).status_code == 200
    assert client.get("/metrics", headers=_bearer(client, "root", "admin")).status_code == 200
    assert client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"}).is_success


def test_without_a_metrics_token_only_supervisors_scrape(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, temporal_address="127.0.0.1:1")
    with TestClient(create_app(settings)) as c:
        assert c.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
        m = _scrape(c, _bearer(c, "wang", "supervisor"))
        assert sample(m, "gongkai_read_model_up") == 1
        assert sample(m, "gongkai_cases_open") == 0


def test_a_failing_read_model_is_reported_not_raised(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.exec_driver_sql('ALTER TABLE "case" RENAME TO case_moved')
    try:
        m = _scrape(client, headers)
        assert sample(m, "gongkai_read_model_up") == 0
        assert sample(m, "gongkai_cases_open") == 0
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql('ALTER TABLE case_moved RENAME TO "case"')
