"""Exchange-rate ports. Use cases read rates through `ExchangeRateProvider`, inside their unit of work (so a
quote or an exchange reads the rate in the same transaction that uses it). The shipped adapters keep rates in
storage (the `exchange_rates` table), maintained by administrators through `ExchangeRateStore`; a market-data
feed would write the same table from a job rather than be called on the money path.

Rates: 1 major unit of `base` buys `rate` major units of `quote`, an exact `Decimal`. Only the direct pair is
used: USD→JPY and JPY→USD are two rates (typically with a spread), never derived from each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from paybridge.domain.exchange import ExchangeRate, Quote
from paybridge.domain.money import Currency


class ExchangeRateProvider(Protocol):
    async def current(self, base: Currency, quote: Currency) -> ExchangeRate | None:
        """The rate of the pair now, None when there is none."""


class ExchangeRateStore(ExchangeRateProvider, Protocol):
    async def put(self, rate: ExchangeRate) -> None:
        """Creates or replaces the pair's rate."""


class QuoteRepository(Protocol):
    async def add(self, quote: Quote) -> None: ...

    async def get(self, quote_id: UUID, lock: bool = False) -> Quote | None:
        """With `lock`, the quote's row stays locked until the unit of work ends (take it before wallets)."""

    async def purge_expired(self, expired_before: datetime, batch_size: int) -> int:
        """Deletes up to `batch_size` quotes that expired before `expired_before` and were never used by an
        exchange, earliest expiry first; returns how many.

        Used quotes are never deleted. Nothing references a quote (its `transaction_id` points at the
        exchange, not the other way round) and a replayed exchange answers from its idempotency record
        without reading the quote — but the used quote is the only record of which quote an exchange used
        (the transaction keeps the rate, not the quote), and a retry that arrives after its idempotency key
        expired must still be refused as `quote_used`, never find the quote gone. An unused quote can no
        longer buy anything once it expired; it is kept for the caller's retention period (the purge passes
        `now - retention` as `expired_before`), during which an exchange naming it is still told
        `quote_expired` rather than `quote_not_found`. A quote an exchange uses while a batch runs is not
        deleted."""
