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

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
)
from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from gongkai.logs import get_logger

if TYPE_CHECKING:
    from gongkai.settings import Settings


class CaseEvent(Protocol):
    """What the escalation metrics read of a case event (schemas.disclosure.CaseEvent)."""

    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def data(self) -> Mapping[str, object]: ...


log = get_logger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

# -- worker: escalations ----------------------------------------------------------------------

ESCALATIONS_FIRED = "gongkai_escalations_fired"  # exported with the _total suffix
ESCALATION_LAG = "gongkai_escalation_lag_seconds"
# From "on time" (target: visible within a second) to "the worker was down for a week".
_SUBSECOND = (0.1, 0.25, 0.5)
ESCALATION_LAG_BUCKETS = (
    *_SUBSECOND,
    *(1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0, 7 * 86400.0),
)


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
