"""Composition root of the outbox relay process (`paybridge relay`) and of the `paybridge outbox` commands.

Like `paybridge.bootstrap`, it is the place that knows adapters: PostgreSQL (claiming, LISTEN/NOTIFY),
NATS JetStream and Prometheus. Entrypoints get a `RelayRuntime` or an `OutboxOperations` from here.

    runtime = build_relay(settings, relay_settings, database_url)
    await runtime.start()            # pool and NOTIFY listener
    await runtime.run(stop)          # NATS (retried until it answers), the relay loop and housekeeping
    await runtime.close()
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from paybridge.adapters.clock import SystemClock
from paybridge.adapters.nats.jetstream import NatsJetStreamPublisher, StreamSettings
from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.outbox_notifications import PostgresOutboxNotifications
from paybridge.adapters.postgres.outbox_relay import PostgresOutboxRelayStore
from paybridge.adapters.postgres.uow import PostgresUnitOfWorkFactory
from paybridge.adapters.prometheus.relay_metrics import PrometheusRelayMetrics
from paybridge.application.backoff import BackoffSchedule
from paybridge.application.ports.metrics import NullMetrics
from paybridge.application.use_cases.holds import ExpireDueHolds
from paybridge.application.use_cases.outbox_maintenance import (
    CheckRelayReadiness,
    HousekeepingSchedule,
    ListUnpublishedEvents,
    MeasureOutboxBacklog,
    PurgePublishedEvents,
    RelayHousekeeping,
    RequeueDeadEvents,
)
from paybridge.application.use_cases.relay_outbox import RelayOutboxEvents, RelayPolicy
from paybridge.config import Settings
from paybridge.relay_config import RelaySettings


@dataclass
class RelayRuntime:
    database: PostgresDatabase
    store: PostgresOutboxRelayStore
    publisher: NatsJetStreamPublisher
    notifications: PostgresOutboxNotifications
    metrics: PrometheusRelayMetrics
    relay: RelayOutboxEvents
    housekeeping: RelayHousekeeping
    readiness: CheckRelayReadiness
    hold_sweeper: ExpireDueHolds | None = None
    """Releases expired holds every `hold_sweep_interval_seconds` beside the relay loop."""
    hold_sweep_interval_seconds: float = 30.0

    async def start(self) -> None:
        """Opens the pool (waiting up to 30 s for the database) and starts the NOTIFY listener."""
        await self.database.open()
        await self.notifications.start()

    async def run(self, stop: asyncio.Event) -> None:
        """Keeps house (backlog gauges, retention) and relays until `stop` is set; returns after the batch in
        flight is recorded. The relay loop starts once NATS answers (the connection is retried with backoff);
        housekeeping runs meanwhile, so the backlog is measured even if the broker was never reachable."""
        loops = [self._relay_once_connected(stop), self.housekeeping.run(stop)]
        if self.hold_sweeper is not None:
            loops.append(self.hold_sweeper.run(stop, self.hold_sweep_interval_seconds))
        await asyncio.gather(*loops)

    async def _relay_once_connected(self, stop: asyncio.Event) -> None:
        connecting = asyncio.ensure_future(self.publisher.connect())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not connecting.done():
            connecting.cancel()
            await asyncio.gather(connecting, return_exceptions=True)
            return
        connecting.result()  # re-raises what is not retried (a defect)
        await self.relay.run(stop)

    async def close(self) -> None:
        await self.notifications.close()
        await self.publisher.close()
        await self.database.close()

    def render_metrics(self) -> tuple[bytes, str]:
        return self.metrics.render()


def _database(settings: Settings, url: str, max_size: int = 4) -> PostgresDatabase:
    return PostgresDatabase(
        url,
        min_size=1,
        max_size=max_size,
        timeout_seconds=settings.db_pool_timeout_seconds,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        notify_outbox=False,  # writes no events through units of work (a requeue notifies in its transaction)
    )


def build_relay(settings: Settings, relay: RelaySettings, database_url: str) -> RelayRuntime:
    """The relay on `database_url`, publishing to `relay.nats_url` (ConfigurationError when unset)."""
    database = _database(settings, database_url)
    store = PostgresOutboxRelayStore(database)
    publisher = NatsJetStreamPublisher(
        relay.require_nats_url(),
        StreamSettings(
            name=relay.stream,
            subject_prefix=relay.subject_prefix,
            duplicate_window_seconds=relay.duplicate_window_seconds,
            max_msg_size=relay.max_msg_size,
            replicas=relay.replicas,
        ),
        publish_timeout_seconds=relay.publish_timeout_seconds,
    )
    notifications = PostgresOutboxNotifications(database_url)
    metrics = PrometheusRelayMetrics()
    policy = RelayPolicy(
        batch_size=relay.batch_size,
        poll_interval_seconds=relay.poll_interval_seconds,
        max_attempts=relay.max_attempts,
        backoff=BackoffSchedule(relay.backoff_base_seconds, relay.backoff_max_seconds),
    )
    measure = MeasureOutboxBacklog(store, metrics)
    purge = PurgePublishedEvents(store, metrics, relay.retention_seconds, relay.purge_batch_size)
    schedule = HousekeepingSchedule(relay.stats_interval_seconds, relay.purge_interval_seconds)
    return RelayRuntime(
        database=database,
        store=store,
        publisher=publisher,
        notifications=notifications,
        metrics=metrics,
        relay=RelayOutboxEvents(store, publisher, notifications, metrics, SystemClock(), policy),
        housekeeping=RelayHousekeeping(measure, purge, schedule),
        readiness=CheckRelayReadiness(store, publisher),
        hold_sweeper=ExpireDueHolds(PostgresUnitOfWorkFactory(database), SystemClock(), NullMetrics()),
        hold_sweep_interval_seconds=settings.hold_sweep_interval_seconds,
    )


@dataclass
class OutboxOperations:
    """What `paybridge outbox` needs: no broker, a small pool."""

    database: PostgresDatabase
    list_unpublished: ListUnpublishedEvents
    requeue_dead: RequeueDeadEvents

    async def start(self) -> None:
        await self.database.open()

    async def close(self) -> None:
        await self.database.close()


def build_outbox_operations(settings: Settings, database_url: str) -> OutboxOperations:
    database = _database(settings, database_url, max_size=2)
    store = PostgresOutboxRelayStore(database)
    return OutboxOperations(database, ListUnpublishedEvents(store), RequeueDeadEvents(store))
