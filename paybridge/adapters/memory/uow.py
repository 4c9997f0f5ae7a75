"""In-memory unit of work: serialised by the database lock, working on a copy committed by swap."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from paybridge.adapters.memory.flows import (
    InMemoryExchangeRates,
    InMemoryHoldRepository,
    InMemoryQuoteRepository,
)
from paybridge.adapters.memory.ledger import InMemoryLedger
from paybridge.adapters.memory.repositories import (
    InMemoryIdempotencyStore,
    InMemoryOutbox,
    InMemoryUserRepository,
    InMemoryWalletRepository,
)
from paybridge.adapters.memory.state import InMemoryDatabase, InMemoryState


class InMemoryUnitOfWork:
    users: InMemoryUserRepository
    wallets: InMemoryWalletRepository
    ledger: InMemoryLedger
    idempotency: InMemoryIdempotencyStore
    outbox: InMemoryOutbox
    holds: InMemoryHoldRepository
    rates: InMemoryExchangeRates
    quotes: InMemoryQuoteRepository

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database
        self._working: InMemoryState | None = None

    async def __aenter__(self) -> Self:
        await self._database.lock.acquire()
        self._working = working = self._database.state.copy()
        self.users = InMemoryUserRepository(working)
        self.wallets = InMemoryWalletRepository(working)
        self.ledger = InMemoryLedger(working)
        self.idempotency = InMemoryIdempotencyStore(working)
        self.outbox = InMemoryOutbox(working)
        self.holds = InMemoryHoldRepository(working)
        self.rates = InMemoryExchangeRates(working)
        self.quotes = InMemoryQuoteRepository(working)
        return self

    async def commit(self) -> None:
        if self._working is None:
            raise RuntimeError("commit() outside the unit of work")
        self._database.state = self._working.copy()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._working = None
        self._database.lock.release()


class InMemoryUnitOfWorkFactory:
    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self._database)
