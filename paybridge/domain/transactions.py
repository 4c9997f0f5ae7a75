"""Transactions and their double-entry ledger entries, and `Posting`: everything one money movement writes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from paybridge.domain.limits import OutgoingCharge
from paybridge.domain.money import Currency, Money

if TYPE_CHECKING:
    from paybridge.domain.events import DomainEvent
    from paybridge.domain.holds import Hold


class TransactionType(StrEnum):
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    TRANSFER = "TRANSFER"
    HOLD = "HOLD"
    REVERSAL = "REVERSAL"
    EXCHANGE = "EXCHANGE"


class TransactionStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class ExchangeDetails:
    """What an EXCHANGE bought: `destination_amount` for the transaction's amount at `rate` (major units of
    the destination currency per major unit of the source currency)."""

    rate: Decimal
    destination_amount: Money


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
    reversed_amount: int = 0
    """How much of this transaction later REVERSAL transactions gave back (never more than `amount`)."""
    original_transaction_id: UUID | None = None
    """For a REVERSAL: the transaction it reverses."""
    exchange: ExchangeDetails | None = None
    """For an EXCHANGE: what it bought."""

    def touches(self, wallet_ids: set[UUID]) -> bool:
        return self.source_wallet_id in wallet_ids or self.destination_wallet_id in wallet_ids


@dataclass(frozen=True, slots=True)
class Leg:
    """One wallet's part in a posting: `delta` minor units of `currency` added to (positive) or taken from
    (negative) its balance — a ledger entry — and `held_delta` added to or released from its held amount
    (no entry). `charge` counts the leg against the wallet's outgoing limits (limits.py)."""

    wallet_id: UUID
    delta: int
    currency: Currency
    held_delta: int = 0
    charge: OutgoingCharge | None = None

    @property
    def only_releases(self) -> bool:
        """Releases held money and moves none: allowed on a wallet that is not active."""
        return self.delta == 0 and self.held_delta <= 0


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
class Reversal:
    """A posting that gives back `amount` of transaction `original_id` (its `reversed_amount` grows)."""

    original_id: UUID
    amount: int


@dataclass(frozen=True, slots=True)
class Posting:
    """Everything one money movement writes atomically: the transaction (new, or a PENDING one finished), its
    legs (ledger entries, balance and held changes, outgoing usage), the events describing it, and the state
    it links to. Storage applies it only if, with every wallet locked: each wallet exists, is in its leg's
    currency, is ACTIVE (unless the leg only releases held money), keeps `available` >= 0 (user wallets) and
    stays within its limits; `verified_actor` (if set) is KYC VERIFIED; the hold it settles is PENDING; the
    reversal fits in what is left of the original; the quote is unused and unexpired."""

    transaction: Transaction
    legs: tuple[Leg, ...]
    events: tuple[DomainEvent, ...] = field(default=())
    new_transaction: bool = True
    """False: the transaction exists (a PENDING hold) and takes this status, amount and completed_at."""
    posted_at: datetime | None = None
    """When the posting happens; the transaction's created_at when None."""
    verified_actor: UUID | None = None
    hold: Hold | None = None
    """The hold as this posting leaves it: created with a new transaction, else settled (must be PENDING)."""
    reversal: Reversal | None = None
    quote_id: UUID | None = None

    def __post_init__(self) -> None:
        if not self.legs:
            raise UnbalancedPosting(f"posting {self.transaction.id} has no legs")
        if len({leg.wallet_id for leg in self.legs}) != len(self.legs):
            raise UnbalancedPosting(f"posting {self.transaction.id} names a wallet twice")
        if any(leg.delta == 0 and leg.held_delta == 0 for leg in self.legs):
            raise UnbalancedPosting(f"posting {self.transaction.id} has an empty leg")
        sums: dict[str, int] = defaultdict(int)
        for leg in self.legs:
            if leg.delta:
                sums[leg.currency.code] += leg.delta
        if any(sums.values()):
            raise UnbalancedPosting(f"legs of {self.transaction.id} do not balance: {self.legs}")

    @property
    def currency(self) -> Currency:
        return self.transaction.amount.currency

    @property
    def at(self) -> datetime:
        return self.posted_at or self.transaction.created_at
