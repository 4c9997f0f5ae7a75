"""PostgreSQL exchange rates (`exchange_rates`, the shipped `ExchangeRateProvider`) and quotes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, LiteralString
from uuid import UUID

from paybridge.adapters.postgres.session import PostgresSession
from paybridge.domain.exchange import ExchangeRate, Quote
from paybridge.domain.money import Currency

_QUOTE_COLUMNS = (
    "id, user_id, source_currency, destination_currency, rate, created_at, expires_at, transaction_id"
)
# As the idempotency purge: a batch of unused expired quotes found in expiry order (the plan walks the partial
# exchange_quotes_unused_expires_at_idx, which holds no used quote, and stops at the first one too recent) and
# deleted by row address (a TID scan), also as a generic plan. A quote an exchange locked and used while the
# batch waited for its row is re-evaluated on its new version (READ COMMITTED); the outer conditions refuse it
# there whatever the TID scan's own re-check does, so a used quote is never deleted. (Joining the batch back by
# id would delete it: the join re-uses the batch's old, unused row.)
PURGE_SQL: LiteralString = (
    "DELETE FROM exchange_quotes WHERE ctid = ANY(ARRAY("
    "SELECT ctid FROM exchange_quotes WHERE transaction_id IS NULL AND expires_at < %(before)s"
    " ORDER BY expires_at LIMIT %(limit)s)) AND transaction_id IS NULL AND expires_at < %(before)s"
)


class PostgresExchangeRates:
    def __init__(self, session: PostgresSession) -> None:
        self._session = session

    async def current(self, base: Currency, quote: Currency) -> ExchangeRate | None:
        row = await self._session.fetchone(
            "select",
            "exchange_rates",
            "SELECT rate, updated_at, updated_by FROM exchange_rates"
            " WHERE base_currency = %s AND quote_currency = %s",
            (base.code, quote.code),
        )
        return None if row is None else ExchangeRate(base, quote, Decimal(row[0]), row[1], row[2])

    async def put(self, rate: ExchangeRate) -> None:
        await self._session.execute(
            "upsert",
            "exchange_rates",
            "INSERT INTO exchange_rates (base_currency, quote_currency, rate, updated_at, updated_by)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (base_currency, quote_currency)"
            " DO UPDATE SET rate = EXCLUDED.rate, updated_at = EXCLUDED.updated_at,"
            " updated_by = EXCLUDED.updated_by",
            (rate.base.code, rate.quote.code, rate.rate, rate.updated_at, rate.updated_by),
        )


def _quote(row: tuple[Any, ...]) -> Quote:
    return Quote(
        row[0], row[1], Currency.of(row[2]), Currency.of(row[3]), Decimal(row[4]), row[5], row[6], row[7]
    )


class PostgresQuoteRepository:
    def __init__(self, session: PostgresSession) -> None:
        self._session = session

    async def add(self, quote: Quote) -> None:
        await self._session.execute(
            "insert",
            "exchange_quotes",
            "INSERT INTO exchange_quotes (id, user_id, source_currency, destination_currency, rate, created_at,"
            " expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                quote.id,
                quote.user_id,
                quote.source.code,
                quote.destination.code,
                quote.rate,
                quote.created_at,
                quote.expires_at,
            ),
        )

    async def get(self, quote_id: UUID, lock: bool = False) -> Quote | None:
        if lock:
            row = await self._session.fetchone(
                "lock",
                "exchange_quotes",
                f"SELECT {_QUOTE_COLUMNS} FROM exchange_quotes WHERE id = %s FOR UPDATE",
                (quote_id,),
            )
        else:
            row = await self._session.fetchone(
                "select",
                "exchange_quotes",
                f"SELECT {_QUOTE_COLUMNS} FROM exchange_quotes WHERE id = %s",
                (quote_id,),
            )
        return None if row is None else _quote(row)

    async def purge_expired(self, expired_before: datetime, batch_size: int) -> int:
        return await self._session.execute(
            "delete", "exchange_quotes", PURGE_SQL, {"before": expired_before, "limit": batch_size}
        )
