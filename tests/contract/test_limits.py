"""Outgoing limits through the use cases, on both adapters: currency defaults from the configuration,
per-wallet overrides, UTC day and month periods, what counts, and concurrent debits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from paybridge.application.use_cases.exchanges import ExchangeCommand
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.application.use_cases.reversals import ReverseCommand
from paybridge.domain.errors import AdminRequired, LimitExceeded, ValidationFailed
from paybridge.domain.users import Role
from tests.contract.conftest import ContainerFactory
from tests.contract.test_holds import funded
from tests.support.containers import FakeClock
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal

LIMITS = "USD:daily=1000,monthly=1500;JPY:monthly=100000"


async def test_daily_and_monthly_limits_with_remaining_allowance(build_container: ContainerFactory) -> None:
    clock = FakeClock(datetime(2026, 3, 30, 22, 0, tzinfo=UTC))
    container = await build_container(clock, outgoing_limits=LIMITS)
    alice, bob = await new_principal(container), await new_principal(container)
    a = await funded(container, alice, 100_000)
    b = await container.open_wallet()(bob, "USD")
    withdraw, transfer = container.withdraw_money(), container.transfer_money()

    await withdraw(alice, WithdrawalCommand(a.id, 600, "USD"), "w1")
    await transfer(alice, TransferCommand(a.id, b.id, 300, "USD"), "t1")
    with pytest.raises(LimitExceeded) as refused:
        await withdraw(alice, WithdrawalCommand(a.id, 101, "USD"), "w2")
    assert refused.value.extra == {
        "wallet_id": str(a.id),
        "limit": "daily",
        "currency": "USD",
        "remaining": 100,
        "daily_remaining": 100,
        "monthly_remaining": 600,
    }
    await withdraw(alice, WithdrawalCommand(a.id, 100, "USD"), "w3")  # exactly up to the limit
    _, current = await container.get_wallet_limits()(alice, a.id)
    assert (current.daily_used, current.monthly_used, current.daily_remaining) == (1_000, 1_000, 0)

    clock.advance(hours=3)  # 2026-03-31 01:00 UTC: a new day, the same month
    with pytest.raises(LimitExceeded) as monthly:
        await withdraw(alice, WithdrawalCommand(a.id, 501, "USD"), "w4")
    assert monthly.value.extra["limit"] == "monthly" and monthly.value.extra["remaining"] == 500
    await withdraw(alice, WithdrawalCommand(a.id, 500, "USD"), "w5")

    clock.advance(days=1)  # April: both periods start again
    await withdraw(alice, WithdrawalCommand(a.id, 1_000, "USD"), "w6")
    _, current = await container.get_wallet_limits()(alice, a.id)
    assert (current.daily_used, current.monthly_used) == (1_000, 1_000)
    # receiving is never limited; bob's wallet has its own allowance
    await transfer(bob, TransferCommand(b.id, a.id, 300, "USD"), "t2")
    assert_ledger_invariants(container)


async def test_admin_overrides_and_what_counts(build_container: ContainerFactory) -> None:
    container = await build_container(outgoing_limits=LIMITS)
    alice, admin = await new_principal(container), await new_principal(container, Role.ADMIN)
    a = await funded(container, alice, 100_000)
    a_jpy = await container.open_wallet()(alice, "JPY")
    await container.set_exchange_rate()(admin, "USD", "JPY", "150")

    with pytest.raises(AdminRequired):
        await container.set_wallet_limits()(alice, a.id, 10**9, None)
    with pytest.raises(ValidationFailed):
        await container.set_wallet_limits()(admin, a.id, -1, None)
    updated = await container.set_wallet_limits()(admin, a.id, 2_000, None)  # own daily; monthly: default
    assert (updated.limits.daily, updated.limits.monthly) == (2_000, None)
    _, current = await container.get_wallet_limits()(alice, a.id)
    assert (current.limits.daily, current.limits.monthly) == (2_000, 1_500)

    hold = (await container.place_hold()(alice, PlaceHoldCommand(a.id, 800, "USD"), "h")).hold
    assert hold is not None  # a hold counts when placed ...
    with pytest.raises(LimitExceeded):
        await container.withdraw_money()(alice, WithdrawalCommand(a.id, 701, "USD"), "w1")
    await container.capture_hold()(alice, hold.id, 300, "c")  # ... and a partial capture gives back the rest
    _, current = await container.get_wallet_limits()(alice, a.id)
    assert current.monthly_used == 300
    await container.exchange_currency()(alice, ExchangeCommand(a.id, a_jpy.id, 1_000), "x")  # exchanges count
    with pytest.raises(LimitExceeded):
        await container.withdraw_money()(alice, WithdrawalCommand(a.id, 201, "USD"), "w2")
    original = (
        await container.withdraw_money()(alice, WithdrawalCommand(a.id, 200, "USD"), "w3")
    ).transaction
    await container.deposit_money()(admin, DepositCommand(a.id, 5, "USD"), "d")  # deposits are not counted
    _, current = await container.get_wallet_limits()(alice, a.id)
    assert (current.monthly_used, current.monthly_remaining) == (1_500, 0)
    # a reversal counts against nothing, and gives the reversed withdrawal back (test_reversal_allowance.py)
    await container.reverse_transaction()(admin, ReverseCommand(original.id, "returned"), "r")
    _, current = await container.get_wallet_limits()(alice, a.id)
    assert (current.monthly_used, current.monthly_remaining) == (1_300, 200)

    await container.set_wallet_limits()(admin, a.id, 10**12, 10**12)  # lift both caps for this wallet
    await container.withdraw_money()(alice, WithdrawalCommand(a.id, 400, "USD"), "w4")
    assert_ledger_invariants(container)


async def test_concurrent_withdrawals_never_exceed_the_limit(build_container: ContainerFactory) -> None:
    container = await build_container(outgoing_limits="USD:daily=1000")
    alice = await new_principal(container)
    a = await funded(container, alice, 100_000)
    withdraw = container.withdraw_money()

    results = await asyncio.gather(
        *(withdraw(alice, WithdrawalCommand(a.id, 100, "USD"), f"w{i}") for i in range(25)),
        return_exceptions=True,
    )
    done = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(done) == 10, refused[:3]
    assert all(isinstance(r, LimitExceeded) for r in refused), refused[:3]
    assert (await container.get_wallet()(alice, a.id)).balance == 99_000
    assert_ledger_invariants(container)
