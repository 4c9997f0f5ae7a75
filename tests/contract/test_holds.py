"""Holds (authorize → capture / void / expire) through the use cases, on both adapters."""

from __future__ import annotations

import asyncio

import pytest

from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import PageRequest
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.bootstrap import Container
from paybridge.domain.errors import (
    CaptureExceedsHold,
    CurrencyMismatch,
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    InsufficientFunds,
    InvalidHoldExpiry,
    KycRequired,
    WalletNotActive,
)
from paybridge.domain.holds import HoldStatus
from paybridge.domain.transactions import TransactionStatus, TransactionType
from paybridge.domain.users import Role
from paybridge.domain.wallets import Wallet, WalletStatus
from tests.contract.conftest import ContainerFactory
from tests.support.containers import FakeClock, outbox_events
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal


async def funded(container: Container, owner: Principal, amount: int, currency: str = "USD") -> Wallet:
    wallet = await container.open_wallet()(owner, currency)
    admin = await new_principal(container, Role.ADMIN, verified=False)
    await container.deposit_money()(admin, DepositCommand(wallet.id, amount, currency), f"seed-{wallet.id}")
    return wallet


def events_of(container: Container, aggregate_id: object) -> list[str]:
    return [e["event_type"] for e in outbox_events(container) if e["aggregate_id"] == str(aggregate_id)]


