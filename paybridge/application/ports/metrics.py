"""The metrics port. Use cases and adapters report what happened in domain terms; the Prometheus adapter
turns that into `paybridge_*` series. Every method is cheap, never raises and never blocks."""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def transaction_completed(self, type_: str, currency: str, amount: int) -> None:
        """A money movement committed. `type_` is DEPOSIT/WITHDRAWAL/TRANSFER, `amount` in minor units."""

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
