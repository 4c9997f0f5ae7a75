"""Transactions and their double-entry ledger entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from paybridge.domain.money import Currency, Money

if TYPE_CHECKING:
    from paybridge.domain.events import DomainEvent


class TransactionType(StrEnum):
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    TRANSFER = "TRANSFER"


class TransactionStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Transaction:
    id: UUID
    type: TransactionType
    status: TransactionStatus
    amount: Money
    source_wallet_id: UUID | None
    destination_wallet_id: UUID | None
    initiated_by: UUID | None
    reference: str | None
    description: str | None
    metadata: Mapping[str, str]
    created_at: datetime
    completed_at: datetime | None

    def touches(self, wallet_ids: set[UUID]) -> bool:
        return self.source_wallet_id in wallet_ids or self.destination_wallet_id in wallet_ids


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a posting: `delta` minor units added to (positive) or taken from (negative) a wallet."""

    wallet_id: UUID
    delta: int


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    transaction_id: UUID
    wallet_id: UUID
    amount: int
    currency: Currency
    balance_after: int
    created_at: datetime


class UnbalancedPosting(ValueError):
    """A programming error: a posting whose legs do not sum to zero must never reach storage."""


@dataclass(frozen=True, slots=True)
class Posting:
    """Everything one money movement writes atomically: the transaction, its legs (which become ledger
    entries and balance changes) and the events describing it."""

    transaction: Transaction
    legs: tuple[Leg, ...]
    events: tuple[DomainEvent, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.legs) < 2 or sum(leg.delta for leg in self.legs) != 0:
            raise UnbalancedPosting(f"legs of {self.transaction.id} do not balance: {self.legs}")
        if len({leg.wallet_id for leg in self.legs}) != len(self.legs):
            raise UnbalancedPosting(f"posting {self.transaction.id} names a wallet twice")
        if any(leg.delta == 0 for leg in self.legs):
            raise UnbalancedPosting(f"posting {self.transaction.id} has an empty leg")

    @property
    def currency(self) -> Currency:
        return self.transaction.amount.currency
