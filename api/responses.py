"""Every instant in every answer is ISO 8601 in Beijing time (``+08:00``): the read model keeps
UTC, the workflows mix both, a reader should not have to. Dates stay dates (Beijing dates)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi.responses import JSONResponse, Response

from rules.calendar import SHANGHAI

_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def beijing(value: Any) -> Any:
    """The same JSON-ready value with every instant string rewritten to +08:00."""
    if isinstance(value, str):
        if len(value) <= 40 and _INSTANT.fullmatch(value):
            return datetime.fromisoformat(value).astimezone(SHANGHAI).isoformat()
        return value
    if isinstance(value, dict):
        return {k: beijing(v) for k, v in value.items()}
    if isinstance(value, list):
        return [beijing(v) for v in value]
    return value


class BeijingJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return super().render(beijing(content))


def download(data: bytes, media_type: str, name: str) -> Response:
    """A file as an attachment under its own name (RFC 6266 ``filename*`` for Chinese names,
    an ASCII fallback for old clients), never sniffed as another type."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "file"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )
