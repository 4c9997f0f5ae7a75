"""JSON snapshots of transactions, as stored in idempotency outcomes so a retry replays the original."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from paybridge.domain.money import Currency, Money
from paybridge.domain.transactions import Transaction, TransactionStatus, TransactionType


def transaction_snapshot(txn: Transaction) -> dict[str, Any]:
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
    }


def transaction_from_snapshot(data: dict[str, Any]) -> Transaction:
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
    )


def _str(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _uuid(value: str | None) -> UUID | None:
    return None if value is None else UUID(value)
