"""Domain events, named in the past tense. Each is written to the outbox in the same database transaction
as the change it describes; `payload()` is the event's `data` as consumers receive it (amounts are
integers in minor units, never floats)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from paybridge.domain.ids import new_id
from paybridge.domain.transactions import Transaction
from paybridge.domain.users import User
from paybridge.domain.wallets import Wallet


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    event_type: ClassVar[str]
    aggregate_type: ClassVar[str]
    occurred_at: datetime
    id: UUID = field(default_factory=new_id)

    @property
    def aggregate_id(self) -> str:
        raise NotImplementedError

    def payload(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCreated(DomainEvent):
    event_type: ClassVar[str] = "user.created"
    aggregate_type: ClassVar[str] = "user"
    user: User

    @property
    def aggregate_id(self) -> str:
        return str(self.user.id)

    def payload(self) -> dict[str, Any]:
        return {
            "user_id": str(self.user.id),
            "email": self.user.email,
            "full_name": self.user.full_name,
            "role": self.user.role.value,
            "kyc_status": self.user.kyc_status.value,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletCreated(DomainEvent):
    event_type: ClassVar[str] = "wallet.created"
    aggregate_type: ClassVar[str] = "wallet"
    wallet: Wallet

    @property
    def aggregate_id(self) -> str:
        return str(self.wallet.id)

    def payload(self) -> dict[str, Any]:
        return {
            "wallet_id": str(self.wallet.id),
            "user_id": str(self.wallet.user_id),
            "currency": self.wallet.currency.code,
            "status": self.wallet.status.value,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class MoneyMoved(DomainEvent):
    aggregate_type: ClassVar[str] = "transaction"
    transaction: Transaction

    @property
    def aggregate_id(self) -> str:
        return str(self.transaction.id)

    def payload(self) -> dict[str, Any]:
        txn = self.transaction
        return {
            "transaction_id": str(txn.id),
            "type": txn.type.value,
            "status": txn.status.value,
            "amount": txn.amount.amount,
            "currency": txn.amount.currency.code,
            "source_wallet_id": _opt(txn.source_wallet_id),
            "destination_wallet_id": _opt(txn.destination_wallet_id),
            "initiated_by": _opt(txn.initiated_by),
            "reference": txn.reference,
            "description": txn.description,
            "metadata": dict(txn.metadata),
            "completed_at": txn.completed_at.isoformat() if txn.completed_at else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DepositCompleted(MoneyMoved):
    event_type: ClassVar[str] = "deposit.completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawalCompleted(MoneyMoved):
    event_type: ClassVar[str] = "withdrawal.completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferCompleted(MoneyMoved):
    event_type: ClassVar[str] = "transfer.completed"


def _opt(value: UUID | None) -> str | None:
    return None if value is None else str(value)
