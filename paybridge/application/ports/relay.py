"""Ports of the outbox relay: the outbox table as the relay sees it, the broker, the wake-up signal and the
relay's metrics.

Delivery contract the ports make possible: a batch of events is claimed inside one database transaction,
published, acknowledged by the broker and marked published in that same transaction before it commits. A
crash between the broker's ack and the commit only re-publishes (the broker deduplicates on the event id);
nothing is lost, because a row stops being claimable only when the commit that marks it succeeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One stored outbox row. `attempts` counts the publish attempts already made (0 for a fresh event)."""

    id: UUID
    seq: int
    event_type: str
    aggregate_type: str
    aggregate_id: str
    occurred_at: datetime
    correlation_id: str | None
    data: Any  # the stored JSON payload (an object for PayBridge's own events, but any JSON value is relayed)
    attempts: int = 0

    def envelope(self) -> dict[str, Any]:
        """The message body consumers receive (docs/events.md): JSON-ready, timestamps in ISO 8601."""
        return {
            "id": str(self.id),
            "type": self.event_type,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "occurred_at": self.occurred_at.isoformat(),
            "correlation_id": self.correlation_id,
            "data": self.data,
        }


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An unpublished event as operators see it (`paybridge outbox list`)."""

    event: OutboxEvent
    last_error: str | None
    next_attempt_at: datetime | None
    failed_at: datetime | None


@dataclass(frozen=True, slots=True)
class PublishFailure:
    """What to record for an event whose publish failed: `error` becomes `last_error`; the event is retried
    after `retry_in_seconds`, or parked as dead (`failed_at`) when that is None."""

    event_id: UUID
    error: str
    retry_in_seconds: float | None


@dataclass(frozen=True, slots=True)
class RelayBacklog:
    """`pending`: unpublished events that are not dead, counted up to `ports.health.BACKLOG_COUNT_LIMIT`;
    `oldest_pending_age_seconds`: age of the oldest of them (0 when there are none); `dead`: events parked
    after too many failed attempts."""

    pending: int
    oldest_pending_age_seconds: float
    dead: int


@dataclass(frozen=True, slots=True)
class PublishedAck:
    """The broker stored the message (`duplicate`: it already had one with this id and dropped the copy)."""

    stream: str
    sequence: int
    duplicate: bool


PUBLISH_FAILURE_REASONS = (
    "timeout",
    "rejected",
    "too_large",
    "invalid_subject",
    "invalid_payload",
    "no_stream",
    "not_connected",
    "broker_error",
    "error",  # anything unexpected (a defect): logged with its traceback
)


class PublishFailed(Exception):
    """The broker did not acknowledge the message. `reason` is one of PUBLISH_FAILURE_REASONS (a bounded
    label for metrics); the message is the detail recorded as the event's `last_error`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class ClaimedBatch(Protocol):
    """Events claimed by one relay: `async with store.claim(n) as batch` opens a transaction and locks up to n
    claimable rows (`FOR UPDATE SKIP LOCKED`), oldest first, at most one per aggregate, none of an aggregate
    that still has an earlier unpublished event. Nothing is recorded unless `commit()` is called; leaving the
    block without it rolls back, and the rows become claimable again. Raises StorageUnavailable or
    ConcurrencyConflict (domain errors) like every storage port."""

    events: Sequence[OutboxEvent]

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def record_published(self, event_ids: Sequence[UUID]) -> None:
        """Marks these claimed events published now (database clock) and counts the attempt."""

    async def record_failures(self, failures: Sequence[PublishFailure]) -> None:
        """Counts the attempt, stores the error and schedules the retry or parks the event."""

    async def commit(self) -> None: ...


class OutboxRelayStore(Protocol):
    """The outbox table for the relay and for operators. Each method but `claim` is its own short
    transaction; times are the database's clock; durations are seconds."""

    def claim(self, limit: int) -> ClaimedBatch:
        """A not yet entered batch of at most `limit` events (see ClaimedBatch)."""

    async def backlog(self) -> RelayBacklog: ...

    async def purge_published(self, older_than_seconds: float, limit: int) -> int:
        """Deletes up to `limit` events published more than `older_than_seconds` ago; returns how many."""

    async def list_unpublished(self, dead: bool, limit: int) -> list[StoredEvent]:
        """Dead events (`dead`) or pending ones, oldest first."""

    async def requeue_dead(self, event_ids: Sequence[UUID] | None) -> list[UUID]:
        """Makes dead events claimable again with a fresh attempt budget and wakes the relays; None requeues
        every dead event. Returns the ids requeued (ids that are not dead are ignored)."""

    async def ping(self, within_seconds: float) -> str | None:
        """None when the database answered within `within_seconds`, else what went wrong. Never raises."""


class EventPublisher(Protocol):
    """The message broker."""

    async def available(self) -> bool:
        """True when connected and the destination stream exists (created or updated on the first call and
        after a reconnection). Never raises; cheap once verified."""

    @property
    def connected(self) -> bool:
        """Connected to the broker right now. No I/O."""

    async def publish(self, event: OutboxEvent) -> PublishedAck:
        """Publishes the event's envelope, identified by the event id for deduplication, and waits for the
        broker's acknowledgement (bounded by the publisher's timeout). Raises PublishFailed."""


class OutboxWakeups(Protocol):
    """A signal that events were committed (e.g. LISTEN/NOTIFY), so the relay need not poll tightly."""

    async def wait(self, timeout_seconds: float) -> bool:
        """True as soon as events were committed since the previous call, False after `timeout_seconds`.
        Never raises: a broken channel only means timeouts (the poll fallback) until it is restored."""


class RelayMetrics(Protocol):
    """What the relay reports. Every method is cheap, never raises and never blocks."""

    def event_published(self, event_type: str, lag_seconds: float) -> None:
        """An event was acknowledged and recorded; `lag_seconds` from its occurrence to the ack."""

    def duplicate_acknowledged(self, event_type: str) -> None:
        """The broker already had this event (a re-publish after a crash) and dropped the copy."""

    def publish_failed(self, event_type: str, reason: str) -> None:
        """A publish attempt failed; `reason` is PublishFailed.reason."""

    def event_parked(self, event_type: str) -> None:
        """An event used up its attempts and was parked as dead."""

    def backlog_measured(self, backlog: RelayBacklog) -> None:
        """The latest outbox backlog (gauges)."""

    def events_purged(self, count: int) -> None:
        """Published events deleted by retention."""


class NullRelayMetrics:
    """Records nothing: for in-process use and benchmarks."""

    def event_published(self, event_type: str, lag_seconds: float) -> None:
        return None

    def duplicate_acknowledged(self, event_type: str) -> None:
        return None

    def publish_failed(self, event_type: str, reason: str) -> None:
        return None

    def event_parked(self, event_type: str) -> None:
        return None

    def backlog_measured(self, backlog: RelayBacklog) -> None:
        return None

    def events_purged(self, count: int) -> None:
        return None
