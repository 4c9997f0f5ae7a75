"""`PrometheusMetrics`: the `paybridge_*` series, fed through the ports that report them.

One object implements the application's `Metrics` port (business outcomes, replays, retries), the HTTP
edge's `HttpMetrics` port and the Postgres adapters' `QueryObserver`. Each instance owns its own
`CollectorRegistry` — never prometheus_client's global one — so two containers in one process never clash.

Cardinality is bounded by construction: `path` is a route template (or `unmatched`), `method` one of the
standard methods (else `OTHER`), `currency` a supported code (or `invalid`), `reason`/`error_type` error codes
and exception class names from a closed set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

from paybridge.application.ports.health import BACKLOG_COUNT_LIMIT, PoolStatus

HTTP_DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DB_DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RESPONSE_SIZE_BUCKETS = (64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304)
AMOUNT_BUCKETS = tuple(float(10**exponent) for exponent in range(13))  # 1 .. 10^12 minor units
# `*_created` samples would double the series of every counter and histogram for a timestamp the text
# format's consumers ignore (and multiprocess mode never writes them): off for the whole process.
disable_created_metrics()  # type: ignore[no-untyped-call]
DB_CONNECTIONS = "paybridge_db_connections"
DB_CONNECTIONS_HELP = "Connections of the database pool by state (idle, in_use, max)"


Family = TypeVar("Family", bound=MetricWrapperBase)
PoolSource = Callable[[], PoolStatus | None]  # None: the storage has no pool


class PrometheusMetrics:
    """With `multiprocess_dir` (PROMETHEUS_MULTIPROC_DIR), values live in that directory's files and the pool
    gauge is a plain gauge the exporter refreshes; see `paybridge.adapters.prometheus.exporter`."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_dir = multiprocess_dir
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        registry = self.registry
        http = ["method", "path"]
        self._requests = Counter(
            "paybridge_http_requests_total", "HTTP requests answered", [*http, "status"], registry=registry
        )
        self._duration = Histogram(
            "paybridge_http_request_duration_seconds",
            "Time from receiving a request to the end of its response",
            http,
            buckets=HTTP_DURATION_BUCKETS,
            registry=registry,
        )
        self._in_flight = Gauge(
            "paybridge_http_requests_in_flight",
            "Requests being handled now",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._response_size = Histogram(
            "paybridge_http_response_size_bytes",
            "Response body sizes",
            http,
            buckets=RESPONSE_SIZE_BUCKETS,
            registry=registry,
        )
        self._transactions = Counter(
            "paybridge_business_transactions_total",
            "Money movements by outcome (COMPLETED or FAILED)",
            ["type", "status", "currency"],
            registry=registry,
        )
        self._rejected = Counter(
            "paybridge_business_transactions_rejected_total",
            "Refused money movements by error code",
            ["type", "reason"],
            registry=registry,
        )
        self._amount = Histogram(
            "paybridge_business_transaction_amount",
            "Amounts of completed money movements, in minor units of the currency",
            ["type", "currency"],
            buckets=AMOUNT_BUCKETS,
            registry=registry,
        )
        self._db_duration = Histogram(
            "paybridge_db_query_duration_seconds",
            "Database query durations",
            ["operation", "table"],
            buckets=DB_DURATION_BUCKETS,
            registry=registry,
        )
        self._db_errors = Counter(
            "paybridge_db_errors_total",
            "Failed database queries",
            ["operation", "error_type"],
            registry=registry,
        )
        self._replays = Counter(
            "paybridge_idempotency_replays_total",
            "Requests answered from a stored idempotent outcome",
            ["operation"],
            registry=registry,
        )
        self._retries = Counter(
            "paybridge_db_retries_total",
            "Units of work re-run after a deadlock or serialization failure",
            ["reason"],
            registry=registry,
        )
        self._login_failures = Counter(
            "paybridge_auth_login_failures_total",
            "Failed sign-in attempts (invalid_credentials, rate_limited)",
            ["reason"],
            registry=registry,
        )
        self._throttled = Counter(
            "paybridge_rate_limited_total",
            "Requests refused by a rate limit (ip, user, login_ip, login_account)",
            ["limit"],
            registry=registry,
        )
        self._outbox_pending = Gauge(
            "paybridge_outbox_pending",
            f"Outbox events not yet published, counted up to {BACKLOG_COUNT_LIMIT:,} (NaN when the last measurement failed)",
            registry=registry,
            multiprocess_mode="livemostrecent",
        )
        self._outbox_age = Gauge(
            "paybridge_outbox_oldest_pending_age_seconds",
            "Age of the oldest unpublished outbox event; 0 when none (NaN when the last measurement failed)",
            registry=registry,
            multiprocess_mode="livemostrecent",
        )
        self._db_connections: Gauge | None = None
        if multiprocess_dir is not None:
            self._db_connections = Gauge(
                DB_CONNECTIONS, DB_CONNECTIONS_HELP, ["state"], registry=registry, multiprocess_mode="livesum"
            )

    def _child(self, family: Family, *labels: str) -> Family:
        """`family.labels(*labels)` without its validation and lock on every request (~2 µs each): label sets
        are few (route templates, not raw paths) and children are never removed."""
        key = (id(family), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = family.labels(*labels)
        return child

    # -- Metrics (application port) ------------------------------------------------------------------------
    def transaction_completed(self, type_: str, currency: str, amount: int) -> None:
        self._child(self._transactions, type_, "COMPLETED", currency).inc()
        self._child(self._amount, type_, currency).observe(amount)

    def transaction_rejected(self, type_: str, currency: str, reason: str) -> None:
        self._transactions.labels(type_, "FAILED", currency).inc()
        self._rejected.labels(type_, reason).inc()

    def idempotent_replay(self, operation: str) -> None:
        self._replays.labels(operation).inc()

    def storage_retry(self, reason: str) -> None:
        self._retries.labels(reason).inc()

    # -- SecurityMetrics (application port) ---------------------------------------------------------------
    def login_failed(self, reason: str) -> None:
        self._login_failures.labels(reason).inc()

    def request_throttled(self, limit: str) -> None:
        self._throttled.labels(limit).inc()

    # -- HttpMetrics (HTTP edge port) ----------------------------------------------------------------------
    def request_started(self) -> None:
        self._in_flight.inc()

    def request_finished(
        self, method: str, path: str, status: int, seconds: float, response_bytes: int
    ) -> None:
        self._in_flight.dec()
        self._child(self._requests, method, path, str(status)).inc()
        self._child(self._duration, method, path).observe(seconds)
        self._child(self._response_size, method, path).observe(response_bytes)

    # -- QueryObserver (Postgres adapters) -----------------------------------------------------------------
    def query_finished(self, operation: str, table: str, seconds: float, error: str | None) -> None:
        self._child(self._db_duration, operation, table).observe(seconds)
        if error is not None:
            self._db_errors.labels(operation, error).inc()

    # -- gauges fed by the exporter ------------------------------------------------------------------------
    def watch_pool(self, pool: PoolSource) -> None:
        """Single-process mode: read the pool at every collection (fresh on every scrape)."""
        if self._db_connections is None:
            self.registry.register(PoolCollector(pool))

    def record_pool(self, status: PoolStatus) -> None:
        """Multiprocess mode: store this process's pool state (summed over live workers at scrape time)."""
        if self._db_connections is not None:
            self._db_connections.labels("idle").set(status.idle)
            self._db_connections.labels("in_use").set(status.in_use)
            self._db_connections.labels("max").set(status.max)

    def record_outbox(self, pending: float, oldest_pending_age_seconds: float) -> None:
        self._outbox_pending.set(pending)
        self._outbox_age.set(oldest_pending_age_seconds)


class PoolCollector(Collector):
    """`paybridge_db_connections{state}` read from the pool when the registry is collected."""

    def __init__(self, pool: PoolSource) -> None:
        self._pool = pool

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return [GaugeMetricFamily(DB_CONNECTIONS, DB_CONNECTIONS_HELP, labels=["state"])]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        status = self._pool()
        if status is None:
            return []
        family = GaugeMetricFamily(DB_CONNECTIONS, DB_CONNECTIONS_HELP, labels=["state"])
        family.add_metric(["idle"], status.idle)
        family.add_metric(["in_use"], status.in_use)
        family.add_metric(["max"], status.max)
        return [family]
