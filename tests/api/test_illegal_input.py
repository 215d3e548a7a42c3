"""Bad input gets a clear 4xx and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from gongkai.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(
        create_app(Settings(var_dir=tmp_path, temporal_address="127.0.0.1:1")),
        raise_server_exceptions=False,
    ) as c:
        yield c


@pytest.mark.parametrize("start", ["9999-12-20", "0001-01-01", "1989-12-31", "2101-01-01"])
def test_dates_far_in_the_past_or_future_are_refused(client: TestClient, start: str) -> None:
    res = client.get("/v1/deadlines", params={"start": start, "n": 1000})
    assert res.status_code == 422
    assert "outside the dates Gongkai computes" in res.json()["detail"]


def test_oversized_body_is_refused_before_anything_runs(client: TestClient) -> None:
    res = client.post(
        "/v1/disclosure-requests",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert res.status_code == 413
    assert "at most 1024 KiB" in res.json()["detail"]


def test_non_utf8_and_wrong_types_are_refused(client: TestClient) -> None:
    res = client.post(
        "/v1/cases/GK-2026-000001/actions/accept",
        content=b"\xff\xfe\x00",
        headers={"content-type": "application/json", "authorization": "Bearer gk_x"},
    )
    assert res.status_code in (400, 401, 422)
    res = client.get("/v1/deadlines", params={"start": "2026-09-15", "n": "twenty"})
    assert res.status_code == 422 and "'n'" in res.json()["detail"]
