from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

import gongkai

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and dependencies", operation_id="health")
async def health(request: Request) -> JSONResponse:
    body: dict[str, Any] = {"status": "ok", "version": gongkai.__version__}
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:  # report, don't crash: this is the health endpoint
        body["database"] = f"error: {exc.__class__.__name__}"
        body["status"] = "degraded"
    body["temporal"] = "ok" if request.app.state.temporal is not None else "connecting"
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)
