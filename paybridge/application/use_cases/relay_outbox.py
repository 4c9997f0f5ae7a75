"""`RelayOutboxEvents`: move committed outbox events to the broker, at least once, in order per aggregate.

One batch: claim up to `batch_size` events in a transaction (rows locked, skipped by other relays), publish
them concurrently — a batch holds at most one event per aggregate, so concurrency never reorders an
aggregate's events — wait for every ack, record successes and failures on the rows, commit. A failed publish
is retried after an exponential backoff with jitter stored on the row; after `max_attempts` the event is
parked as dead and holds back the later events of its aggregate until an operator requeues it.

`run(stop)` repeats batches until `stop` is set, finishing the batch in flight. Between batches it waits for
a wake-up (new events committed) or `poll_interval_seconds`, whichever comes first; a full batch is followed
at once by the next. Nothing a row contains and no storage or broker failure ends the loop: errors are logged
with their traceback and the loop backs off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime

from paybridge.application.backoff import BackoffSchedule
from paybridge.application.context import RequestContext, enter_context, exit_context
from paybridge.application.ports.relay import (
    EventPublisher,
    OutboxEvent,
    OutboxRelayStore,
    OutboxWakeups,
    PublishedAck,
    PublishFailed,
    PublishFailure,
    RelayMetrics,
)
from paybridge.application.ports.system import Clock

logger = logging.getLogger("paybridge.relay")
MAX_ERROR_LENGTH = 2000
LOOP_BACKOFF = BackoffSchedule(base_seconds=0.5, max_seconds=30.0)


@dataclass(frozen=True, slots=True)
class RelayPolicy:
    batch_size: int = 100
    poll_interval_seconds: float = 0.5
    max_attempts: int = 10
    backoff: BackoffSchedule = field(default_factory=BackoffSchedule)


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    claimed: int = 0
    published: int = 0
    failed: int = 0
    parked: int = 0


_Result = tuple[OutboxEvent, PublishedAck | PublishFailed]


class RelayOutboxEvents:
    def __init__(
        self,
        store: OutboxRelayStore,
        publisher: EventPublisher,
        wakeups: OutboxWakeups,
        metrics: RelayMetrics,
        clock: Clock,
        policy: RelayPolicy,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._wakeups = wakeups
        self._metrics = metrics
        self._clock = clock
        self._policy = policy

    async def relay_batch(self) -> BatchOutcome:
        """Claims, publishes and records one batch; returns what happened. Raises storage errors (the batch
        is then rolled back and its events stay claimable)."""
        async with self._store.claim(self._policy.batch_size) as batch:
            if not batch.events:
                return BatchOutcome()
            results = await asyncio.gather(*(self._publish(event) for event in batch.events))
            published = [event for event, result in results if isinstance(result, PublishedAck)]
            failures = [
                self._failure(event, result) for event, result in results if isinstance(result, PublishFailed)
            ]
            if published:
                await batch.record_published([event.id for event in published])
            if failures:
                await batch.record_failures(failures)
            await batch.commit()
        self._report(results, failures)
        parked = sum(failure.retry_in_seconds is None for failure in failures)
        return BatchOutcome(len(results), len(published), len(failures), parked)

    async def run(self, stop: asyncio.Event) -> None:
        """Relays until `stop` is set; the batch in flight when it is set is finished first."""
        errors = 0
        logger.info("relay started", extra={"batch_size": self._policy.batch_size})
        while not stop.is_set():
            if not await self._publisher.available():
                await wait_or_stop(stop, asyncio.sleep(self._policy.poll_interval_seconds))
                continue
            try:
                outcome = await self.relay_batch()
            except Exception:
                errors += 1
                delay = LOOP_BACKOFF.delay(errors)
                logger.exception("relay batch failed; retrying", extra={"retry_in_seconds": round(delay, 3)})
                await wait_or_stop(stop, asyncio.sleep(delay))
                continue
            errors = 0
            if outcome.claimed < self._policy.batch_size:
                await wait_or_stop(stop, self._wakeups.wait(self._policy.poll_interval_seconds))
        logger.info("relay stopped")

    async def _publish(self, event: OutboxEvent) -> _Result:
        # Runs in its own task (asyncio.gather), so the context bound here is this event's alone.
        token = enter_context(RequestContext(correlation_id=event.correlation_id))
        try:
            ack = await self._publisher.publish(event)
        except PublishFailed as error:
            logger.warning("event publish failed", exc_info=True, extra=_fields(event, reason=error.reason))
            return event, error
        except Exception as error:  # a defect or an unexpected client error: recorded on the row, never fatal
            logger.exception("event publish crashed", extra=_fields(event, reason="error"))
            failure = PublishFailed("error", f"{type(error).__name__}: {error}")
            failure.__cause__ = error
            return event, failure
        else:
            logger.debug(
                "event published", extra=_fields(event, stream_sequence=ack.sequence, duplicate=ack.duplicate)
            )
            return event, ack
        finally:
            exit_context(token)

    def _failure(self, event: OutboxEvent, error: PublishFailed) -> PublishFailure:
        attempt = event.attempts + 1
        detail = f"{error.reason}: {error}"[:MAX_ERROR_LENGTH]
        if attempt >= self._policy.max_attempts:
            return PublishFailure(event.id, detail, None)
        return PublishFailure(event.id, detail, self._policy.backoff.delay(attempt))

    def _report(self, results: list[_Result], failures: list[PublishFailure]) -> None:
        """Metrics and logs of a committed batch (only then is what they say true)."""
        now = self._clock.now()
        recorded = {failure.event_id: failure for failure in failures}
        for event, result in results:
            if isinstance(result, PublishedAck):
                self._metrics.event_published(event.event_type, _age(event.occurred_at, now))
                if result.duplicate:
                    self._metrics.duplicate_acknowledged(event.event_type)
                continue
            self._metrics.publish_failed(event.event_type, result.reason)
            failure = recorded[event.id]
            if failure.retry_in_seconds is not None:
                continue
            self._metrics.event_parked(event.event_type)
            token = enter_context(RequestContext(correlation_id=event.correlation_id))
            try:
                logger.error("event parked as dead", extra=_fields(event, error=failure.error))
            finally:
                exit_context(token)


async def wait_or_stop(stop: asyncio.Event, waiting: Awaitable[object]) -> None:
    """Awaits `waiting` or `stop`, whichever comes first; cancels the other."""
    tasks: set[asyncio.Future[object]] = {asyncio.ensure_future(waiting), asyncio.ensure_future(stop.wait())}
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _fields(event: OutboxEvent, **extra: object) -> dict[str, object]:
    return {
        "event_id": str(event.id),
        "event_type": event.event_type,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "attempt": event.attempts + 1,
        **extra,
    }


def _age(occurred_at: datetime, now: datetime) -> float:
    return max((now - occurred_at).total_seconds(), 0.0)
