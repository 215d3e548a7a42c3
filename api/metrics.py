"""The API's Prometheus exposition: HTTP requests and their latency, and the open cases by kind,
light and lateness read from the read model (docs/operations.md)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

import gongkai
from gongkai.logs import get_logger
from gongkai.metrics import CONTENT_TYPE
from schemas.registry import CLOSED

log = get_logger(__name__)
__all__ = ["CONTENT_TYPE", "ApiMetrics", "install"]


class CasesCollector(Collector):
    """Open cases by kind and light, and overdue ones by kind: two small GROUP BY queries on
    the read model at each scrape (no state kept in the API process)."""

    def __init__(
        self,
        engine: Callable[[], Engine | None],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._now = now

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "gongkai_cases_open",
                "Open cases in the read model, by kind and traffic light",
                labels=["kind", "light"],
            ),
            GaugeMetricFamily(
                "gongkai_cases_overdue",
                "Open cases whose due instant has passed, by kind",
                labels=["kind"],
            ),
            GaugeMetricFamily(
                "gongkai_read_model_up", "1 if the read model answered this scrape's queries"
            ),
        )

    def describe(self) -> Iterable[Metric]:
        return self._families()

    def collect(self) -> Iterable[Metric]:
        from sqlalchemy import func
        from sqlmodel import Session, col, select

        from store.models import CaseRow

        open_cases, overdue, up = self._families()
        engine = self._engine()
        try:
            if engine is None:
                raise RuntimeError("the API has not opened the read model yet")
            is_open = col(CaseRow.status).not_in(sorted(CLOSED))
            with Session(engine) as s:
                by_light = s.exec(
                    select(CaseRow.kind, CaseRow.light, func.count())
                    .where(is_open)
                    .group_by(col(CaseRow.kind), col(CaseRow.light))
                ).all()
                late = s.exec(
                    select(CaseRow.kind, func.count())
                    .where(is_open, col(CaseRow.due_at) < self._now())
                    .group_by(col(CaseRow.kind))
                ).all()
        except Exception as exc:  # a scrape reports the failure; it never fails itself
            log.warning("metrics: read model query failed", error=str(exc))
            up.add_metric([], 0)
        else:
            for kind, light, n in by_light:
                open_cases.add_metric([kind, light], n)
            for kind, n in late:
                overdue.add_metric([kind], n)
            up.add_metric([], 1)
        yield from (open_cases, overdue, up)


class ApiMetrics:
    """The API's registry (one per app, so several apps in one process never collide)."""

    def __init__(self, engine: Callable[[], Engine | None]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ["route", "method", "status"]
        self.requests = Counter(
            "gongkai_http_requests",
            "HTTP requests by route template, method and status",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "gongkai_http_request_duration_seconds",
            "HTTP request latency by route template, method and status",
            labels,
            registry=self.registry,
        )
        Info("gongkai_build", "Gongkai version", registry=self.registry).info(
            {"version": gongkai.__version__}
        )
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.registry.register(CasesCollector(engine))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


UNMATCHED = "unmatched"  # no route: 404s, and requests refused before routing (413)


class HttpMetricsMiddleware:
    """Plain ASGI middleware: counts and times every HTTP request under its route template
    (``/v1/cases/{case_no}``, never the concrete path, so the series stay few)."""

    def __init__(self, app: Any, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless the app starts a response
        started = time.perf_counter()

        async def _send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method = scope.get("method", "")
            # Any client may send any method name: only known ones become label values.
            labels = (route, method if method in HTTP_METHODS else "other", str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - started)


HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def install(app: Any) -> ApiMetrics:
    """Register the API's metrics and wrap the app in the request middleware (add it last, so
    that it is the outermost and times everything)."""
    metrics = ApiMetrics(lambda: getattr(app.state, "engine", None))
    app.state.metrics = metrics
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    return metrics
