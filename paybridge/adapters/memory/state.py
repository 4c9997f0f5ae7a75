"""In-process storage for developers' tests and the in-process container: the same behaviour as the
PostgreSQL adapters (the shared contract suite proves it), kept in dictionaries.

Units of work are serialised by one asyncio lock and work on a copy of the state that replaces the
committed state only on `commit()`: rollback is simply dropping the copy.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from paybridge.application.ports.storage import IdempotencyRecord
from paybridge.domain.exchange import ExchangeRate, Quote
from paybridge.domain.holds import Hold
from paybridge.domain.transactions import LedgerEntry, Transaction
from paybridge.domain.users import User
from paybridge.domain.wallets import Wallet


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: UUID
    aggregate_type: str
    aggregate_id: str
    event_type: str
    payload: dict[str, Any]
    correlation_id: str | None
    created_at: datetime


@dataclass(slots=True)
class InMemoryState:
    users: dict[UUID, User] = field(default_factory=dict)
    wallets: dict[UUID, Wallet] = field(default_factory=dict)
    wallet_positions: dict[UUID, int] = field(default_factory=dict)
    transactions: dict[UUID, Transaction] = field(default_factory=dict)
    transaction_positions: dict[UUID, int] = field(default_factory=dict)
    entries: list[LedgerEntry] = field(default_factory=list)
    idempotency: dict[tuple[UUID, str], IdempotencyRecord] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    holds: dict[UUID, Hold] = field(default_factory=dict)
    rates: dict[tuple[str, str], ExchangeRate] = field(default_factory=dict)
    quotes: dict[UUID, Quote] = field(default_factory=dict)
    last_position: int = 0

    def next_position(self) -> int:
        self.last_position += 1
        return self.last_position

    def copy(self) -> InMemoryState:
        return InMemoryState(
            users=dict(self.users),
            wallets=dict(self.wallets),
            wallet_positions=dict(self.wallet_positions),
            transactions=dict(self.transactions),
            transaction_positions=dict(self.transaction_positions),
            entries=list(self.entries),
            idempotency=dict(self.idempotency),
            outbox=list(self.outbox),
            holds=dict(self.holds),
            rates=dict(self.rates),
            quotes=dict(self.quotes),
            last_position=self.last_position,
        )


class InMemoryDatabase:
    def __init__(self) -> None:
        self.state = InMemoryState()
        self.lock = asyncio.Lock()

    def outbox_messages(self) -> list[OutboxMessage]:
        """Committed events, oldest first (what a relay would publish)."""
        return list(self.state.outbox)
