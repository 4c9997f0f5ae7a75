"""Outbox housekeeping and operations around the relay: measuring the backlog, purging published events
(retention), listing and requeueing dead events, and the relay's readiness."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from paybridge.application.ports.relay import (
    EventPublisher,
    OutboxRelayStore,
    RelayBacklog,
    RelayMetrics,
    StoredEvent,
)
from paybridge.application.use_cases.relay_outbox import wait_or_stop

logger = logging.getLogger("paybridge.relay")


class MeasureOutboxBacklog:
    def __init__(self, store: OutboxRelayStore, metrics: RelayMetrics) -> None:
        self._store = store
        self._metrics = metrics

    async def __call__(self) -> RelayBacklog:
        """Reads the backlog and publishes it to the metrics. Raises storage errors."""
        backlog = await self._store.backlog()
        self._metrics.backlog_measured(backlog)
        return backlog


class PurgePublishedEvents:
    def __init__(
        self, store: OutboxRelayStore, metrics: RelayMetrics, retention_seconds: float, batch_size: int = 1000
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._retention_seconds = retention_seconds
        self._batch_size = batch_size

    async def __call__(self) -> int:
        """Deletes events published more than `retention_seconds` ago, `batch_size` rows per transaction so
        no long lock or huge transaction builds up; returns the total. Raises storage errors."""
        total = 0
        while True:
            purged = await self._store.purge_published(self._retention_seconds, self._batch_size)
            total += purged
            if purged:
                self._metrics.events_purged(purged)
            if purged < self._batch_size:
                break
        if total:
            logger.info("purged published outbox events", extra={"purged": total})
        return total


class ListUnpublishedEvents:
    def __init__(self, store: OutboxRelayStore) -> None:
        self._store = store

    async def __call__(self, dead: bool, limit: int = 100) -> list[StoredEvent]:
        return await self._store.list_unpublished(dead, limit)


class RequeueDeadEvents:
    def __init__(self, store: OutboxRelayStore) -> None:
        self._store = store

    async def __call__(self, event_ids: Sequence[UUID] | None) -> list[UUID]:
        """Requeues these dead events (None: every dead event); returns the ids that were dead."""
        requeued = await self._store.requeue_dead(event_ids)
        if requeued:
            logger.info("requeued dead outbox events", extra={"requeued": len(requeued)})
        return requeued


@dataclass(frozen=True, slots=True)
class HousekeepingSchedule:
    stats_interval_seconds: float = 5.0
    purge_interval_seconds: float = 300.0


class RelayHousekeeping:
    """Runs beside the relay loop: measures the backlog every `stats_interval_seconds` and purges every
    `purge_interval_seconds` (the first purge shortly after start). Failures are logged, never fatal."""

    def __init__(
        self, measure: MeasureOutboxBacklog, purge: PurgePublishedEvents, schedule: HousekeepingSchedule
    ) -> None:
        self._measure = measure
        self._purge = purge
        self._schedule = schedule

    async def run(self, stop: asyncio.Event) -> None:
        next_purge = time.monotonic()
        while not stop.is_set():
            try:
                await self._measure()
            except Exception:
                logger.exception("measuring the outbox backlog failed")
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + self._schedule.purge_interval_seconds
                try:
                    await self._purge()
                except Exception:
                    logger.exception("purging published outbox events failed")
            await wait_or_stop(stop, asyncio.sleep(self._schedule.stats_interval_seconds))


@dataclass(frozen=True, slots=True)
class RelayReadiness:
    ok: bool
    checks: dict[str, str] = field(default_factory=dict)


class CheckRelayReadiness:
    def __init__(
        self, store: OutboxRelayStore, publisher: EventPublisher, within_seconds: float = 2.0
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._within_seconds = within_seconds

    async def __call__(self, draining: bool = False) -> RelayReadiness:
        """Ready when the database answers within `within_seconds`, the broker is connected and the relay is
        not shutting down."""
        problem = await self._store.ping(self._within_seconds)
        checks = {
            "database": "ok" if problem is None else f"failing: {problem}",
            "broker": "ok" if self._publisher.connected else "failing: not connected",
        }
        if draining:
            checks["relay"] = "draining"
        return RelayReadiness(all(value == "ok" for value in checks.values()), checks)
