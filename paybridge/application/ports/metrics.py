"""The metrics ports. Use cases and adapters report what happened in domain terms (`Metrics`), the HTTP edge
reports requests (`HttpMetrics`); the Prometheus adapter turns both into `paybridge_*` series. Every method is
cheap, never raises and never blocks."""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def transaction_completed(self, type_: str, currency: str, amount: int) -> None:
        """A money movement committed. `type_` is DEPOSIT, WITHDRAWAL, TRANSFER, HOLD (placed), HOLD_CAPTURE,
        HOLD_VOID, HOLD_EXPIRY, REVERSAL or EXCHANGE; `amount` in minor units (a capture: the captured amount)."""

    def transaction_rejected(self, type_: str, currency: str, reason: str) -> None:
        """A money movement was refused with a business or validation error; `reason` is the error code."""

    def idempotent_replay(self, operation: str) -> None:
        """A request was answered from a stored idempotent outcome."""

    def storage_retry(self, reason: str) -> None:
        """A unit of work is re-run after a deadlock / serialization failure (`reason`)."""


class NullMetrics:
    """Records nothing: for in-process use without an exporter, and for the instrumentation-off benchmark."""

    def transaction_completed(self, type_: str, currency: str, amount: int) -> None:
        return None

    def transaction_rejected(self, type_: str, currency: str, reason: str) -> None:
        return None

    def idempotent_replay(self, operation: str) -> None:
        return None

    def storage_retry(self, reason: str) -> None:
        return None


class HttpMetrics(Protocol):
    def request_started(self) -> None:
        """A request entered the service (the in-flight gauge goes up)."""

    def request_finished(
        self, method: str, path: str, status: int, seconds: float, response_bytes: int
    ) -> None:
        """A request ended (the in-flight gauge goes down). `path` is the route template, never the raw URL
        (bounded cardinality); `status` is the status sent, 500 when the request crashed before answering."""


class NullHttpMetrics:
    """Records nothing: the HTTP edge with metrics disabled."""

    def request_started(self) -> None:
        return None

    def request_finished(
        self, method: str, path: str, status: int, seconds: float, response_bytes: int
    ) -> None:
        return None


class SecurityMetrics(Protocol):
    def login_failed(self, reason: str) -> None:
        """A sign-in attempt failed: `invalid_credentials` (wrong email or password) or `rate_limited`."""

    def request_throttled(self, limit: str) -> None:
        """A rate limit refused a request: `limit` is `ip`, `user`, `login_ip` or `login_account`."""


class NullSecurityMetrics:
    """Records nothing: metrics disabled."""

    def login_failed(self, reason: str) -> None:
        return None

    def request_throttled(self, limit: str) -> None:
        return None
