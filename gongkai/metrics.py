"""Prometheus metrics (docs/operations.md).

Two processes, two endpoints, each with one exporter:

- **API** (``GET /metrics``, a ``prometheus_client`` registry of the app's own): requests and
  their latency by route template, method and status; open and overdue cases from the read
  model, counted by a ``GROUP BY`` at scrape time; build info and process metrics.
- **Worker** (``GONGKAI_WORKER_METRICS_HOST:PORT``, the Temporal SDK's own Prometheus exporter):
  the SDK's worker metrics (``temporal_*``: task latencies, slots, pollers, failures) and
  Gongkai's escalation metrics, recorded through the SDK's metric meter in the activity that
  projects an escalation. The SDK exporter owns its port and cannot serve a
  ``prometheus_client`` registry, so the worker records its own series through the SDK instead of
  running a second HTTP server: one port, one scrape job per worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
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
from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

import gongkai
from gongkai.logs import get_logger

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from gongkai.settings import Settings
    from schemas.disclosure import CaseEvent

log = get_logger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

# -- worker: escalations ----------------------------------------------------------------------

ESCALATIONS_FIRED = "gongkai_escalations_fired"  # exported with the _total suffix
ESCALATION_LAG = "gongkai_escalation_lag_seconds"
# From "on time" (target: visible within a second) to "the worker was down for a week".
_SUBSECOND = (0.1, 0.25, 0.5)
ESCALATION_LAG_BUCKETS = (*_SUBSECOND, 1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0)


def worker_telemetry(bind_address: str) -> TelemetryConfig:
    """The worker's Prometheus exporter: Prometheus naming (``_total`` counters, durations in
    seconds) for the SDK's series as for ours."""
    return TelemetryConfig(
        metrics=PrometheusConfig(
            bind_address=bind_address,
            counters_total_suffix=True,
            durations_as_seconds=True,
            histogram_bucket_overrides={ESCALATION_LAG: ESCALATION_LAG_BUCKETS},
        )
    )


def worker_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime exporting metrics on the configured port, or None when metrics are off
    or the port is taken (the worker then runs without them: cases matter more than graphs)."""
    if not settings.worker_metrics_port:
        return None
    bind = f"{settings.worker_metrics_host}:{settings.worker_metrics_port}"
    try:
        runtime = Runtime(telemetry=worker_telemetry(bind))
    except ValueError as exc:  # "Failed starting Prometheus exporter: Address already in use"
        log.warning("worker metrics disabled", bind=bind, error=str(exc))
        return None
    log.info("worker metrics", url=f"http://{bind}/metrics")
    return runtime


def escalations_projected(
    meter: MetricMeter, kind: str, events: Iterable[CaseEvent], projected_at: datetime
) -> None:
    """Count escalation events just written to the read model, and how long after the rung's
    statutory instant (``statutory_at`` in the event; its firing time for older histories) they
    reached the board."""
    events = [e for e in events if e.kind == "escalation"]
    if not events:
        return
    fired = meter.create_counter(
        ESCALATIONS_FIRED,
        "Escalation rungs fired and projected into the read model (once per case, clock run "
        "and rung)",
    )
    lag = meter.create_histogram_float(
        ESCALATION_LAG,
        "Seconds from a rung's statutory instant to the projection of its escalation",
        "s",
    )
    for e in events:
        attrs = {
            "kind": kind,
            "clock": str(e.data.get("clock", "")),
            "rung": str(e.data.get("rung", "")),
        }
        due = _instant(e.data.get("statutory_at")) or e.at
        fired.add(1, attrs)
        lag.record(max(0.0, (projected_at - due).total_seconds()), attrs)


def escalations_projected_here(kind: str, events: Sequence[CaseEvent], at: datetime) -> None:
    """From inside the projection activity: record the escalations it just wrote. The moment
    of projection is this attempt's start on the server's clock (virtual time under the
    time-skipping test server), never earlier than the workflow's own ``at``."""
    from temporalio import activity

    if not activity.in_activity() or not any(e.kind == "escalation" for e in events):
        return
    try:
        meter = activity.metric_meter()
    except RuntimeError:  # a process-pool activity has no meter
        return
    escalations_projected(meter, kind, events, max(at, activity.info().started_time))


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


# -- API ---------------------------------------------------------------------------------------


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
            is_open = col(CaseRow.status).not_in(closed_statuses())
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


def closed_statuses() -> list[str]:
    """Statuses in which a case no longer waits for the agency (the board's definition)."""
    from schemas.registry import CLOSED

    return sorted(CLOSED)


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


def parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples of an exposition as {(name, sorted labels): value}, for tests and checks."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def sample(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    name: str,
    labels: Sequence[tuple[str, str]] = (),
) -> float:
    """The sum of every sample of ``name`` whose labels include ``labels`` (0 if none)."""
    want = set(labels)
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))
