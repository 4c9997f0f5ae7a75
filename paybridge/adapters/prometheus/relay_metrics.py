"""`PrometheusRelayMetrics`: the outbox relay's `paybridge_outbox_*` series (the `RelayMetrics` port), in a
`CollectorRegistry` of its own, served by the relay's health listener at `GET /metrics`.

Series: `paybridge_outbox_published_total{event_type}`, `paybridge_outbox_publish_failures_total{reason}`,
`paybridge_outbox_duplicates_total{event_type}` (re-publishes the broker dropped),
`paybridge_outbox_parked_total{event_type}`, `paybridge_outbox_purged_total`, the gauges
`paybridge_outbox_pending`, `paybridge_outbox_oldest_pending_age_seconds` and `paybridge_outbox_dead` (from
the last backlog measurement), and the histogram `paybridge_outbox_delivery_lag_seconds` (event occurrence
to broker ack). Labels are bounded: event types are the domain's, reasons PublishFailed's closed set.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from paybridge.application.ports.health import BACKLOG_COUNT_LIMIT
from paybridge.application.ports.relay import PUBLISH_FAILURE_REASONS, RelayBacklog

LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)


class PrometheusRelayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self._published = Counter(
            "paybridge_outbox_published_total",
            "Outbox events acknowledged by the broker and marked published",
            ["event_type"],
            registry=registry,
        )
        self._failures = Counter(
            "paybridge_outbox_publish_failures_total",
            "Failed publish attempts of outbox events",
            ["reason"],
            registry=registry,
        )
        for reason in PUBLISH_FAILURE_REASONS:  # every series exists from the start, so rate() sees the first
            self._failures.labels(reason)
        self._duplicates = Counter(
            "paybridge_outbox_duplicates_total",
            "Re-published outbox events the broker already had (deduplicated on the event id)",
            ["event_type"],
            registry=registry,
        )
        self._parked = Counter(
            "paybridge_outbox_parked_total",
            "Outbox events parked as dead after too many failed attempts",
            ["event_type"],
            registry=registry,
        )
        self._purged = Counter(
            "paybridge_outbox_purged_total", "Published outbox events deleted by retention", registry=registry
        )
        self._pending = Gauge(
            "paybridge_outbox_pending",
            f"Unpublished outbox events that are not dead (counted up to {BACKLOG_COUNT_LIMIT:,})",
            registry=registry,
        )
        self._oldest = Gauge(
            "paybridge_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox event (0 when none)",
            registry=registry,
        )
        self._dead = Gauge(
            "paybridge_outbox_dead", "Outbox events parked as dead, awaiting an operator", registry=registry
        )
        self._lag = Histogram(
            "paybridge_outbox_delivery_lag_seconds",
            "Time from an event's occurrence to the broker's ack",
            buckets=LAG_BUCKETS,
            registry=registry,
        )

    def event_published(self, event_type: str, lag_seconds: float) -> None:
        self._published.labels(event_type).inc()
        self._lag.observe(lag_seconds)

    def duplicate_acknowledged(self, event_type: str) -> None:
        self._duplicates.labels(event_type).inc()

    def publish_failed(self, event_type: str, reason: str) -> None:
        self._failures.labels(reason).inc()

    def event_parked(self, event_type: str) -> None:
        self._parked.labels(event_type).inc()

    def backlog_measured(self, backlog: RelayBacklog) -> None:
        self._pending.set(backlog.pending)
        self._oldest.set(backlog.oldest_pending_age_seconds)
        self._dead.set(backlog.dead)

    def events_purged(self, count: int) -> None:
        self._purged.inc(count)

    def render(self) -> tuple[bytes, str]:
        """The registry in the Prometheus text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
