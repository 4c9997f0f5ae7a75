"""In-memory holds, exchange rates and quotes over one unit of work's working copy of `InMemoryState`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from paybridge.adapters.memory.repositories import page_of
from paybridge.adapters.memory.state import InMemoryDatabase, InMemoryState
from paybridge.application.ports.storage import HoldQuery, Page, PageRequest
from paybridge.domain.exchange import ExchangeRate, Quote
from paybridge.domain.holds import Hold, HoldStatus
from paybridge.domain.money import Currency


class InMemoryHoldRepository:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    async def get(self, hold_id: UUID, lock: bool = False) -> Hold | None:
        return self._state.holds.get(hold_id)

    async def lock_due(
        self, now: datetime, limit: int, wallet_ids: Sequence[UUID] | None = None
    ) -> list[Hold]:
        wanted = None if wallet_ids is None else set(wallet_ids)
        due = [
            h
            for h in self._state.holds.values()
            if h.status is HoldStatus.PENDING
            and h.expires_at <= now
            and (wanted is None or h.wallet_id in wanted)
        ]
        return sorted(due, key=lambda h: h.expires_at)[:limit]

    async def list_holds(self, query: HoldQuery, page: PageRequest) -> Page[Hold]:
        """A hold's position is its HOLD transaction's: positions come from one counter, in order of writing."""
        wanted = None if query.wallet_ids is None else set(query.wallet_ids)
        matching = [
            h
            for h in self._state.holds.values()
            if (wanted is None or h.involves(wanted)) and (query.status is None or h.status is query.status)
        ]
        return page_of(matching, lambda h: self._state.transaction_positions[h.id], page)


class InMemoryExchangeRates:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    async def current(self, base: Currency, quote: Currency) -> ExchangeRate | None:
        return self._state.rates.get((base.code, quote.code))

    async def put(self, rate: ExchangeRate) -> None:
        self._state.rates[(rate.base.code, rate.quote.code)] = rate


class InMemoryQuoteRepository:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    async def add(self, quote: Quote) -> None:
        self._state.quotes[quote.id] = quote

    async def get(self, quote_id: UUID, lock: bool = False) -> Quote | None:
        return self._state.quotes.get(quote_id)

    async def purge_expired(self, expired_before: datetime, batch_size: int) -> int:
        unused = [q for q in self._state.quotes.values() if q.transaction_id is None]
        due = sorted((q for q in unused if q.expires_at < expired_before), key=lambda q: q.expires_at)[
            :batch_size
        ]
        for quote in due:
            del self._state.quotes[quote.id]
        return len(due)


def committed_holds(database: InMemoryDatabase) -> list[Hold]:
    """Every committed hold (for tests and diagnostics)."""
    return list(database.state.holds.values())
