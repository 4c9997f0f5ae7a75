"""Idempotency keys expire after `idempotency_ttl_seconds`, on both adapters, with a controlled clock.

The container's clock is overridden before any provider that depends on it is built (dependency-injector
singletons keep whatever clock they were built with). Each PostgreSQL test gets its own freshly migrated
database, so that purging expired keys counts only this test's keys.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import PageRequest
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand
from paybridge.bootstrap import Container
from paybridge.domain.errors import IdempotencyKeyReused, InsufficientFunds
from paybridge.domain.transactions import TransactionType
from paybridge.domain.users import Role
from paybridge.domain.wallets import Wallet
from tests.support.containers import Clocked, clocked_container
from tests.support.kyc import verify_user
from tests.support.postgres import DatabaseFactory

TTL_SECONDS = 60


@pytest.fixture(params=["memory", "postgres"])
async def clocked(request: pytest.FixtureRequest) -> AsyncIterator[Clocked]:
    factory: DatabaseFactory | None = (
        request.getfixturevalue("new_database") if request.param == "postgres" else None
    )
    async with clocked_container(
        factory("pbidem") if factory else None, idempotency_ttl_seconds=TTL_SECONDS
    ) as clocked:
        yield clocked


@dataclass
class Parties:
    admin: Principal
    alice: Principal
    a: Wallet
    b: Wallet


async def parties(container: Container, balance: int = 10_000) -> Parties:
    register = container.register_user()
    admin_user = await register(
        f"admin-{uuid.uuid4().hex[:10]}@example.com", "Admin", "pw-admin-123", Role.ADMIN
    )
    alice_user = await register(f"alice-{uuid.uuid4().hex[:10]}@example.com", "Alice", "pw-alice-123")
    bob_user = await register(f"bob-{uuid.uuid4().hex[:10]}@example.com", "Bob", "pw-bob-1234")
    await verify_user(container, alice_user.id)  # alice sends money: KYC VERIFIED
    admin = Principal(admin_user.id, admin_user.role)
    alice = Principal(alice_user.id, alice_user.role)
    bob = Principal(bob_user.id, bob_user.role)
    a = await container.open_wallet()(alice, "USD")
    b = await container.open_wallet()(bob, "USD")
    if balance:
        await container.deposit_money()(admin, DepositCommand(a.id, balance, "USD"), "seed")
    return Parties(admin, alice, a, b)


async def test_the_overridden_clock_is_used(clocked: Clocked) -> None:
    container, clock = clocked.container, clocked.clock
    provided: object = container.clock()  # typed as the SystemClock it replaces
    assert provided is clock
    clock.advance(days=-3)
    p = await parties(container)
    moved = await container.transfer_money()(p.alice, TransferCommand(p.a.id, p.b.id, 1, "USD"), "k")
    assert moved.transaction.created_at == clock.now()
    assert p.a.created_at == clock.now()


async def test_a_key_is_reusable_only_after_it_expired(clocked: Clocked) -> None:
    container, clock = clocked.container, clocked.clock
    p = await parties(container)
    transfer = container.transfer_money()

    first = await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 100, "USD"), "pay-rent")

    clock.advance(seconds=TTL_SECONDS - 1)
    with pytest.raises(IdempotencyKeyReused):
        await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 200, "USD"), "pay-rent")
    replay = await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 100, "USD"), "pay-rent")
    assert replay.replayed and replay.transaction == first.transaction

    clock.advance(seconds=2)  # TTL + 1 second after the first use
    fresh = await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 200, "USD"), "pay-rent")
    assert not fresh.replayed
    assert fresh.transaction.id != first.transaction.id
    assert fresh.transaction.amount.amount == 200

    # the key now belongs to the new request: it replays that one and refuses the old body
    again = await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 200, "USD"), "pay-rent")
    assert again.replayed and again.transaction == fresh.transaction
    with pytest.raises(IdempotencyKeyReused):
        await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 100, "USD"), "pay-rent")

    assert (await container.get_wallet()(p.alice, p.a.id)).balance == 10_000 - 100 - 200
    transfers = await container.list_transactions()(
        p.alice, PageRequest(limit=100), type_=TransactionType.TRANSFER
    )
    assert [t.id for t in transfers.items] == [fresh.transaction.id, first.transaction.id]


async def test_same_request_after_expiry_moves_money_again(clocked: Clocked) -> None:
    container, clock = clocked.container, clocked.clock
    p = await parties(container)
    transfer = container.transfer_money()
    command = TransferCommand(p.a.id, p.b.id, 250, "USD")

    first = await transfer(p.alice, command, "monthly")
    clock.advance(seconds=TTL_SECONDS + 1)
    second = await transfer(p.alice, command, "monthly")

    assert not second.replayed and second.transaction.id != first.transaction.id
    assert (await container.get_wallet()(p.alice, p.a.id)).balance == 10_000 - 2 * 250


async def test_a_stored_refusal_expires_too(clocked: Clocked) -> None:
    container, clock = clocked.container, clocked.clock
    p = await parties(container, balance=100)
    transfer = container.transfer_money()
    command = TransferCommand(p.a.id, p.b.id, 500, "USD")

    with pytest.raises(InsufficientFunds) as refused:
        await transfer(p.alice, command, "big")
    assert not refused.value.replayed
    await container.deposit_money()(p.admin, DepositCommand(p.a.id, 1_000, "USD"), "top-up")

    clock.advance(seconds=TTL_SECONDS - 1)
    with pytest.raises(InsufficientFunds) as replayed:
        await transfer(p.alice, command, "big")
    assert replayed.value.replayed

    clock.advance(seconds=2)
    moved = await transfer(p.alice, command, "big")
    assert not moved.replayed
    assert (await container.get_wallet()(p.alice, p.a.id)).balance == 100 + 1_000 - 500


async def test_purge_deletes_expired_keys_only(clocked: Clocked) -> None:
    container, clock = clocked.container, clocked.clock
    purge = container.purge_idempotency_keys()
    assert await purge() == 0

    p = await parties(container, balance=1_000)  # the admin's "seed" key: 1
    transfer = container.transfer_money()
    await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 10, "USD"), "k1")  # 2
    await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 20, "USD"), "k2")  # 3
    with pytest.raises(InsufficientFunds):  # a stored refusal is a key too: 4
        await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 5_000, "USD"), "k3")

    clock.advance(seconds=30)
    late = await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 30, "USD"), "k4")
    assert await purge() == 0  # nothing has expired yet

    clock.advance(seconds=31)  # the first four are 61 s old, k4 is 31 s old
    assert await purge() == 4
    assert await purge() == 0

    replay = await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 30, "USD"), "k4")
    assert replay.replayed and replay.transaction == late.transaction
    # a purged key is free again: the same key with another body is a new request
    fresh = await transfer(p.alice, TransferCommand(p.a.id, p.b.id, 11, "USD"), "k1")
    assert not fresh.replayed

    clock.advance(seconds=TTL_SECONDS)
    assert await purge() == 2  # k4 and the new k1
    assert await purge() == 0
    assert (await container.get_wallet()(p.alice, p.a.id)).balance == 1_000 - 10 - 20 - 30 - 11
