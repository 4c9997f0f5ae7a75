"""`RelayOutboxEvents` and its backoff schedule on fakes: what is recorded on the rows, when events are
parked, what the metrics and logs say, and that the loop survives failures and stops on request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID, uuid4

import pytest

from paybridge.application.backoff import BackoffSchedule
from paybridge.application.context import current_context
from paybridge.application.ports.relay import (
    OutboxEvent,
    PublishedAck,
    PublishFailed,
    PublishFailure,
    RelayBacklog,
    StoredEvent,
)
from paybridge.application.use_cases.relay_outbox import RelayOutboxEvents, RelayPolicy
from paybridge.domain.errors import StorageUnavailable
from tests.support.containers import FakeClock

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def event(
    attempts: int = 0, event_type: str = "wallet.created", correlation_id: str | None = "c-1"
) -> OutboxEvent:
    return OutboxEvent(
        id=uuid4(),
        seq=1,
        event_type=event_type,
        aggregate_type="wallet",
        aggregate_id=str(uuid4()),
        occurred_at=NOW - timedelta(seconds=2),
        correlation_id=correlation_id,
        data={"n": 1},
        attempts=attempts,
    )


@dataclass
class FakeBatch:
    events: Sequence[OutboxEvent]
    store: FakeStore
    published: list[UUID] = field(default_factory=list)
    failures: list[PublishFailure] = field(default_factory=list)

    async def __aenter__(self) -> Self:
        if self.store.claim_error is not None:
            raise self.store.claim_error
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def record_published(self, event_ids: Sequence[UUID]) -> None:
        self.published.extend(event_ids)

    async def record_failures(self, failures: Sequence[PublishFailure]) -> None:
        self.failures.extend(failures)

    async def commit(self) -> None:
        self.store.committed.append(self)


@dataclass
class FakeStore:
    pending: list[OutboxEvent] = field(default_factory=list)
    committed: list[FakeBatch] = field(default_factory=list)
    claim_error: Exception | None = None
    claims: int = 0

    def claim(self, limit: int) -> FakeBatch:
        self.claims += 1
        events, self.pending = self.pending[:limit], self.pending[limit:]
        return FakeBatch(events, self)

    async def backlog(self) -> RelayBacklog:
        return RelayBacklog(len(self.pending), 0.0, 0)

    async def purge_published(self, older_than_seconds: float, limit: int) -> int:
        return 0

    async def list_unpublished(self, dead: bool, limit: int) -> list[StoredEvent]:
        return []

    async def requeue_dead(self, event_ids: Sequence[UUID] | None) -> list[UUID]:
        return []

    async def ping(self, within_seconds: float) -> str | None:
        return None


class FakePublisher:
    def __init__(self, fail: dict[UUID, Exception] | None = None) -> None:
        self.fail = fail or {}
        self.seen_correlation_ids: dict[UUID, str | None] = {}
        self.is_available = True
        self.sequence = 0

    async def available(self) -> bool:
        return self.is_available

    @property
    def connected(self) -> bool:
        return self.is_available

    async def publish(self, event: OutboxEvent) -> PublishedAck:
        self.seen_correlation_ids[event.id] = current_context().correlation_id
        if event.id in self.fail:
            raise self.fail[event.id]
        self.sequence += 1
        return PublishedAck("S", self.sequence, duplicate=False)


class FakeWakeups:
    async def wait(self, timeout_seconds: float) -> bool:
        await asyncio.sleep(min(timeout_seconds, 0.01))
        return False


@dataclass
class RecordingMetrics:
    published: list[tuple[str, float]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def event_published(self, event_type: str, lag_seconds: float) -> None:
        self.published.append((event_type, lag_seconds))

    def duplicate_acknowledged(self, event_type: str) -> None:
        self.duplicates.append(event_type)

    def publish_failed(self, event_type: str, reason: str) -> None:
        self.failed.append((event_type, reason))

    def event_parked(self, event_type: str) -> None:
        self.parked.append(event_type)

    def backlog_measured(self, backlog: RelayBacklog) -> None:
        return None

    def events_purged(self, count: int) -> None:
        return None


def relay(
    store: FakeStore, publisher: FakePublisher, metrics: RecordingMetrics, max_attempts: int = 3
) -> RelayOutboxEvents:
    policy = RelayPolicy(
        batch_size=10,
        poll_interval_seconds=0.01,
        max_attempts=max_attempts,
        backoff=BackoffSchedule(1.0, 60.0, random=lambda: 1.0),
    )
    return RelayOutboxEvents(store, publisher, FakeWakeups(), metrics, FakeClock(NOW), policy)


def test_backoff_doubles_up_to_the_cap_with_equal_jitter() -> None:
    schedule = BackoffSchedule(base_seconds=1.0, max_seconds=10.0, random=lambda: 0.0)
    assert [schedule.ceiling(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert schedule.delay(3) == 2.0  # half the ceiling at the lowest draw
    assert BackoffSchedule(1.0, 10.0, random=lambda: 1.0).delay(3) == 4.0
    assert BackoffSchedule(1.0, 10.0).ceiling(10_000) == 10.0
    with pytest.raises(ValueError, match="1-based"):
        schedule.ceiling(0)
    with pytest.raises(ValueError, match="base_seconds"):
        BackoffSchedule(base_seconds=5.0, max_seconds=1.0)


async def test_a_batch_records_acks_and_failures_then_reports_after_commit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ok, flaky, poison, crashing = event(), event(correlation_id="c-flaky"), event(attempts=2), event()
    store = FakeStore([ok, flaky, poison, crashing])
    publisher = FakePublisher(
        {
            flaky.id: PublishFailed("timeout", "no ack within 5s"),
            poison.id: PublishFailed("rejected", "message size exceeds maximum allowed (code 10054)"),
            crashing.id: ZeroDivisionError("a defect"),
        }
    )
    metrics = RecordingMetrics()
    with caplog.at_level(logging.WARNING, logger="paybridge.relay"):
        outcome = await relay(store, publisher, metrics).relay_batch()

    assert (outcome.claimed, outcome.published, outcome.failed, outcome.parked) == (4, 1, 3, 1)
    [batch] = store.committed
    assert batch.published == [ok.id]
    failures = {failure.event_id: failure for failure in batch.failures}
    assert failures[flaky.id] == PublishFailure(flaky.id, "timeout: no ack within 5s", 1.0)
    assert failures[poison.id].retry_in_seconds is None  # third attempt of three: parked
    assert failures[crashing.id].error == "error: ZeroDivisionError: a defect"
    assert metrics.published == [("wallet.created", 2.0)]
    assert sorted(reason for _, reason in metrics.failed) == ["error", "rejected", "timeout"]
    assert metrics.parked == ["wallet.created"]
    # each publish ran with its own event's correlation id, and so did the log lines about it
    assert publisher.seen_correlation_ids[flaky.id] == "c-flaky"
    flaky_log = next(r for r in caplog.records if getattr(r, "event_id", None) == str(flaky.id))
    assert flaky_log.exc_info is not None
    assert current_context().correlation_id is None
    parked_log = next(r for r in caplog.records if r.getMessage() == "event parked as dead")
    assert parked_log.levelno == logging.ERROR and parked_log.event_id == str(poison.id)  # type: ignore[attr-defined]


async def test_nothing_is_reported_when_the_commit_fails() -> None:
    store = FakeStore([event()])
    metrics = RecordingMetrics()

    async def failing_commit() -> None:
        raise StorageUnavailable("the database is unavailable")

    original = store.claim

    def claim(limit: int) -> FakeBatch:
        batch = original(limit)
        batch.commit = failing_commit  # type: ignore[method-assign]
        return batch

    store.claim = claim  # type: ignore[method-assign]
    with pytest.raises(StorageUnavailable):
        await relay(store, FakePublisher(), metrics).relay_batch()
    assert metrics.published == []


async def test_the_loop_survives_storage_errors_waits_for_the_broker_and_stops() -> None:
    store = FakeStore(claim_error=StorageUnavailable("down"))
    publisher = FakePublisher()
    publisher.is_available = False
    metrics = RecordingMetrics()
    stop = asyncio.Event()
    task = asyncio.create_task(relay(store, publisher, metrics).run(stop))
    await asyncio.sleep(0.05)
    assert store.claims == 0  # no broker: nothing claimed
    publisher.is_available = True
    await asyncio.sleep(0.05)
    assert store.claims >= 1 and not task.done()  # the storage error was logged, not fatal
    store.claim_error = None
    store.pending = [event()]
    await asyncio.sleep(1.0)  # past the loop's backoff
    assert len(metrics.published) == 1
    stop.set()
    await asyncio.wait_for(task, 2.0)


def test_the_envelope_is_the_documented_message_body() -> None:
    sample = event()
    assert sample.envelope() == {
        "id": str(sample.id),
        "type": "wallet.created",
        "aggregate_type": "wallet",
        "aggregate_id": sample.aggregate_id,
        "occurred_at": "2026-11-28T11:59:58+00:00",
        "correlation_id": "c-1",
        "data": {"n": 1},
    }
