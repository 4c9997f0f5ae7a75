"""Deposits, withdrawals and transfers through the use cases, on both adapters."""

from __future__ import annotations

import asyncio

import pytest

from paybridge.application.ports.storage import PageRequest
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.bootstrap import Container
from paybridge.domain.errors import (
    AdminRequired,
    CurrencyMismatch,
    IdempotencyKeyReused,
    IdempotencyRequestInProgress,
    InsufficientFunds,
    InvalidAmount,
    SameWallet,
    UnsupportedCurrency,
    WalletNotFound,
)
from paybridge.domain.users import Role
from tests.contract.conftest import UserMaker
from tests.support.containers import outbox_events


async def test_deposit_withdraw_transfer_keep_the_books_balanced(
    container: Container, make_user: UserMaker
) -> None:
    _, admin = await make_user(Role.ADMIN)
    _, alice = await make_user()
    _, bob = await make_user()
    a = await container.open_wallet()(alice, "EUR")
    b = await container.open_wallet()(bob, "EUR")

    deposited = await container.deposit_money()(
        admin, DepositCommand(a.id, 10_000, "EUR", reference="r-1"), "d-1"
    )
    moved = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 2_500, "EUR"), "t-1")
    taken = await container.withdraw_money()(bob, WithdrawalCommand(b.id, 500, "EUR"), "w-1")

    assert (await container.get_wallet()(alice, a.id)).balance == 7_500
    assert (await container.get_wallet()(bob, b.id)).balance == 2_000
    assert deposited.transaction.source_wallet_id is None and deposited.transaction.reference == "r-1"
    assert moved.transaction.source_wallet_id == a.id and moved.transaction.destination_wallet_id == b.id
    assert taken.transaction.destination_wallet_id is None

    entries = (await container.list_wallet_entries()(alice, a.id, PageRequest())).items
    assert [(e.amount, e.balance_after) for e in entries] == [(-2_500, 7_500), (10_000, 10_000)]
    emitted = [
        e
        for e in outbox_events(container)
        if e["aggregate_id"]
        in {str(deposited.transaction.id), str(moved.transaction.id), str(taken.transaction.id)}
    ]
    assert [e["event_type"] for e in emitted] == [
        "deposit.completed",
        "transfer.completed",
        "withdrawal.completed",
    ]
    assert emitted[1]["payload"]["amount"] == 2_500 and emitted[1]["payload"]["currency"] == "EUR"


async def test_business_rules_are_enforced(container: Container, make_user: UserMaker) -> None:
    _, admin = await make_user(Role.ADMIN)
    _, alice = await make_user()
    _, bob = await make_user()
    a = await container.open_wallet()(alice, "USD")
    a_jpy = await container.open_wallet()(alice, "JPY")
    b = await container.open_wallet()(bob, "USD")
    await container.deposit_money()(admin, DepositCommand(a.id, 1_000, "USD"), "seed")

    with pytest.raises(AdminRequired):
        await container.deposit_money()(alice, DepositCommand(a.id, 1, "USD"), "k1")
    with pytest.raises(InsufficientFunds):
        await container.withdraw_money()(alice, WithdrawalCommand(a.id, 1_001, "USD"), "k2")
    with pytest.raises(SameWallet):
        await container.transfer_money()(alice, TransferCommand(a.id, a.id, 1, "USD"), "k3")
    with pytest.raises(CurrencyMismatch):
        await container.transfer_money()(alice, TransferCommand(a.id, a_jpy.id, 1, "USD"), "k4")
    with pytest.raises(CurrencyMismatch):
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 1, "EUR"), "k5")
    with pytest.raises(WalletNotFound):  # someone else's wallet as the source: reported as not found
        await container.transfer_money()(bob, TransferCommand(a.id, b.id, 1, "USD"), "k6")
    with pytest.raises(WalletNotFound):
        await container.withdraw_money()(bob, WithdrawalCommand(a.id, 1, "USD"), "k7")
    for bad in (0, -5, 1.5, "10", True, 10**18 + 1):
        with pytest.raises(InvalidAmount):
            await container.transfer_money()(alice, TransferCommand(a.id, b.id, bad, "USD"), "k8")
    with pytest.raises(UnsupportedCurrency):
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 1, "XYZ"), "k9")
    assert (await container.get_wallet()(alice, a.id)).balance == 1_000
    assert (await container.get_wallet()(bob, b.id)).balance == 0


async def test_idempotent_retries_replay_outcomes(container: Container, make_user: UserMaker) -> None:
    _, admin = await make_user(Role.ADMIN)
    _, alice = await make_user()
    _, bob = await make_user()
    a = await container.open_wallet()(alice, "USD")
    b = await container.open_wallet()(bob, "USD")
    await container.deposit_money()(admin, DepositCommand(a.id, 1_000, "USD"), "seed")

    first = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 300, "USD"), "same")
    again = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 300, "USD"), "same")
    assert not first.replayed and again.replayed
    assert again.transaction == first.transaction
    with pytest.raises(IdempotencyKeyReused):
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 301, "USD"), "same")
    # keys are scoped to the principal: bob may use the same key for his own request
    await container.transfer_money()(bob, TransferCommand(b.id, a.id, 1, "USD"), "same")

    with pytest.raises(InsufficientFunds) as refused:
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 5_000, "USD"), "too-much")
    assert not refused.value.replayed
    await container.deposit_money()(admin, DepositCommand(a.id, 10_000, "USD"), "top-up")
    with pytest.raises(InsufficientFunds) as replayed:  # the stored business outcome replays, even now
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 5_000, "USD"), "too-much")
    assert replayed.value.replayed
    assert (await container.get_wallet()(alice, a.id)).balance == 1_000 - 300 + 1 + 10_000


async def test_concurrent_identical_requests_move_money_once(
    container: Container, make_user: UserMaker
) -> None:
    _, admin = await make_user(Role.ADMIN)
    _, alice = await make_user()
    a = await container.open_wallet()(alice, "USD")
    deposit = container.deposit_money()

    results = await asyncio.gather(
        *(deposit(admin, DepositCommand(a.id, 700, "USD"), "burst") for _ in range(50)),
        return_exceptions=True,
    )
    successes = [r for r in results if not isinstance(r, BaseException)]
    failures = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(f, IdempotencyRequestInProgress) for f in failures), failures
    assert len({r.transaction.id for r in successes}) == 1
    assert sum(not r.replayed for r in successes) == 1
    assert (await container.get_wallet()(alice, a.id)).balance == 700
    page = await container.list_transactions()(alice, PageRequest(limit=100))
    assert len(page.items) == 1
