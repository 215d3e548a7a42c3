"""A busy read model (SQLite's write lock held past its busy timeout, or PostgreSQL briefly
unreachable) is a definite 503 that says when to come back, never a 500 (the bench's saturated
round met one)."""

from __future__ import annotations

import sqlite3

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api import errors


def test_a_locked_database_is_a_503_with_retry_after() -> None:
    app = FastAPI()
    errors.install(app)

    @app.post("/act")
    def act() -> None:
        raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))

    @app.post("/pool")
    def pool() -> None:
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    @app.post("/bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as http:
        busy = http.post("/act")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
        assert "数据库繁忙" in busy.json()["detail"]
        starved = http.post("/pool")  # every pooled connection in use
        assert starved.status_code == 503 and starved.headers["retry-after"] == "2"
        assert http.post("/bug").status_code == 500  # a bug is still one
