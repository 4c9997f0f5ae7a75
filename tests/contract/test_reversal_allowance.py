"""A reversal gives the outgoing allowance back, on both adapters: reversing a withdrawal, a transfer or a
captured hold returns the reversed amount to the original source wallet's usage for the UTC day and month the
original was counted in, only while that period is still current and never below zero; the wallet debited by
the reversal keeps its own usage, and the reversal itself counts against nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import TransferCommand, WithdrawalCommand
from paybridge.application.use_cases.reversals import ReverseCommand
from paybridge.bootstrap import Container
from paybridge.domain.errors import LimitExceeded
from paybridge.domain.limits import OutgoingUsage
from paybridge.domain.users import Role
from tests.contract.conftest import ContainerFactory
from tests.contract.test_holds import funded
from tests.support.containers import FakeClock
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal

LIMITS = "USD:daily=1000,monthly=1500"


async def used(container: Container, owner: Principal, wallet_id: UUID) -> tuple[int, int]:
    """What the wallet has used of its daily and monthly allowance now."""
    _, current = await container.get_wallet_limits()(owner, wallet_id)
    return current.daily_used, current.monthly_used


async def test_a_same_day_reversal_gives_back_exactly_the_reversed_amount(
    build_container: ContainerFactory,
) -> None:
    clock = FakeClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    container = await build_container(clock, outgoing_limits=LIMITS)
    alice, bob = await new_principal(container), await new_principal(container)
    admin = await new_principal(container, Role.ADMIN)
    a, b = await funded(container, alice, 10_000), await funded(container, bob, 10_000)
    withdraw, transfer, reverse = (
        container.withdraw_money(),
        container.transfer_money(),
        container.reverse_transaction(),
    )
    await withdraw(bob, WithdrawalCommand(b.id, 100, "USD"), "bob-w")
    sent = (await transfer(alice, TransferCommand(a.id, b.id, 1_000, "USD"), "t")).transaction
    assert await used(container, alice, a.id) == (1_000, 1_000)
    with pytest.raises(LimitExceeded):
        await withdraw(alice, WithdrawalCommand(a.id, 1, "USD"), "w0")

    clock.advance(minutes=30)  # later the same day, within the sender's reversal window
    await reverse(alice, ReverseCommand(sent.id, "wrong payee", 400), "r1")  # the sender, in part
    assert await used(container, alice, a.id) == (600, 600)
    assert await used(container, bob, b.id) == (100, 100)  # the reversing wallet's own usage is untouched
    await reverse(admin, ReverseCommand(sent.id, "the rest"), "r2")  # the remaining 600
    assert await used(container, alice, a.id) == (0, 0)
    replay = await reverse(alice, ReverseCommand(sent.id, "wrong payee", 400), "r1")
    assert replay.replayed and await used(container, alice, a.id) == (0, 0)  # nothing given back twice

    withdrawal = (await withdraw(alice, WithdrawalCommand(a.id, 300, "USD"), "w1")).transaction
    hold = (await container.place_hold()(alice, PlaceHoldCommand(a.id, 500, "USD"), "h")).hold
    assert hold is not None
    await container.capture_hold()(alice, hold.id, 200, "c")  # the uncaptured 300 is given back
    assert await used(container, alice, a.id) == (500, 500)
    await reverse(admin, ReverseCommand(withdrawal.id, "bank returned it"), "r3")
    await reverse(admin, ReverseCommand(hold.id, "merchant refund", 150), "r4")  # a captured hold, in part
    assert await used(container, alice, a.id) == (50, 50)
    assert await used(container, bob, b.id) == (100, 100)

    await transfer(alice, TransferCommand(a.id, b.id, 950, "USD"), "t2")  # the allowance really is back
    _, current = await container.get_wallet_limits()(alice, a.id)
    assert (current.daily_used, current.remaining) == (1_000, 0)
    assert_ledger_invariants(container)


async def test_a_reversal_in_a_later_period_restores_nothing_to_the_new_one(
    build_container: ContainerFactory,
) -> None:
    clock = FakeClock(datetime(2026, 3, 30, 22, 0, tzinfo=UTC))
    container = await build_container(clock, outgoing_limits=LIMITS)
    alice, bob = await new_principal(container), await new_principal(container)
    admin = await new_principal(container, Role.ADMIN)
    a, b = await funded(container, alice, 10_000), await container.open_wallet()(bob, "USD")
    withdraw, reverse = container.withdraw_money(), container.reverse_transaction()
    sent = (await container.transfer_money()(alice, TransferCommand(a.id, b.id, 600, "USD"), "t")).transaction

    clock.advance(hours=3)  # 2026-03-31 01:00: a new day, the same month
    first = (await withdraw(alice, WithdrawalCommand(a.id, 200, "USD"), "w1")).transaction
    assert await used(container, alice, a.id) == (200, 800)
    await reverse(admin, ReverseCommand(sent.id, "returned"), "r1")
    assert await used(container, alice, a.id) == (200, 200)  # the day is over; the month gets 600 back

    clock.advance(days=1)  # 2026-04-01 01:00: a new day and a new month
    second = (await withdraw(alice, WithdrawalCommand(a.id, 100, "USD"), "w2")).transaction
    await reverse(admin, ReverseCommand(first.id, "returned"), "r2")  # counted in March
    assert await used(container, alice, a.id) == (100, 100)
    wallet = await container.get_wallet()(alice, a.id)
    assert wallet.usage == OutgoingUsage(date(2026, 4, 1), 100, date(2026, 4, 1), 100)

    clock.advance(days=1)  # 2026-04-02: April is still current, April 1st is not
    await reverse(admin, ReverseCommand(second.id, "returned"), "r3")
    assert await used(container, alice, a.id) == (0, 0)
    await withdraw(alice, WithdrawalCommand(a.id, 1_000, "USD"), "w3")
    assert await used(container, alice, a.id) == (1_000, 1_000)
    assert_ledger_invariants(container)


async def test_a_reversal_never_takes_usage_below_zero(build_container: ContainerFactory) -> None:
    clock = FakeClock(datetime(2026, 4, 1, 0, 10, tzinfo=UTC))
    container = await build_container(clock, outgoing_limits=LIMITS)
    alice, bob = await new_principal(container), await new_principal(container)
    admin = await new_principal(container, Role.ADMIN)
    a, b = await funded(container, alice, 10_000), await container.open_wallet()(bob, "USD")
    withdraw = container.withdraw_money()
    sent = (
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 1_000, "USD"), "t")
    ).transaction

    # A server whose clock lags counts a withdrawal in March: the stored periods become March's, and the
    # next April debit starts April's anew, so April 1st holds less than the transfer counted in it.
    clock.advance(minutes=-20)
    await withdraw(alice, WithdrawalCommand(a.id, 10, "USD"), "w1")
    clock.advance(minutes=30)
    await withdraw(alice, WithdrawalCommand(a.id, 20, "USD"), "w2")
    assert await used(container, alice, a.id) == (20, 20)

    await container.reverse_transaction()(admin, ReverseCommand(sent.id, "returned"), "r")
    wallet = await container.get_wallet()(alice, a.id)
    assert wallet.usage == OutgoingUsage(date(2026, 4, 1), 0, date(2026, 4, 1), 0)
    _, current = await container.get_wallet_limits()(alice, a.id)
    assert (current.daily_used, current.monthly_used, current.remaining) == (0, 0, 1_000)
    assert_ledger_invariants(container)
