"""The public deadline calculator and /health through the real FastAPI app and database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gongkai.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(var_dir=tmp_path, temporal_address="127.0.0.1:1")  # no Temporal needed
    with TestClient(create_app(settings)) as c:
        yield c


def test_health_reports_database(client: TestClient) -> None:
    res = client.get("/health")
    assert res.status_code == 200
    assert res.json()["database"] == "ok"


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/v1/deadlines" in client.get("/openapi.json").json()["paths"]


def test_deadline_across_national_day_with_explanation(client: TestClient) -> None:
    res = client.get(
        "/v1/deadlines", params={"start": "2026-09-15", "n": 20, "unit": "working_days"}
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["due_date"] == "2026-10-19"
    assert body["due_at"] == "2026-10-19T23:59:59+08:00"
    assert body["provisional"] is False
    ex = body["explanation"]
    assert {d["day"] for d in ex["makeup_days_counted"]} == {"2026-09-20", "2026-10-10"}
    holidays = {d["day"] for d in ex["skipped"] if d["kind"] == "holiday"}
    assert "2026-09-25" in holidays and "2026-10-01" in holidays
    assert any("中秋节" in line for line in ex["lines"])


def test_deadline_into_2027_is_provisional(client: TestClient) -> None:
    body = client.get("/v1/deadlines", params={"start": "2026-12-15", "n": 20}).json()
    assert body["provisional"] is True
    assert body["internal_due_at"] < body["due_at"]
    assert body["explanation"]["provisional_years"] == [2027]


def test_calendar_days_and_hours(client: TestClient) -> None:
    body = client.get(
        "/v1/deadlines", params={"start": "2026-08-02", "n": 60, "unit": "calendar_days"}
    ).json()
    assert body["due_date"] == "2026-10-08"
    body = client.get(
        "/v1/deadlines", params={"start": "2026-10-01T22:30:00+08:00", "n": 5, "unit": "hours"}
    ).json()
    assert body["due_at"] == "2026-10-02T03:30:00+08:00"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start": "2026-13-01", "n": 20}, "不是日期；请写作 YYYY-MM-DD"),
        ({"start": "2026-09-15", "n": 0}, "'n'：不能小于1"),
        ({"start": "2026-09-15", "n": 20, "unit": "weeks"}, "'unit'"),
        ({"n": 20}, "'start'：缺少必填项"),
    ],
)
def test_bad_parameters_get_a_clear_422(
    client: TestClient, params: dict[str, object], fragment: str
) -> None:
    res = client.get("/v1/deadlines", params=params)
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")
    assert fragment in res.json()["detail"]
