"""The express path of a transfer (one atomic step, planned from the request alone) on both adapters: it is
taken when everything holds, refuses without writing when anything does not — a rule or what it presumed of
the wallets — and the planned path then gives the same answer it always gave. Every case also runs with the
express path switched off (PAYBRIDGE_EXPRESS_POSTINGS=false), so the two paths must agree."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import uuid4

import pytest
from dependency_injector import providers

from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import ExpressLedger, ExpressOutcome, IdempotencyRecord, Presumption
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.application.use_cases.wallet_admin import ChangeWalletStatus
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.errors import (
    CurrencyMismatch,
    InsufficientFunds,
    PayBridgeError,
    WalletNotActive,
    WalletNotFound,
)
from paybridge.domain.holds import HoldStatus
from paybridge.domain.money import Currency
from paybridge.domain.transactions import Posting
from paybridge.domain.users import Role
from paybridge.domain.wallets import SETTLEMENT, Wallet, WalletStatus, system_account_id
from tests.support.containers import FakeClock, make_container, outbox_events
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal


class RecordingExpress:
    """The container's express ledger, with every outcome it returned kept for the test to read."""

    def __init__(self, inner: ExpressLedger) -> None:
        self._inner = inner
        self.outcomes: list[ExpressOutcome] = []

    async def post(
        self, posting: Posting, record: IdempotencyRecord, presumed: Presumption
    ) -> ExpressOutcome:
        outcome = await self._inner.post(posting, record, presumed)
        self.outcomes.append(outcome)
        return outcome


Build = Callable[..., Awaitable[tuple[Container, RecordingExpress, FakeClock]]]


@pytest.fixture(params=["memory-express", "memory-planned", "postgres-express", "postgres-planned"])
async def build(request: pytest.FixtureRequest) -> AsyncIterator[Build]:
    storage, path = request.param.split("-")
    url = request.getfixturevalue("migrated_database_url") if storage == "postgres" else None
    built: list[Container] = []

    async def factory() -> tuple[Container, RecordingExpress, FakeClock]:
        container = make_container(storage, url, express_postings=path == "express")
        clock = FakeClock()
        container.clock.override(providers.Object(clock))
        spy = RecordingExpress(container.express_ledger())
        container.express_ledger.override(providers.Object(spy))
        await start(container)
        built.append(container)
        return container, spy, clock

    try:
        yield factory
    finally:
        for container in built:
            await stop(container)


async def funded(container: Container, owner: Principal, amount: int, currency: str = "USD") -> Wallet:
    wallet = await container.open_wallet()(owner, currency)
    admin = await new_principal(container, Role.ADMIN, verified=False)
    await container.deposit_money()(admin, DepositCommand(wallet.id, amount, currency), f"seed-{wallet.id}")
    return wallet


def express_on(container: Container) -> bool:
    return bool(container.settings().express_postings)


async def test_a_transfer_is_one_express_step_and_its_retry_a_replay(build: Build) -> None:
    container, spy, _ = await build()
    alice, bob = await new_principal(container), await new_principal(container)
    a, b = await funded(container, alice, 1_000), await container.open_wallet()(bob, "USD")

    moved = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 300, "USD"), "t-1")
    again = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 300, "USD"), "t-1")

    assert again.replayed and again.transaction == moved.transaction
    assert (await container.get_wallet()(alice, a.id)).balance == 700
    assert (await container.get_wallet()(bob, b.id)).balance == 300
    events = [e for e in outbox_events(container) if e["aggregate_id"] == str(moved.transaction.id)]
    assert [e["event_type"] for e in events] == ["transfer.completed"]
    if express_on(container):
        assert [o.posted for o in spy.outcomes] == [True, False]
        assert spy.outcomes[1].stored is not None
        assert spy.outcomes[1].stored.transaction_id == moved.transaction.id
    else:
        assert spy.outcomes == []
    assert_ledger_invariants(container)


Scenario = Callable[[Container, Principal, Wallet, Wallet], Awaitable[TransferCommand]]


async def _too_much(container: Container, alice: Principal, a: Wallet, b: Wallet) -> TransferCommand:
    return TransferCommand(a.id, b.id, 1_001, "USD")


async def _not_her_wallet(container: Container, alice: Principal, a: Wallet, b: Wallet) -> TransferCommand:
    return TransferCommand(b.id, a.id, 1, "USD")


async def _unknown_destination(
    container: Container, alice: Principal, a: Wallet, b: Wallet
) -> TransferCommand:
    return TransferCommand(a.id, uuid4(), 1, "USD")


async def _system_destination(
    container: Container, alice: Principal, a: Wallet, b: Wallet
) -> TransferCommand:
    return TransferCommand(a.id, system_account_id(SETTLEMENT, Currency.of("USD")), 1, "USD")


async def _other_currency(container: Container, alice: Principal, a: Wallet, b: Wallet) -> TransferCommand:
    euros = await container.open_wallet()(await new_principal(container), "EUR")
    return TransferCommand(a.id, euros.id, 1, "USD")


async def _suspended_destination(
    container: Container, alice: Principal, a: Wallet, b: Wallet
) -> TransferCommand:
    admin = await new_principal(container, Role.ADMIN, verified=False)
    change: ChangeWalletStatus = container.change_wallet_status()
    await change(admin, b.id, WalletStatus.SUSPENDED, "review")
    return TransferCommand(a.id, b.id, 1, "USD")


