"""JSON snapshots of transactions and holds, as stored in idempotency outcomes so a retry replays the
original answer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from paybridge.domain.holds import Hold, HoldStatus
from paybridge.domain.money import Currency, Money
from paybridge.domain.transactions import ExchangeDetails, Transaction, TransactionStatus, TransactionType


def transaction_snapshot(txn: Transaction) -> dict[str, Any]:
    exchange = txn.exchange
    return {
        "id": str(txn.id),
        "type": txn.type.value,
        "status": txn.status.value,
        "amount": txn.amount.amount,
        "currency": txn.amount.currency.code,
        "source_wallet_id": _str(txn.source_wallet_id),
        "destination_wallet_id": _str(txn.destination_wallet_id),
        "initiated_by": _str(txn.initiated_by),
        "reference": txn.reference,
        "description": txn.description,
        "metadata": dict(txn.metadata),
        "created_at": txn.created_at.isoformat(),
        "completed_at": txn.completed_at.isoformat() if txn.completed_at else None,
        "reversed_amount": txn.reversed_amount,
        "original_transaction_id": _str(txn.original_transaction_id),
        "exchange": None
        if exchange is None
        else {
            "rate": str(exchange.rate),
            "destination_amount": exchange.destination_amount.amount,
            "destination_currency": exchange.destination_amount.currency.code,
        },
    }


def transaction_from_snapshot(data: dict[str, Any]) -> Transaction:
    exchange = data.get("exchange")
    return Transaction(
        id=UUID(data["id"]),
        type=TransactionType(data["type"]),
        status=TransactionStatus(data["status"]),
        amount=Money(int(data["amount"]), Currency.of(data["currency"])),
        source_wallet_id=_uuid(data["source_wallet_id"]),
        destination_wallet_id=_uuid(data["destination_wallet_id"]),
        initiated_by=_uuid(data.get("initiated_by")),
        reference=data["reference"],
        description=data["description"],
        metadata=dict(data["metadata"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        completed_at=datetime.fromisoformat(data["completed_at"]) if data["completed_at"] else None,
        reversed_amount=int(data.get("reversed_amount", 0)),
        original_transaction_id=_uuid(data.get("original_transaction_id")),
        exchange=None
        if not exchange
        else ExchangeDetails(
            Decimal(exchange["rate"]),
            Money(int(exchange["destination_amount"]), Currency.of(exchange["destination_currency"])),
        ),
    )


def hold_snapshot(hold: Hold) -> dict[str, Any]:
    return {
        "id": str(hold.id),
        "wallet_id": str(hold.wallet_id),
        "destination_wallet_id": _str(hold.destination_wallet_id),
        "amount": hold.amount.amount,
        "currency": hold.amount.currency.code,
        "status": hold.status.value,
        "captured_amount": hold.captured_amount,
        "expires_at": hold.expires_at.isoformat(),
        "created_at": hold.created_at.isoformat(),
        "updated_at": hold.updated_at.isoformat(),
        "initiated_by": _str(hold.initiated_by),
    }


def hold_from_snapshot(data: dict[str, Any]) -> Hold:
    return Hold(
        id=UUID(data["id"]),
        wallet_id=UUID(data["wallet_id"]),
        destination_wallet_id=_uuid(data["destination_wallet_id"]),
        amount=Money(int(data["amount"]), Currency.of(data["currency"])),
        status=HoldStatus(data["status"]),
        captured_amount=data["captured_amount"],
        expires_at=datetime.fromisoformat(data["expires_at"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        initiated_by=_uuid(data.get("initiated_by")),
    )


def _str(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _uuid(value: str | None) -> UUID | None:
    return None if value is None else UUID(value)
