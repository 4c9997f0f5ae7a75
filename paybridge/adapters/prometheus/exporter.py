"""Exposition of the `paybridge_*` series, in one process or aggregated over worker processes.

The storage is read through the `HealthChecks` port (`pool()`, `outbox_backlog()`), the same answers
`/health/detailed` gives.

Single-process mode (no PROMETHEUS_MULTIPROC_DIR): a scrape renders the container's own registry. The pool
gauge is a collector that reads the pool at collection time. The outbox gauges need a query, and collectors
are synchronous while scrapes run on the event loop, so `render()` — what the `/metrics` handler awaits —
first refreshes them: at most one query per `outbox_cache_seconds` (2 s; scrapes never hammer the database),
abandoned after `outbox_timeout_seconds` (1 s), after which both gauges read NaN until a query succeeds.

Multiprocess mode (PROMETHEUS_MULTIPROC_DIR set before prometheus_client is imported, as `paybridge serve`
does for its workers): every worker writes its values to files in that directory, and a scrape — of any
worker, or of the supervisor's metrics listener through `render_metrics()` — merges all of them with
`MultiProcessCollector` on a fresh registry. Counters and histograms are summed, including those of workers
that have exited (so totals never go backwards). Gauges need a mode each:

- `paybridge_http_requests_in_flight`: `livesum` — the requests in flight in all live workers.
- `paybridge_db_connections{state}`: `livesum` — idle, in-use and max summed over the live workers' pools
  (max is then the total the service may open). A custom collector cannot run in another process, so each
  worker refreshes this gauge from its pool every `refresh_interval_seconds` (1 s) in a background task.
- `paybridge_outbox_pending`, `paybridge_outbox_oldest_pending_age_seconds`: `livemostrecent` — every worker
  measures the same database, so the freshest measurement wins; a stale value of a worker that has not
  measured recently never hides a newer one (which `livemax` would). The background task also refreshes them
  (through the same cache), so the supervisor's listener shows them without any worker being scraped.

`live*` modes drop a process's gauges once `mark_process_dead(pid)` ran for it: the app's lifespan calls
`PrometheusExporter.process_stopped()` on shutdown; a supervisor should call `mark_process_dead` for a worker
that died without shutting down.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import Mapping
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess, values

from paybridge.adapters.prometheus.metrics import PrometheusMetrics
from paybridge.application.ports.health import OutboxBacklog, PoolStatus

logger = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class StorageGauges(Protocol):
    """What the exporter reads from the storage (the `HealthChecks` port provides both)."""

    def pool(self) -> PoolStatus | None: ...

    async def outbox_backlog(self) -> OutboxBacklog: ...


def multiprocess_directory(environ: Mapping[str, str] | None = None) -> str | None:
    """PROMETHEUS_MULTIPROC_DIR, or None in single-process mode. Refuses a directory set after
    prometheus_client was imported: values would stay in memory and every scrape would miss them."""
    directory = (os.environ if environ is None else environ).get(MULTIPROC_ENV) or None
    if directory is not None and not getattr(values.ValueClass, "_multiprocess", False):
        raise RuntimeError(
            f"{MULTIPROC_ENV} was set after prometheus_client was imported; set it before the process starts"
        )
    return directory


def render_metrics(directory: str | None = None) -> tuple[bytes, str]:
    """(body, content type) of the aggregate of every process writing to `directory` (default:
    PROMETHEUS_MULTIPROC_DIR). Plain blocking code without an event loop: callable from any thread."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int, directory: str | None = None) -> None:
    """Forget the `live*` gauges of process `pid` (a worker that stopped) in multiprocess mode."""
    directory = directory or os.environ.get(MULTIPROC_ENV)
    if directory:
        multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


class PrometheusExporter:
    def __init__(
        self,
        metrics: PrometheusMetrics,
        storage: StorageGauges,
        outbox_cache_seconds: float = 2.0,
        outbox_timeout_seconds: float = 1.0,
        refresh_interval_seconds: float = 1.0,
    ) -> None:
        self.metrics = metrics
        self._storage = storage
        self._outbox_cache_seconds = outbox_cache_seconds
        self._outbox_timeout = outbox_timeout_seconds
        self._refresh_interval = refresh_interval_seconds
        self._outbox_measured_at: float | None = None
        self._outbox_lock = asyncio.Lock()
        metrics.watch_pool(storage.pool)

    @property
    def multiprocess(self) -> bool:
        return self.metrics.multiprocess_dir is not None

    async def render(self) -> tuple[bytes, str]:
        """Refresh what is measured on demand, then (body, content type) for a scrape."""
        await self.refresh()
        if self.multiprocess:
            return await asyncio.to_thread(render_metrics, self.metrics.multiprocess_dir)
        return self.exposition()

    def exposition(self) -> tuple[bytes, str]:
        if self.multiprocess:
            return render_metrics(self.metrics.multiprocess_dir)
        return generate_latest(self.metrics.registry), CONTENT_TYPE_LATEST

    async def refresh(self) -> None:
        if self.multiprocess and (status := self._storage.pool()) is not None:
            self.metrics.record_pool(status)
        await self._refresh_outbox()

    async def run_refresher(self) -> None:
        """Multiprocess mode: keep this worker's gauges current (returns at once in single-process mode)."""
        while self.multiprocess:
            try:
                await self.refresh()
            except Exception:
                logger.exception("refreshing the metrics gauges failed")
            await asyncio.sleep(self._refresh_interval)

    def process_stopped(self) -> None:
        """This process stops serving: drop its live gauges from the multiprocess aggregate."""
        if self.multiprocess:
            mark_process_dead(os.getpid(), self.metrics.multiprocess_dir)

    async def _refresh_outbox(self) -> None:
        if self._fresh():
            return
        async with self._outbox_lock:
            if self._fresh():  # another scrape measured while this one waited
                return
            try:
                async with asyncio.timeout(self._outbox_timeout):
                    backlog = await self._storage.outbox_backlog()
            except Exception as error:  # a slow or unreachable database must not break the scrape
                logger.warning(
                    "outbox backlog not measured", extra={"error": f"{type(error).__name__}: {error}"[:300]}
                )
                self.metrics.record_outbox(math.nan, math.nan)
            else:
                self.metrics.record_outbox(backlog.pending, backlog.oldest_pending_age_seconds or 0.0)
            self._outbox_measured_at = time.monotonic()

    def _fresh(self) -> bool:
        measured = self._outbox_measured_at
        return measured is not None and time.monotonic() - measured < self._outbox_cache_seconds
