"""Currency exchange through the use cases, on both adapters: rates, quotes, rounding across exponents
(JPY 0, USD 2, KWD 3), the four legs through the fx accounts, and the rules."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from paybridge.application.ports.storage import PageRequest
from paybridge.application.use_cases.exchanges import ExchangeCommand
from paybridge.bootstrap import Container
from paybridge.domain.errors import (
    AdminRequired,
    ExchangeAmountInvalid,
    ExchangeRateUnavailable,
    InsufficientFunds,
    InvalidExchangeRate,
    KycRequired,
    QuoteExpired,
    QuoteMismatch,
    QuoteNotFound,
    QuoteUsed,
    SameCurrency,
    WalletNotFound,
)
from paybridge.domain.money import Currency
from paybridge.domain.transactions import TransactionType
from paybridge.domain.users import Role
from paybridge.domain.wallets import FX, system_account_id
from tests.contract.conftest import ContainerFactory
from tests.contract.test_holds import funded
from tests.support.containers import FakeClock, outbox_events
from tests.support.invariants import assert_ledger_invariants, ledger_facts
from tests.support.kyc import new_principal

RATES = {
    ("USD", "JPY"): "149.5",
    ("JPY", "USD"): "0.0066889",
    ("USD", "KWD"): "0.3071",
    ("KWD", "JPY"): "486.1",
}


async def with_rates(container: Container) -> None:
    admin = await new_principal(container, Role.ADMIN)
    for (base, quote), rate in RATES.items():
        await container.set_exchange_rate()(admin, base, quote, rate)


@pytest.mark.parametrize(
    ("source", "target", "amount", "expected"),
    [
        ("USD", "JPY", 1_000, 1_495),  # $10.00 * 149.5 = 1495 yen, exactly
        ("USD", "JPY", 1, 1),  # $0.01 * 149.5 = 1.495 yen -> 1 (rounded down)
        ("JPY", "USD", 150, 100),  # 150 yen * 0.0066889 = $1.003335 -> 100 cents
        ("JPY", "USD", 149, 99),  # $0.9966461 -> 99 cents
        ("USD", "KWD", 12_345, 37_911),  # $123.45 * 0.3071 = 37.911195 KWD -> 37911 fils
        ("KWD", "JPY", 1, 0),  # 0.001 KWD * 486.1 = 0.4861 yen: less than a minor unit, refused
        ("KWD", "JPY", 1_000, 486),  # 1 KWD -> 486.1 yen -> 486
    ],
)
async def test_rounding_across_exponents(
    build_container: ContainerFactory, source: str, target: str, amount: int, expected: int
) -> None:
    container = await build_container()
    await with_rates(container)
    alice = await new_principal(container)
    s = await funded(container, alice, 10**9, source)
    t = await container.open_wallet()(alice, target)
    exchange = container.exchange_currency()
    if expected == 0:
        with pytest.raises(ExchangeAmountInvalid):
            await exchange(alice, ExchangeCommand(s.id, t.id, amount), "x")
        return
    done = await exchange(alice, ExchangeCommand(s.id, t.id, amount), "x")
    details = done.transaction.exchange
    assert done.transaction.type is TransactionType.EXCHANGE and details is not None
    assert details.destination_amount.amount == expected
    assert details.destination_amount.currency.code == target
    assert details.rate == Decimal(RATES[(source, target)])
    assert (await container.get_wallet()(alice, t.id)).balance == expected
    assert (await container.get_wallet()(alice, s.id)).balance == 10**9 - amount
    facts = assert_ledger_invariants(container)
    fx_source = str(system_account_id(FX, Currency.of(source)))
    fx_target = str(system_account_id(FX, Currency.of(target)))
    legs = sorted((e[2], e[3], e[4]) for e in facts.entries if e[1] == str(done.transaction.id))
    assert legs == sorted(
        [
            (str(s.id), source, -amount),
            (fx_source, source, amount),
            (fx_target, target, -expected),
            (str(t.id), target, expected),
        ]
    )


async def test_quotes_lock_a_rate_once_for_a_short_time(build_container: ContainerFactory) -> None:
    clock = FakeClock()
    container = await build_container(clock, exchange_quote_ttl_seconds=30)
    await with_rates(container)
    admin = await new_principal(container, Role.ADMIN)
    alice, bob = await new_principal(container), await new_principal(container)
    usd = await funded(container, alice, 100_000)
    jpy = await container.open_wallet()(alice, "JPY")
    quote_exchange, exchange = container.quote_exchange(), container.exchange_currency()

    quoted = await quote_exchange(alice, "USD", "JPY", 1_000)
    assert quoted.quote.rate == Decimal("149.5") and quoted.destination_amount is not None
    assert quoted.destination_amount.amount == 1_495
    assert quoted.quote.expires_at == clock.now() + timedelta(seconds=30)
    await container.set_exchange_rate()(admin, "USD", "JPY", "100")  # the market moves ...
    done = await exchange(alice, ExchangeCommand(usd.id, jpy.id, 1_000, quoted.quote.id), "q1")
    assert done.transaction.exchange is not None
    assert done.transaction.exchange.destination_amount.amount == 1_495  # ... the quote holds its rate
    with pytest.raises(QuoteUsed):
        await exchange(alice, ExchangeCommand(usd.id, jpy.id, 1_000, quoted.quote.id), "q2")
    without_quote = await exchange(alice, ExchangeCommand(usd.id, jpy.id, 1_000), "q3")
    assert without_quote.transaction.exchange is not None
    assert without_quote.transaction.exchange.destination_amount.amount == 1_000  # the current rate

    late = await quote_exchange(alice, "USD", "JPY")
    clock.advance(seconds=31)
    with pytest.raises(QuoteExpired):
        await exchange(alice, ExchangeCommand(usd.id, jpy.id, 1_000, late.quote.id), "q4")
    other = await quote_exchange(alice, "USD", "KWD")
    with pytest.raises(QuoteMismatch):
        await exchange(alice, ExchangeCommand(usd.id, jpy.id, 1_000, other.quote.id), "q5")
    bobs = await quote_exchange(bob, "USD", "JPY")
    with pytest.raises(QuoteNotFound):  # another user's quote does not exist for alice
        await exchange(alice, ExchangeCommand(usd.id, jpy.id, 1_000, bobs.quote.id), "q6")
    assert [
        e["event_type"] for e in outbox_events(container) if e["aggregate_id"] == str(done.transaction.id)
    ] == ["exchange.completed"]
    assert_ledger_invariants(container)


async def test_exchange_rules(build_container: ContainerFactory) -> None:
    container = await build_container()
    await with_rates(container)
    alice, bob = await new_principal(container), await new_principal(container)
    unverified = await new_principal(container, verified=False)
    usd = await funded(container, alice, 1_000)
    jpy = await container.open_wallet()(alice, "JPY")
    eur = await container.open_wallet()(alice, "EUR")
    bob_jpy = await container.open_wallet()(bob, "JPY")
    u_usd = await funded(container, unverified, 1_000)
    u_jpy = await container.open_wallet()(unverified, "JPY")
    exchange = container.exchange_currency()

    with pytest.raises(InsufficientFunds):
        await exchange(alice, ExchangeCommand(usd.id, jpy.id, 1_001), "e1")
    with pytest.raises(ExchangeRateUnavailable):
        await exchange(alice, ExchangeCommand(usd.id, eur.id, 1), "e2")
    with pytest.raises(WalletNotFound):  # both wallets must be the caller's own
        await exchange(alice, ExchangeCommand(usd.id, bob_jpy.id, 1), "e3")
    with pytest.raises(SameCurrency):
        await container.quote_exchange()(alice, "USD", "USD")
    with pytest.raises(KycRequired):
        await exchange(unverified, ExchangeCommand(u_usd.id, u_jpy.id, 10), "e4")
    with pytest.raises(AdminRequired):
        await container.set_exchange_rate()(alice, "USD", "EUR", "0.9")
    admin = await new_principal(container, Role.ADMIN)
    for bad in ("0", "-1", "1e3", "abc", "1.0000000000000000001", 1.5):
        with pytest.raises(InvalidExchangeRate):
            await container.set_exchange_rate()(admin, "USD", "EUR", bad)
    assert (await container.list_wallet_entries()(alice, jpy.id, PageRequest())).items == []
    assert_ledger_invariants(container)


async def test_one_quote_buys_once_under_concurrency(build_container: ContainerFactory) -> None:
    container = await build_container()
    await with_rates(container)
    alice = await new_principal(container)
    usd = await funded(container, alice, 100_000)
    jpy = await container.open_wallet()(alice, "JPY")
    quote = (await container.quote_exchange()(alice, "USD", "JPY")).quote
    exchange = container.exchange_currency()

    results = await asyncio.gather(
        *(exchange(alice, ExchangeCommand(usd.id, jpy.id, 100, quote.id), f"c{i}") for i in range(20)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, QuoteUsed) for r in results if isinstance(r, BaseException))
    assert (await container.get_wallet()(alice, jpy.id)).balance == 149
    assert_ledger_invariants(container)
    facts = ledger_facts(container)
    assert facts.wallets[str(system_account_id(FX, Currency.of("JPY")))]["balance"] <= -149
