"""Opening, reading and listing wallets through the use cases, on both adapters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import Page, PageRequest
from paybridge.application.use_cases.move_money import DepositCommand
from paybridge.bootstrap import Container
from paybridge.domain.errors import UnsupportedCurrency, WalletAlreadyExists, WalletNotFound
from paybridge.domain.money import Currency
from paybridge.domain.users import Role
from paybridge.domain.wallets import SETTLEMENT, Wallet, WalletKind, WalletStatus, system_account_id
from tests.contract.conftest import UserMaker
from tests.support.containers import outbox_events


async def all_wallets(container: Container, principal: Principal, limit: int = 100) -> list[Wallet]:
    """Every wallet `principal` may list, following the pages to the end."""
    items: list[Wallet] = []
    page: Page[Wallet] = await container.list_wallets()(principal, PageRequest(limit=limit))
    items.extend(page.items)
    while page.has_more:
        page = await container.list_wallets()(principal, PageRequest(limit, after=page.next_position))
        items.extend(page.items)
    return items


async def test_open_wallet(container: Container, make_user: UserMaker) -> None:
    user, alice = await make_user()

    wallet = await container.open_wallet()(alice, "EUR")

    assert wallet.user_id == user.id
    assert wallet.currency == Currency("EUR", 2)
    assert wallet.balance == 0
    assert wallet.status is WalletStatus.ACTIVE
    assert wallet.version == 0
    assert wallet.kind is WalletKind.USER and not wallet.is_system
    assert wallet.created_at == wallet.updated_at
    assert await container.get_wallet()(alice, wallet.id) == wallet

    events = [e for e in outbox_events(container) if e["aggregate_id"] == str(wallet.id)]
    assert len(events) == 1
    assert events[0]["event_type"] == "wallet.created"
    assert events[0]["aggregate_type"] == "wallet"
    assert events[0]["payload"] == {
        "wallet_id": str(wallet.id),
        "user_id": str(user.id),
        "currency": "EUR",
        "status": "ACTIVE",
    }


async def test_one_wallet_per_user_and_currency(container: Container, make_user: UserMaker) -> None:
    _, alice = await make_user()
    _, bob = await make_user()
    usd = await container.open_wallet()(alice, "USD")

    with pytest.raises(WalletAlreadyExists):
        await container.open_wallet()(alice, "USD")

    jpy = await container.open_wallet()(alice, "JPY")
    assert jpy.currency == Currency("JPY", 0)
    bobs = await container.open_wallet()(bob, "USD")  # the same currency is fine for another user
    assert bobs.user_id == bob.user_id

    assert {w.id for w in await all_wallets(container, alice)} == {usd.id, jpy.id}
    created = [
        e
        for e in outbox_events(container)
        if e["event_type"] == "wallet.created"
        and isinstance(e["payload"], dict)
        and e["payload"]["user_id"] == str(alice.user_id)
    ]
    assert sorted(e["aggregate_id"] for e in created) == sorted([str(usd.id), str(jpy.id)])


@pytest.mark.parametrize("currency", ["XYZ", "usd", "Usd", "", " USD", "US", 840, None, "XAU", "HRK"])
async def test_unsupported_currency(container: Container, make_user: UserMaker, currency: Any) -> None:
    _, alice = await make_user()
    with pytest.raises(UnsupportedCurrency) as raised:
        await container.open_wallet()(alice, currency)
    assert [e.field for e in raised.value.errors] == ["currency"]
    assert await all_wallets(container, alice) == []


async def test_crypto_wallet_uses_the_asset_exponent(container: Container, make_user: UserMaker) -> None:
    _, alice = await make_user()
    wallet = await container.open_wallet()(alice, "USDC")
    assert wallet.currency == Currency("USDC", 6)
    assert (await container.get_wallet()(alice, wallet.id)).currency == Currency("USDC", 6)


async def test_get_wallet_visibility(container: Container, make_user: UserMaker) -> None:
    _, admin = await make_user(Role.ADMIN)
    _, alice = await make_user()
    _, bob = await make_user()
    wallet = await container.open_wallet()(alice, "GBP")

    assert (await container.get_wallet()(alice, wallet.id)).id == wallet.id
    with pytest.raises(WalletNotFound):
        await container.get_wallet()(bob, wallet.id)
    seen_by_admin = await container.get_wallet()(admin, wallet.id)
    assert seen_by_admin == wallet
    for principal in (alice, admin):
        with pytest.raises(WalletNotFound):
            await container.get_wallet()(principal, uuid.uuid4())


async def test_system_accounts_are_never_visible(container: Container, make_user: UserMaker) -> None:
    _, admin = await make_user(Role.ADMIN)
    _, alice = await make_user()
    wallet = await container.open_wallet()(alice, "CHF")
    await container.deposit_money()(admin, DepositCommand(wallet.id, 500, "CHF"), f"seed-{wallet.id}")
    settlement = system_account_id(SETTLEMENT, Currency.of("CHF"))

    with pytest.raises(WalletNotFound):
        await container.get_wallet()(admin, settlement)
    listed = await all_wallets(container, admin)
    assert settlement not in {w.id for w in listed}
    assert all(w.kind is WalletKind.USER for w in listed)


async def test_list_wallets_users_see_their_own_admins_see_all(
    container: Container, make_user: UserMaker
) -> None:
    _, admin = await make_user(Role.ADMIN)
    _, alice = await make_user()
    _, bob = await make_user()
    _, carol = await make_user()
    a1 = await container.open_wallet()(alice, "USD")
    b1 = await container.open_wallet()(bob, "USD")
    a2 = await container.open_wallet()(alice, "EUR")

    alices = await container.list_wallets()(alice, PageRequest())
    assert [w.id for w in alices.items] == [a2.id, a1.id]
    assert not alices.has_more and alices.next_position is None
    assert [w.id for w in (await container.list_wallets()(bob, PageRequest())).items] == [b1.id]
    assert (await container.list_wallets()(carol, PageRequest())).items == []

    everything = await all_wallets(container, admin)
    ids = [w.id for w in everything]
    assert len(ids) == len(set(ids))
    assert {a1.id, a2.id, b1.id} <= set(ids)
    # newest first across owners too
    assert ids.index(a2.id) < ids.index(b1.id) < ids.index(a1.id)


async def test_keyset_pagination_of_wallets(container: Container, make_user: UserMaker) -> None:
    _, alice = await make_user()
    _, bob = await make_user()
    opened: list[Wallet] = []
    for currency in ("USD", "EUR", "GBP", "JPY", "CHF"):
        opened.append(await container.open_wallet()(alice, currency))
        await container.open_wallet()(bob, currency)  # interleaved foreign wallets must not leak in
    newest_first = [w.id for w in reversed(opened)]

    pages: list[Page[Wallet]] = [await container.list_wallets()(alice, PageRequest(limit=2))]
    while pages[-1].has_more:
        after = pages[-1].next_position
        assert after is not None
        pages.append(await container.list_wallets()(alice, PageRequest(limit=2, after=after)))
        assert len(pages) <= 10, "pagination does not terminate"

    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert [p.has_more for p in pages] == [True, True, False]
    assert pages[-1].next_position is None
    collected = [w.id for p in pages for w in p.items]
    assert collected == newest_first
    assert len(set(collected)) == len(collected)
    assert all(w.user_id == alice.user_id for p in pages for w in p.items)

    # a page exactly as large as what is left says there is no more
    exact = await container.list_wallets()(alice, PageRequest(limit=5))
    assert [w.id for w in exact.items] == newest_first and not exact.has_more
    shorter = await container.list_wallets()(alice, PageRequest(limit=4))
    assert [w.id for w in shorter.items] == newest_first[:4] and shorter.has_more
    # the cursor of a page continues right after its last item
    rest = await container.list_wallets()(alice, PageRequest(limit=10, after=shorter.next_position))
    assert [w.id for w in rest.items] == newest_first[4:] and not rest.has_more
