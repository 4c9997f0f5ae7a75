"""Reversals through the use cases, on both adapters: linked REVERSAL transactions with opposite entries,
partial until used up, who may reverse what and when."""

from __future__ import annotations

import asyncio

import pytest

from paybridge.application.ports.storage import PageRequest
from paybridge.application.use_cases.exchanges import ExchangeCommand
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.application.use_cases.reversals import ReverseCommand
from paybridge.domain.errors import (
    InsufficientFunds,
    NotReversible,
    ReversalExceedsAmount,
    ReversalNotPermitted,
    ReversalWindowClosed,
    TransactionNotFound,
)
from paybridge.domain.transactions import TransactionType
from paybridge.domain.users import Role
from tests.contract.conftest import ContainerFactory
from tests.contract.test_holds import events_of, funded
from tests.support.containers import FakeClock
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal


async def test_partial_reversals_until_used_up(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice, bob = await new_principal(container), await new_principal(container)
    admin = await new_principal(container, Role.ADMIN)
    a = await funded(container, alice, 10_000)
    b = await container.open_wallet()(bob, "USD")
    moved = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 3_000, "USD"), "t")
    reverse = container.reverse_transaction()
    original = moved.transaction.id

    first = await reverse(alice, ReverseCommand(original, "sent twice", 1_000), "r1")  # the sender, in time
    reversal = first.transaction
    assert reversal.type is TransactionType.REVERSAL and reversal.original_transaction_id == original
    assert (reversal.source_wallet_id, reversal.destination_wallet_id) == (b.id, a.id)
    assert reversal.description == "sent twice"
    assert (await container.get_transaction()(alice, original)).reversed_amount == 1_000
    assert (await container.get_wallet()(bob, b.id)).balance == 2_000
    entries = (await container.list_wallet_entries()(bob, b.id, PageRequest())).items
    assert (entries[0].transaction_id, entries[0].amount) == (reversal.id, -1_000)

    with pytest.raises(ReversalExceedsAmount) as too_much:
        await reverse(admin, ReverseCommand(original, "too much", 2_001), "r2")
    assert too_much.value.extra["remaining"] == 2_000
    rest = await reverse(admin, ReverseCommand(original, "the rest"), "r3")  # no amount: all that is left
    assert rest.transaction.amount.amount == 2_000
    assert (await container.get_transaction()(admin, original)).reversed_amount == 3_000
    with pytest.raises(ReversalExceedsAmount):
        await reverse(admin, ReverseCommand(original, "again", 1), "r4")
    assert (await container.get_wallet()(alice, a.id)).balance == 10_000
    replay = await reverse(alice, ReverseCommand(original, "sent twice", 1_000), "r1")
    assert replay.replayed and replay.transaction.id == reversal.id
    assert events_of(container, original) == [
        "transfer.completed",
        "transaction.reversed",
        "transaction.reversed",
    ]
    assert_ledger_invariants(container)


async def test_who_may_reverse_what(build_container: ContainerFactory) -> None:
    clock = FakeClock()
    container = await build_container(clock, reversal_window_seconds=600)
    alice, bob, carol = [await new_principal(container) for _ in range(3)]
    admin = await new_principal(container, Role.ADMIN)
    a = await funded(container, alice, 10_000)
    b = await container.open_wallet()(bob, "USD")
    a_eur = await container.open_wallet()(alice, "EUR")
    reverse = container.reverse_transaction()
    transfer = (
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 500, "USD"), "t")
    ).transaction
    withdrawal = (
        await container.withdraw_money()(alice, WithdrawalCommand(a.id, 100, "USD"), "w")
    ).transaction

    with pytest.raises(ReversalNotPermitted):  # the recipient is not the sender
        await reverse(bob, ReverseCommand(transfer.id, "mine now"), "x1")
    with pytest.raises(TransactionNotFound):  # not a party at all
        await reverse(carol, ReverseCommand(transfer.id, "nosy"), "x2")
    with pytest.raises(ReversalNotPermitted):  # owners reverse transfers only
        await reverse(alice, ReverseCommand(withdrawal.id, "undo"), "x3")
    clock.advance(seconds=601)
    with pytest.raises(ReversalWindowClosed):
        await reverse(alice, ReverseCommand(transfer.id, "too late"), "x4")
    await reverse(admin, ReverseCommand(withdrawal.id, "bank returned it"), "x5")  # administrators: any time
    assert (await container.get_wallet()(alice, a.id)).balance == 10_000 - 500

    await container.set_exchange_rate()(admin, "USD", "EUR", "0.9")
    exchanged = await container.exchange_currency()(alice, ExchangeCommand(a.id, a_eur.id, 100), "fx")
    with pytest.raises(NotReversible):
        await reverse(admin, ReverseCommand(exchanged.transaction.id, "no"), "x6")
    hold = (await container.place_hold()(alice, PlaceHoldCommand(a.id, 50, "USD"), "h")).hold
    assert hold is not None
    with pytest.raises(NotReversible):  # a pending hold is voided, not reversed
        await reverse(admin, ReverseCommand(hold.id, "no"), "x7")
    await container.capture_hold()(admin, hold.id, None, "cap")
    await reverse(admin, ReverseCommand(hold.id, "chargeback"), "x8")  # a captured hold can be
    reversal = await reverse(admin, ReverseCommand(transfer.id, "fraud", 200), "x9")
    with pytest.raises(NotReversible):
        await reverse(admin, ReverseCommand(reversal.transaction.id, "undo the undo"), "x10")

    await container.withdraw_money()(bob, WithdrawalCommand(b.id, 300, "USD"), "bob-spends")
    with pytest.raises(InsufficientFunds):  # the recipient spent it: nothing to take back
        await reverse(admin, ReverseCommand(transfer.id, "fraud", 1), "x11")
    assert_ledger_invariants(container)


async def test_a_deposit_reversal_returns_money_to_the_settlement_account(
    build_container: ContainerFactory,
) -> None:
    container = await build_container()
    alice, admin = await new_principal(container), await new_principal(container, Role.ADMIN)
    a = await container.open_wallet()(alice, "JPY")
    deposit = await container.deposit_money()(admin, DepositCommand(a.id, 5_000, "JPY"), "d")
    reversal = await container.reverse_transaction()(
        admin, ReverseCommand(deposit.transaction.id, "bounced"), "r"
    )
    assert (reversal.transaction.source_wallet_id, reversal.transaction.destination_wallet_id) == (a.id, None)
    assert (await container.get_wallet()(alice, a.id)).balance == 0
    assert_ledger_invariants(container)


async def test_concurrent_reversals_never_exceed_the_original(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice, bob = await new_principal(container), await new_principal(container)
    admin = await new_principal(container, Role.ADMIN)
    a = await funded(container, alice, 1_000)
    b = await container.open_wallet()(bob, "USD")
    original = (
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 1_000, "USD"), "t")
    ).transaction
    reverse = container.reverse_transaction()

    results = await asyncio.gather(
        *(reverse(admin, ReverseCommand(original.id, "batch", 150), f"r{i}") for i in range(20)),
        return_exceptions=True,
    )
    done = [r for r in results if not isinstance(r, BaseException)]
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(done) == 6 and all(isinstance(f, ReversalExceedsAmount) for f in failures), failures[:3]
    assert (await container.get_transaction()(admin, original.id)).reversed_amount == 900
    assert (await container.get_wallet()(bob, b.id)).balance == 100
    assert_ledger_invariants(container)
