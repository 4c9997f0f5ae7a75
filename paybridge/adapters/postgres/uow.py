"""PostgreSQL unit of work: one pooled connection, one transaction, rolled back unless committed.

The connection is taken with `getconn()` and returned with `putconn()` rather than through
`pool.connection()`, whose context manager commits on a clean exit: here only `commit()` commits.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self

from psycopg import AsyncConnection

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.errors import translate
from paybridge.adapters.postgres.exchange import PostgresExchangeRates, PostgresQuoteRepository
from paybridge.adapters.postgres.holds import PostgresHoldRepository
from paybridge.adapters.postgres.idempotency import PostgresIdempotencyStore
from paybridge.adapters.postgres.ledger import PostgresLedger
from paybridge.adapters.postgres.outbox import PostgresOutbox
from paybridge.adapters.postgres.session import PostgresSession
from paybridge.adapters.postgres.users import PostgresUserRepository
from paybridge.adapters.postgres.wallets import PostgresWalletRepository

logger = logging.getLogger(__name__)


class PostgresUnitOfWork:
    users: PostgresUserRepository
    wallets: PostgresWalletRepository
    ledger: PostgresLedger
    idempotency: PostgresIdempotencyStore
    outbox: PostgresOutbox
    holds: PostgresHoldRepository
    rates: PostgresExchangeRates
    quotes: PostgresQuoteRepository
    _session: PostgresSession

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        self._connection: AsyncConnection[Any] | None = None
        self._committed = False

    async def __aenter__(self) -> Self:
        self._connection = await self._database.acquire()
        session = self._session = PostgresSession(self._connection, self._database.observer)
        self.users = PostgresUserRepository(session)
        self.wallets = PostgresWalletRepository(session, self._database.known_system_accounts)
        self.ledger = PostgresLedger(session)
        self.idempotency = PostgresIdempotencyStore(session)
        self.outbox = PostgresOutbox(session)
        self.holds = PostgresHoldRepository(session)
        self.rates = PostgresExchangeRates(session)
        self.quotes = PostgresQuoteRepository(session)
        return self

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit() outside the unit of work")
        try:
            await self._connection.commit()
        except Exception as error:
            translated = translate(error)
            if translated is not None:
                raise translated from error
            raise
        self._committed = True
        if self._session.wrote_outbox:  # wake the relay: after COMMIT, coalesced, off this request's path
            self._session.wrote_outbox = False
            self._database.outbox_notifier.poke()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if not self._committed and not connection.closed:
                await connection.rollback()
        except Exception:
            logger.warning("rollback failed; discarding the connection", exc_info=True)
            await connection.close()
        finally:
            await self._database.release(connection)


class PostgresUnitOfWorkFactory:
    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    def __call__(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self._database)
