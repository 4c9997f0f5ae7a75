"""Listing holds (ListHolds over HoldRepository.list_holds) on both adapters: who sees which holds, newest
first, keyset pages, the wallet and status filters, and due holds released when listed."""

from __future__ import annotations

import uuid
from uuid import UUID

import pytest

from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import Page, PageRequest
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.bootstrap import Container
from paybridge.domain.errors import WalletNotFound
from paybridge.domain.holds import Hold, HoldStatus
from paybridge.domain.users import Role
from tests.contract.conftest import ContainerFactory
from tests.contract.test_holds import events_of, funded
from tests.support.containers import FakeClock
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal


async def place(
    container: Container,
    owner: Principal,
    wallet_id: UUID,
    amount: int,
    to: UUID | None = None,
    ttl_seconds: int | None = None,
) -> Hold:
    command = PlaceHoldCommand(wallet_id, amount, "USD", to, ttl_seconds=ttl_seconds)
    hold = (await container.place_hold()(owner, command, f"hold-{uuid.uuid4()}")).hold
    assert hold is not None
    return hold


def ids(page: Page[Hold]) -> list[UUID]:
    return [h.id for h in page.items]


async def test_users_see_the_holds_on_and_to_their_wallets_admins_every_one(
    build_container: ContainerFactory,
) -> None:
    container = await build_container()
    alice, bob, carol = [await new_principal(container) for _ in range(3)]
    admin = await new_principal(container, Role.ADMIN)
    walletless = await new_principal(container)
    a, b = await funded(container, alice, 1_000), await funded(container, bob, 1_000)
    c = await funded(container, carol, 1_000)
    alice_to_bob = await place(container, alice, a.id, 100, to=b.id)
    alice_out = await place(container, alice, a.id, 200)  # to the settlement account
    bob_out = await place(container, bob, b.id, 300)
    bob_to_alice = await place(container, bob, b.id, 400, to=a.id)
    carols = await place(container, carol, c.id, 500)
    list_holds = container.list_holds()

    mine = await list_holds(alice, PageRequest())
    assert ids(mine) == [bob_to_alice.id, alice_out.id, alice_to_bob.id] and not mine.has_more
    assert mine.items[0] == await container.get_hold()(alice, bob_to_alice.id)  # the same hold GET shows
    assert (mine.items[0].amount.amount, mine.items[0].destination_wallet_id) == (400, a.id)
    assert ids(await list_holds(bob, PageRequest())) == [bob_to_alice.id, bob_out.id, alice_to_bob.id]
    assert ids(await list_holds(carol, PageRequest())) == [carols.id]
    assert (await list_holds(walletless, PageRequest())).items == []
    everything = await list_holds(admin, PageRequest(limit=5))  # the newest five holds anywhere: these
    expected = [carols.id, bob_to_alice.id, bob_out.id, alice_out.id, alice_to_bob.id]
    assert ids(everything) == expected


async def test_pages_walk_every_hold_once_whatever_happens_between_them(
    build_container: ContainerFactory,
) -> None:
    container = await build_container()
    alice = await new_principal(container)
    a = await funded(container, alice, 5_000)
    placed = [await place(container, alice, a.id, 100 + n) for n in range(5)]
    list_holds = container.list_holds()

    first = await list_holds(alice, PageRequest(limit=2))
    assert ids(first) == [placed[4].id, placed[3].id] and first.has_more
    await container.void_hold()(alice, placed[2].id, None, "void-between-pages")  # settled: same position
    later = await place(container, alice, a.id, 999)  # newer than the first page: not on the next ones
    second = await list_holds(alice, PageRequest(limit=2, after=first.next_position))
    assert ids(second) == [placed[2].id, placed[1].id] and second.has_more
    assert second.items[0].status is HoldStatus.VOIDED
    third = await list_holds(alice, PageRequest(limit=2, after=second.next_position))
    assert ids(third) == [placed[0].id] and not third.has_more and third.next_position is None
    assert [h.amount.amount for h in (*first.items, *second.items, *third.items)] == [104, 103, 102, 101, 100]
    assert ids(await list_holds(alice, PageRequest(limit=1))) == [later.id]


