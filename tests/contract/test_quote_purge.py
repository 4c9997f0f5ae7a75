"""Purging expired exchange quotes, on both adapters, with a controlled clock: a quote no exchange used is
deleted once it expired more than the retention period ago, earliest expiry first and in bounded batches; a
used quote is never deleted, and neither replays nor late retries of exchanges change their answer.

Each PostgreSQL test gets its own freshly migrated database, so that purges count only this test's quotes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.exchanges import ExchangeCommand
from paybridge.application.use_cases.maintenance import PurgeExpiredQuotes
from paybridge.bootstrap import Container
from paybridge.domain.errors import QuoteExpired, QuoteNotFound, QuoteUsed
from paybridge.domain.wallets import Wallet
from tests.contract.test_exchange import with_rates
from tests.contract.test_holds import funded
from tests.support.containers import Clocked, clocked_container
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal
from tests.support.postgres import DatabaseFactory

TTL_SECONDS = 60
RETENTION_SECONDS = 3_600


@pytest.fixture(params=["memory", "postgres"])
async def clocked(request: pytest.FixtureRequest) -> AsyncIterator[Clocked]:
    settings: dict[str, Any] = {
        "exchange_quote_ttl_seconds": TTL_SECONDS,
        "exchange_quote_retention_seconds": RETENTION_SECONDS,
    }
    factory: DatabaseFactory | None = (
        request.getfixturevalue("new_database") if request.param == "postgres" else None
    )
    async with clocked_container(factory("pbquote") if factory else None, **settings) as clocked:
        yield clocked


@dataclass
class Trader:
    principal: Principal
    usd: Wallet
    jpy: Wallet


async def trader(container: Container) -> Trader:
    principal = await new_principal(container)
    usd = await funded(container, principal, 100_000)
    return Trader(principal, usd, await container.open_wallet()(principal, "JPY"))


async def quote(container: Container, who: Trader) -> UUID:
    return (await container.quote_exchange()(who.principal, "USD", "JPY")).quote.id


async def exists(container: Container, quote_id: UUID) -> bool:
    async with container.uow_factory()() as uow:
        return await uow.quotes.get(quote_id) is not None


async def test_unused_quotes_go_after_their_retention_used_ones_stay(clocked: Clocked) -> None:
    container, clock = clocked.container, clocked.clock
    purge = container.purge_expired_quotes()
    exchange = container.exchange_currency()
    assert await purge() == 0
    await with_rates(container)
    alice, bob = await trader(container), await trader(container)

    used = await quote(container, alice)
    bought = await exchange(alice.principal, ExchangeCommand(alice.usd.id, alice.jpy.id, 1_000, used), "buy")
    unused, named_late = await quote(container, alice), await quote(container, alice)
    bobs = await quote(container, bob)

    clock.advance(seconds=TTL_SECONDS)  # all four expired just now: nothing is due yet
    assert await purge() == 0
    late = ExchangeCommand(alice.usd.id, alice.jpy.id, 1_000, named_late)
    with pytest.raises(QuoteExpired):  # within the retention an exchange naming it hears why
        await exchange(alice.principal, late, "late")

    clock.advance(seconds=RETENTION_SECONDS)  # expired exactly the retention ago: still kept
    assert await purge() == 0
    clock.advance(seconds=1)
    assert await purge() == 3  # alice's two unused quotes and bob's
    assert await purge() == 0
    kept = [await exists(container, q) for q in (used, unused, named_late, bobs)]
    assert kept == [True, False, False, False]

    # replays answer from their idempotency records, the quote row is not needed
    replay = await exchange(alice.principal, ExchangeCommand(alice.usd.id, alice.jpy.id, 1_000, used), "buy")
    assert replay.replayed and replay.transaction == bought.transaction
    with pytest.raises(QuoteExpired) as refused:
        await exchange(alice.principal, late, "late")
    assert refused.value.replayed
    # a new request naming the used quote is still refused as used; a purged one is not found
    again = ExchangeCommand(alice.usd.id, alice.jpy.id, 1_000, used)
    with pytest.raises(QuoteUsed):
        await exchange(alice.principal, again, "buy-again")
    with pytest.raises(QuoteNotFound):
        await exchange(alice.principal, ExchangeCommand(alice.usd.id, alice.jpy.id, 1_000, unused), "gone")

    clock.advance(days=365)
    fresh = await quote(container, alice)
    assert await purge() == 0  # the used quote is never purged, the fresh one is not due
    assert await exists(container, used) and await exists(container, fresh)
    assert (await container.get_wallet()(alice.principal, alice.jpy.id)).balance == 1_495
    assert_ledger_invariants(container)


async def test_batches_go_earliest_expiry_first(clocked: Clocked) -> None:
    container, clock = clocked.container, clocked.clock
    await with_rates(container)
    alice = await trader(container)
    quotes = []
    for _ in range(5):
        quotes.append(await quote(container, alice))
        clock.advance(seconds=10)
    clock.advance(seconds=TTL_SECONDS + RETENTION_SECONDS)  # every one is due

    async with container.uow_factory()() as uow:
        assert await uow.quotes.purge_expired(clock.now() - timedelta(seconds=RETENTION_SECONDS), 2) == 2
        await uow.commit()
    assert [await exists(container, q) for q in quotes] == [False, False, True, True, True]
    async with container.uow_factory()() as uow:  # not committed: nothing is deleted
        assert await uow.quotes.purge_expired(clock.now(), 10) == 3
    assert [await exists(container, q) for q in quotes] == [False, False, True, True, True]

    in_twos = PurgeExpiredQuotes(container.uow_factory(), clock, RETENTION_SECONDS, batch_size=2)
    assert await in_twos() == 3  # batches of 2 and 1, each its own unit of work
    assert await in_twos() == 0
    assert not any([await exists(container, q) for q in quotes])


async def test_a_zero_retention_purges_as_soon_as_a_quote_expired(clocked: Clocked) -> None:
    container, clock = clocked.container, clocked.clock
    await with_rates(container)
    alice = await trader(container)
    quote_id = await quote(container, alice)
    at_once = PurgeExpiredQuotes(container.uow_factory(), clock, retention_seconds=0)
    clock.advance(seconds=TTL_SECONDS - 1)
    assert await at_once() == 0  # still usable
    clock.advance(seconds=1)
    assert await at_once() == 0  # it expires at this instant: not yet *before* now - 0
    clock.advance(seconds=1)
    assert await at_once() == 1
    assert not await exists(container, quote_id)
