"""Typed Python client for the Gongkai (公开) HTTP API, generated from its OpenAPI document.

    from gongkai_client import Gongkai, models as m

    api = Gongkai("http://127.0.0.1:8000", token="gk_…")
    case = api.open_disclosure(
        m.DisclosureRequestCreate(
            agency="DEMO",
            channel="in_person",
            applicant=m.ApplicantIn(name="张三"),
            description="2026年财政预算执行情况",
        )
    )
    api.disclosure_accept(case.case_no, m.DisclosureAcceptRequest())

Every operation is a method named by its OpenAPI operationId, taking the path parameters, the
typed body and keyword-only query parameters, and returning the typed answer; a refusal raises
:class:`ApiError` (``status``, ``detail`` in Chinese, ``retry_after``).
"""

from gongkai_client import models
from gongkai_client.operations import OPERATIONS, AsyncOperations, Operations
from gongkai_client.transport import ApiError

__all__ = ["OPERATIONS", "ApiError", "AsyncGongkai", "Gongkai", "models"]


class Gongkai(Operations):
    """The API, synchronously (httpx.Client)."""


class AsyncGongkai(AsyncOperations):
    """The API, asynchronously (httpx.AsyncClient)."""