@pytest.mark.parametrize(
    ("scenario", "error"),
    [
        (_too_much, InsufficientFunds),
        (_not_her_wallet, WalletNotFound),
        (_unknown_destination, WalletNotFound),
        (_system_destination, WalletNotFound),
        (_other_currency, CurrencyMismatch),
        (_suspended_destination, WalletNotActive),
    ],
)
async def test_a_refused_express_step_writes_nothing_and_the_planned_path_explains(
    build: Build, scenario: Scenario, error: type[PayBridgeError]
) -> None:
    container, spy, _ = await build()
    alice, bob = await new_principal(container), await new_principal(container)
    a, b = await funded(container, alice, 1_000), await funded(container, bob, 50)
    command = await scenario(container, alice, a, b)
    before = len(outbox_events(container))

    with pytest.raises(error):
        await container.transfer_money()(alice, command, "refused")
    with pytest.raises(error) as replayed:  # the refusal is the key's stored outcome
        await container.transfer_money()(alice, command, "refused")

    assert replayed.value.replayed
    assert (await container.get_wallet()(alice, a.id)).balance == 1_000
    assert (await container.get_wallet()(bob, b.id)).balance == 50
    assert len(outbox_events(container)) == before
    if express_on(container):
        first, second = spy.outcomes[-2:]
        assert (first.busy, first.stored, first.posted) == (False, None, False)
        assert second.stored is not None and "error" in second.stored.outcome
    assert_ledger_invariants(container)


async def test_a_due_hold_is_released_by_the_planned_path_before_the_transfer(build: Build) -> None:
    container, spy, clock = await build()
    alice, bob = await new_principal(container), await new_principal(container)
    a, b = await funded(container, alice, 1_000), await container.open_wallet()(bob, "USD")
    placed = await container.place_hold()(alice, PlaceHoldCommand(a.id, 800, "USD", ttl_seconds=60), "h")
    assert placed.hold is not None
    clock.advance(seconds=61)

    moved = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 1_000, "USD"), "all")

    assert moved.transaction.amount.amount == 1_000
    assert (await container.get_hold()(alice, placed.hold.id)).status is HoldStatus.EXPIRED
    wallet = await container.get_wallet()(alice, a.id)
    assert (wallet.balance, wallet.held) == (0, 0)
    if express_on(container):
        refused = spy.outcomes[-1]
        assert (refused.busy, refused.stored, refused.posted) == (False, None, False)
    assert_ledger_invariants(container)


async def test_a_hold_not_yet_due_still_counts_on_the_express_path(build: Build) -> None:
    container, spy, _ = await build()
    alice, bob = await new_principal(container), await new_principal(container)
    a, b = await funded(container, alice, 1_000), await container.open_wallet()(bob, "USD")
    await container.place_hold()(alice, PlaceHoldCommand(a.id, 800, "USD", ttl_seconds=60), "h")

    with pytest.raises(InsufficientFunds):
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 201, "USD"), "over")
    moved = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 200, "USD"), "fits")

    wallet = await container.get_wallet()(alice, a.id)
    assert (wallet.balance, wallet.held, moved.replayed) == (800, 800, False)
    if express_on(container):
        assert spy.outcomes[-1].posted
    assert_ledger_invariants(container)


async def test_an_expired_stored_outcome_is_not_replayed(build: Build) -> None:
    container, _, clock = await build()
    alice, bob = await new_principal(container), await new_principal(container)
    a, b = await funded(container, alice, 1_000), await container.open_wallet()(bob, "USD")
    first = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 100, "USD"), "k")
    ttl: Any = container.settings().idempotency_ttl_seconds
    clock.advance(seconds=ttl + 1)

    second = await container.transfer_money()(alice, TransferCommand(a.id, b.id, 100, "USD"), "k")

    assert not second.replayed and second.transaction.id != first.transaction.id
    assert (await container.get_wallet()(alice, a.id)).balance == 800
    assert_ledger_invariants(container)


async def test_a_withdrawal_is_one_express_step_too(build: Build) -> None:
    container, spy, _ = await build()
    alice = await new_principal(container)
    a = await funded(container, alice, 1_000)

    taken = await container.withdraw_money()(alice, WithdrawalCommand(a.id, 400, "USD"), "w-1")
    again = await container.withdraw_money()(alice, WithdrawalCommand(a.id, 400, "USD"), "w-1")

    assert again.replayed and again.transaction == taken.transaction
    assert taken.transaction.destination_wallet_id is None
    assert (await container.get_wallet()(alice, a.id)).balance == 600
    if express_on(container):
        assert [o.posted for o in spy.outcomes] == [True, False] and spy.outcomes[1].stored is not None
    assert_ledger_invariants(container)


@pytest.mark.parametrize(
    ("whose", "amount", "currency", "error"),
    [
        ("hers", 1_001, "USD", InsufficientFunds),
        ("his", 1, "USD", WalletNotFound),
        ("hers", 1, "EUR", CurrencyMismatch),
        ("suspended", 1, "USD", WalletNotActive),
    ],
)
async def test_a_refused_express_withdrawal_is_explained_by_the_planned_path(
    build: Build, whose: str, amount: int, currency: str, error: type[PayBridgeError]
) -> None:
    container, spy, _ = await build()
    alice, bob = await new_principal(container), await new_principal(container)
    a, b = await funded(container, alice, 1_000), await funded(container, bob, 50)
    if whose == "suspended":
        admin = await new_principal(container, Role.ADMIN, verified=False)
        await container.change_wallet_status()(admin, a.id, WalletStatus.SUSPENDED, "review")
    wallet = b if whose == "his" else a
    before = len(outbox_events(container))

    with pytest.raises(error):
        await container.withdraw_money()(alice, WithdrawalCommand(wallet.id, amount, currency), "no")

    assert (await container.get_wallet()(alice, a.id)).balance == 1_000
    assert (await container.get_wallet()(bob, b.id)).balance == 50
    assert len(outbox_events(container)) == before
    if express_on(container):
        refused = spy.outcomes[-1]
        assert (refused.busy, refused.stored, refused.posted) == (False, None, False)
    assert_ledger_invariants(container)
