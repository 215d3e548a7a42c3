"""`gongkai api`: the HTTP API under uvicorn, logging through structlog."""

from __future__ import annotations

import uvicorn

from gongkai.settings import Settings


def run_api(settings: Settings) -> None:
    from api.app import create_app

    config = uvicorn.Config(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # keep our structlog handlers
        proxy_headers=True,
    )
    uvicorn.Server(config).run()