async def test_filters_by_wallet_and_status(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice, bob = await new_principal(container), await new_principal(container)
    admin = await new_principal(container, Role.ADMIN)
    a, b = await funded(container, alice, 10_000), await funded(container, bob, 10_000)
    empty = await container.open_wallet()(alice, "EUR")
    captured = await place(container, alice, a.id, 100, to=b.id)
    voided = await place(container, alice, a.id, 200)
    pending = await place(container, alice, a.id, 300)
    bobs = await place(container, bob, b.id, 400)
    await container.capture_hold()(bob, captured.id, 60, "capture")
    await container.void_hold()(alice, voided.id, "changed my mind", "void")
    list_holds = container.list_holds()

    async def listed(
        who: Principal, wallet: UUID | None = None, status: HoldStatus | None = None
    ) -> list[UUID]:
        return ids(await list_holds(who, PageRequest(), wallet, status))

    assert await listed(alice, a.id) == [pending.id, voided.id, captured.id]
    assert await listed(alice, empty.id) == []
    assert await listed(bob, b.id) == [bobs.id, captured.id]  # a hold to the wallet counts
    assert await listed(alice, status=HoldStatus.PENDING) == [pending.id]
    assert await listed(alice, status=HoldStatus.VOIDED) == [voided.id]
    assert await listed(alice, status=HoldStatus.EXPIRED) == []
    assert await listed(bob, b.id, HoldStatus.CAPTURED) == [captured.id]
    shown = (await list_holds(bob, PageRequest(), b.id, HoldStatus.CAPTURED)).items[0]
    assert (shown.status, shown.captured_amount, shown.amount.amount) == (HoldStatus.CAPTURED, 60, 100)
    assert await listed(bob, b.id, HoldStatus.PENDING) == [bobs.id]
    for foreign in (b.id, uuid.uuid4()):  # another user's wallet is as unknown as a missing one
        with pytest.raises(WalletNotFound):
            await listed(alice, foreign)
    assert await listed(admin, a.id) == [pending.id, voided.id, captured.id]
    assert (await listed(admin, status=HoldStatus.PENDING))[:2] == [bobs.id, pending.id]
    assert_ledger_invariants(container)


async def test_listed_holds_past_their_expiry_are_released_first(build_container: ContainerFactory) -> None:
    clock = FakeClock()
    container = await build_container(clock)
    alice, bob = await new_principal(container), await new_principal(container)
    a = await funded(container, alice, 3_000)
    b = await container.open_wallet()(bob, "USD")
    due = await place(container, alice, a.id, 1_000, to=b.id, ttl_seconds=60)
    later = await place(container, alice, a.id, 1_500, ttl_seconds=600)
    list_holds = container.list_holds()
    clock.advance(seconds=61)

    # the payee lists its pending holds: the due one is released, and is no longer pending
    pending = await list_holds(bob, PageRequest(), status=HoldStatus.PENDING)
    assert pending.items == [] and not pending.has_more
    assert (await container.get_wallet()(alice, a.id)).held == 1_500
    listed = await list_holds(alice, PageRequest())
    assert [(h.id, h.status) for h in listed.items] == [
        (later.id, HoldStatus.PENDING),
        (due.id, HoldStatus.EXPIRED),
    ]
    assert ids(await list_holds(alice, PageRequest(), a.id, HoldStatus.EXPIRED)) == [due.id]
    assert events_of(container, due.id) == ["hold.created", "hold.expired"]

    clock.advance(seconds=600)  # listing shows the other one expired at once
    shown = await list_holds(alice, PageRequest(), a.id)
    assert [h.status for h in shown.items] == [HoldStatus.EXPIRED, HoldStatus.EXPIRED]
    assert (await container.get_wallet()(alice, a.id)).available == 3_000
    assert_ledger_invariants(container)
