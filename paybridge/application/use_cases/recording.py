"""Reporting money movements: every use case that moves money runs through `recorded`, which reports the
outcome to the Metrics port (completed with its amount, or rejected with the error code) and logs it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from paybridge.application.idempotency import MovementResult
from paybridge.application.ports.metrics import Metrics
from paybridge.domain.errors import PayBridgeError, TemporarilyUnavailable
from paybridge.domain.money import Currency

# Money movement log lines keep the logger name docs/observability.md documents (it predates this module).
logger = logging.getLogger("paybridge.application.use_cases.move_money")


def request_of(command: Any) -> dict[str, Any]:
    """The command as the JSON-able request an Idempotency-Key is bound to."""
    data: dict[str, Any] = asdict(command)
    if "metadata" in data:
        data["metadata"] = dict(command.metadata or {})
    return data


def currency_label(currency: Any) -> str:
    return currency if isinstance(currency, str) and Currency.is_supported(currency) else "invalid"


async def recorded(
    metrics: Metrics, type_: str, currency: Any, run: Callable[[], Awaitable[MovementResult]]
) -> MovementResult:
    """Runs the movement and reports its outcome: completed, or rejected with the error's code. `currency`
    labels a rejection; a completion is labelled with the transaction's own currency."""
    try:
        result = await run()
    except PayBridgeError as error:
        if not isinstance(error, TemporarilyUnavailable) and not error.replayed:
            label = currency_label(currency)
            metrics.transaction_rejected(type_, label, error.code)
            logger.info(
                "money movement refused", extra={"type": type_, "currency": label, "reason": error.code}
            )
        raise
    txn = result.transaction
    if not result.replayed:
        metrics.transaction_completed(type_, txn.amount.currency.code, txn.amount.amount)
    logger.info(
        "money moved" if not result.replayed else "money movement replayed",
        extra={
            "transaction_id": str(txn.id),
            "type": type_,
            "amount": txn.amount.amount,
            "currency": txn.amount.currency.code,
        },
    )
    return result
