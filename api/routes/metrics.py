"""``GET /metrics``: the API's Prometheus exposition (gongkai/metrics.py, docs/operations.md).

Not public: the case counts describe the agencies' workload. A scraper sends the metrics token
(``GONGKAI_METRICS_TOKEN``, good for nothing else); a supervisor or administrator may also read it
with their own token.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from api import deps
from api.metrics import CONTENT_TYPE, ApiMetrics
from gongkai.settings import Settings

router = APIRouter(tags=["operations"])


def scraper(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    settings: Settings = request.app.state.settings
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if (
        settings.metrics_token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.encode(), settings.metrics_token.encode())
    ):
        return
    deps.supervisor(deps.actor(request, authorization))


@router.get(
    "/metrics",
    summary="Prometheus metrics (metrics token, supervisors and administrators)",
    response_class=Response,
    operation_id="metrics",
    responses={200: {"content": {CONTENT_TYPE: {}}}},
    dependencies=[Depends(scraper)],
)
def metrics(request: Request) -> Response:
    exposition: ApiMetrics = request.app.state.metrics
    return Response(exposition.exposition(), media_type=CONTENT_TYPE)
