"""Errors about a request as such rather than its business: an Idempotency-Key still in flight or reused
for another request, work that collided or found the database down (retry with the same key), and a rate
limit."""

from __future__ import annotations

from typing import Any, ClassVar

from paybridge.domain.errors.base import (
    BusinessRuleViolation,
    Conflict,
    PayBridgeError,
    TemporarilyUnavailable,
)


class IdempotencyRequestInProgress(Conflict):
    code = "idempotency_in_progress"
    title = "A request with this Idempotency-Key is still being processed"
    retry_after_seconds: ClassVar[int] = 1


class IdempotencyKeyReused(BusinessRuleViolation):
    code = "idempotency_key_reused"
    title = "Idempotency-Key was already used with a different request"


class ConcurrencyConflict(TemporarilyUnavailable):
    code = "concurrency_conflict"
    title = "The operation collided with concurrent work; retry with the same Idempotency-Key"


class StorageUnavailable(TemporarilyUnavailable):
    code = "storage_unavailable"
    title = "The database is unavailable"


class TooManyRequests(PayBridgeError):
    """A rate limit refused the request; retrying after `retry_after_seconds` may succeed (HTTP 429 with
    Retry-After). Nothing was done. `limit`, `period_seconds` and `reset_seconds` describe the limit that
    refused (the `RateLimit-*` headers), when known."""

    code = "rate_limited"
    title = "Too many requests"

    def __init__(
        self,
        detail: str | None = None,
        retry_after_seconds: int = 1,
        limit: int | None = None,
        period_seconds: float | None = None,
        reset_seconds: float | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail, **extra)
        self.retry_after_seconds = max(int(retry_after_seconds), 1)
        self.limit = limit
        self.period_seconds = period_seconds
        self.reset_seconds = reset_seconds