async def test_partial_capture_moves_money_and_releases_the_rest(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice, bob = await new_principal(container), await new_principal(container)
    a = await funded(container, alice, 10_000)
    b = await container.open_wallet()(bob, "USD")

    placed = await container.place_hold()(
        alice, PlaceHoldCommand(a.id, 3_000, "USD", destination_wallet_id=b.id, description="order 7"), "h-1"
    )
    hold = placed.hold
    assert hold is not None and hold.status is HoldStatus.PENDING and hold.id == placed.transaction.id
    assert placed.transaction.type is TransactionType.HOLD
    assert placed.transaction.status is TransactionStatus.PENDING
    wallet = await container.get_wallet()(alice, a.id)
    assert (wallet.balance, wallet.held, wallet.available) == (10_000, 3_000, 7_000)
    assert (await container.list_wallet_entries()(alice, a.id, PageRequest())).items[0].amount == 10_000
    with pytest.raises(InsufficientFunds):  # withdrawals see only what is available
        await container.withdraw_money()(alice, WithdrawalCommand(a.id, 7_001, "USD"), "w-too-much")
    await container.transfer_money()(alice, TransferCommand(a.id, b.id, 7_000, "USD"), "t-rest")

    captured = await container.capture_hold()(bob, hold.id, 2_000, "c-1")  # the payee captures
    assert captured.hold is not None and captured.hold.status is HoldStatus.CAPTURED
    assert captured.hold.captured_amount == 2_000
    txn = await container.get_transaction()(alice, hold.id)
    assert (txn.status, txn.amount.amount, txn.description) == (TransactionStatus.COMPLETED, 2_000, "order 7")
    wallet = await container.get_wallet()(alice, a.id)
    assert (wallet.balance, wallet.held, wallet.available) == (1_000, 0, 1_000)
    assert (await container.get_wallet()(bob, b.id)).balance == 9_000
    entries = (await container.list_wallet_entries()(bob, b.id, PageRequest())).items
    assert [(e.transaction_id, e.amount) for e in entries[:1]] == [(hold.id, 2_000)]

    with pytest.raises(HoldNotPending):
        await container.capture_hold()(alice, hold.id, None, "c-2")
    with pytest.raises(HoldNotPending):
        await container.void_hold()(bob, hold.id, None, "v-1")
    again = await container.capture_hold()(bob, hold.id, 2_000, "c-1")
    assert again.replayed and again.hold == captured.hold
    assert events_of(container, hold.id) == ["hold.created", "hold.captured"]
    assert_ledger_invariants(container)


async def test_void_releases_the_hold(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice = await new_principal(container)
    a = await funded(container, alice, 500)
    placed = await container.place_hold()(alice, PlaceHoldCommand(a.id, 500, "USD"), "h")  # to settlement
    assert placed.hold is not None and placed.hold.destination_wallet_id is None

    voided = await container.void_hold()(alice, placed.hold.id, "customer cancelled", "v")
    assert voided.hold is not None and voided.hold.status is HoldStatus.VOIDED
    assert voided.transaction.status is TransactionStatus.CANCELLED
    assert (await container.get_wallet()(alice, a.id)).available == 500
    with pytest.raises(HoldNotPending):
        await container.capture_hold()(alice, placed.hold.id, None, "c")
    assert events_of(container, placed.hold.id) == ["hold.created", "hold.voided"]
    assert_ledger_invariants(container)


async def test_capture_without_destination_pays_the_settlement_account(
    build_container: ContainerFactory,
) -> None:
    container = await build_container()
    alice, admin = await new_principal(container), await new_principal(container, Role.ADMIN)
    a = await funded(container, alice, 800)
    placed = await container.place_hold()(alice, PlaceHoldCommand(a.id, 800, "USD"), "h")
    assert placed.hold is not None
    await container.capture_hold()(admin, placed.hold.id, None, "c")  # an administrator captures it all
    assert (await container.get_wallet()(alice, a.id)).balance == 0
    assert_ledger_invariants(container)


async def test_expired_holds_are_released_by_reads_operations_and_the_sweeper(
    build_container: ContainerFactory,
) -> None:
    clock = FakeClock()
    container = await build_container(clock)
    alice, bob = await new_principal(container), await new_principal(container)
    a = await funded(container, alice, 3_000)
    b = await container.open_wallet()(bob, "USD")
    place = container.place_hold()
    first = (await place(alice, PlaceHoldCommand(a.id, 1_000, "USD", b.id, ttl_seconds=60), "h1")).hold
    second = (await place(alice, PlaceHoldCommand(a.id, 1_000, "USD", ttl_seconds=120), "h2")).hold
    third = (await place(alice, PlaceHoldCommand(a.id, 1_000, "USD", ttl_seconds=180), "h3")).hold
    assert first and second and third
    assert (await container.get_wallet()(alice, a.id)).available == 0

    clock.advance(seconds=61)
    with pytest.raises(HoldExpired):  # an operation that touches the hold releases it first
        await container.capture_hold()(bob, first.id, None, "late-capture")
    assert (await container.get_hold()(bob, first.id)).status is HoldStatus.EXPIRED
    assert (await container.get_transaction()(alice, first.id)).status is TransactionStatus.EXPIRED

    clock.advance(seconds=60)  # the second is due: a read of the wallet releases it
    wallet = await container.get_wallet()(alice, a.id)
    assert (wallet.held, wallet.available) == (1_000, 2_000)
    assert (await container.get_hold()(alice, second.id)).status is HoldStatus.EXPIRED

    clock.advance(seconds=60)  # the third: the sweeper
    assert await container.expire_due_holds()() >= 1
    assert (await container.get_hold()(alice, third.id)).status is HoldStatus.EXPIRED
    assert (await container.get_wallet()(alice, a.id)).available == 3_000
    assert await container.expire_due_holds()() == 0
    fourth = (await place(alice, PlaceHoldCommand(a.id, 1_000, "USD", ttl_seconds=60), "h4")).hold
    assert fourth is not None
    clock.advance(seconds=61)  # reading the hold's transaction releases it too
    assert (await container.get_transaction()(alice, fourth.id)).status is TransactionStatus.EXPIRED
    assert (await container.get_wallet()(alice, a.id)).held == 0
    for hold in (first, second, third, fourth):
        assert events_of(container, hold.id) == ["hold.created", "hold.expired"]
    assert_ledger_invariants(container)


async def test_hold_rules(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice, bob = await new_principal(container), await new_principal(container)
    stranger, admin = await new_principal(container), await new_principal(container, Role.ADMIN)
    unverified = await new_principal(container, verified=False)
    a = await funded(container, alice, 1_000)
    a_eur = await container.open_wallet()(alice, "EUR")
    u = await funded(container, unverified, 1_000)
    place = container.place_hold()

    with pytest.raises(KycRequired):
        await place(unverified, PlaceHoldCommand(u.id, 1, "USD"), "k1")
    with pytest.raises(InsufficientFunds):
        await place(alice, PlaceHoldCommand(a.id, 1_001, "USD"), "k2")
    with pytest.raises(CurrencyMismatch):
        await place(alice, PlaceHoldCommand(a.id, 1, "USD", a_eur.id), "k3")
    with pytest.raises(InvalidHoldExpiry):
        await place(alice, PlaceHoldCommand(a.id, 1, "USD", ttl_seconds=0), "k4")
    with pytest.raises(InvalidHoldExpiry):
        await place(alice, PlaceHoldCommand(a.id, 1, "USD", ttl_seconds=10**9), "k5")
    hold = (await place(alice, PlaceHoldCommand(a.id, 400, "USD"), "k6")).hold
    assert hold is not None
    with pytest.raises(HoldNotFound):  # not a party: the hold does not exist for them
        await container.get_hold()(stranger, hold.id)
    with pytest.raises(HoldNotFound):
        await container.capture_hold()(bob, hold.id, None, "k7")
    with pytest.raises(CaptureExceedsHold):
        await container.capture_hold()(alice, hold.id, 401, "k8")

    await container.change_wallet_status()(admin, a.id, WalletStatus.SUSPENDED)
    with pytest.raises(WalletNotActive):  # a suspended wallet cannot pay ...
        await container.capture_hold()(alice, hold.id, None, "k9")
    voided = await container.void_hold()(admin, hold.id, None, "k10")  # ... but its holds can be released
    assert voided.hold is not None and voided.hold.status is HoldStatus.VOIDED
    assert (await container.get_wallet()(alice, a.id)).held == 0
    assert_ledger_invariants(container)


async def test_concurrent_captures_of_one_hold_succeed_once(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice, bob = await new_principal(container), await new_principal(container)
    a = await funded(container, alice, 5_000)
    b = await container.open_wallet()(bob, "USD")
    hold = (await container.place_hold()(alice, PlaceHoldCommand(a.id, 5_000, "USD", b.id), "h")).hold
    assert hold is not None
    capture = container.capture_hold()

    results = await asyncio.gather(
        *(capture(bob, hold.id, None, f"capture-{i}") for i in range(100)), return_exceptions=True
    )
    successes = [r for r in results if not isinstance(r, BaseException)]
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(successes) == 1, failures[:3]
    assert all(isinstance(f, HoldNotPending) for f in failures), failures[:3]
    assert (await container.get_wallet()(bob, b.id)).balance == 5_000
    wallet = await container.get_wallet()(alice, a.id)
    assert (wallet.balance, wallet.held) == (0, 0)
    assert events_of(container, hold.id) == ["hold.created", "hold.captured"]
    assert_ledger_invariants(container)
