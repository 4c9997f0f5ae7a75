"""Reading the ledger: one transaction, transaction lists and a wallet's entries, on both adapters."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import pytest

from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import Page, PageRequest
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.bootstrap import Container
from paybridge.domain.errors import TransactionNotFound, WalletNotFound
from paybridge.domain.transactions import LedgerEntry, Transaction, TransactionType
from paybridge.domain.users import Role
from paybridge.domain.wallets import Wallet
from tests.contract.conftest import UserMaker

T = TypeVar("T")


async def follow_pages(fetch: Callable[[PageRequest], Awaitable[Page[T]]], limit: int) -> list[Page[T]]:
    pages = [await fetch(PageRequest(limit=limit))]
    while pages[-1].has_more:
        after = pages[-1].next_position
        assert after is not None
        pages.append(await fetch(PageRequest(limit=limit, after=after)))
        assert len(pages) <= 50, "pagination does not terminate"
    return pages


@dataclass
class Books:
    admin: Principal
    alice: Principal
    bob: Principal
    carol: Principal
    a: Wallet
    a_eur: Wallet
    b: Wallet
    c: Wallet
    created: list[Transaction]
    """Every transaction of the scenario, oldest first."""


async def scenario(container: Container, make_user: UserMaker) -> Books:
    """Alice (USD + EUR), Bob (USD), Carol (USD) and a few movements between them."""
    _, admin = await make_user(Role.ADMIN)
    _, alice = await make_user()
    _, bob = await make_user()
    _, carol = await make_user()
    a = await container.open_wallet()(alice, "USD")
    a_eur = await container.open_wallet()(alice, "EUR")
    b = await container.open_wallet()(bob, "USD")
    c = await container.open_wallet()(carol, "USD")
    deposit, transfer = container.deposit_money(), container.transfer_money()
    withdraw = container.withdraw_money()
    created = [
        (await deposit(admin, DepositCommand(a.id, 10_000, "USD"), "d-a")).transaction,
        (await transfer(alice, TransferCommand(a.id, b.id, 1_000, "USD"), "t-1")).transaction,
        (await deposit(admin, DepositCommand(a_eur.id, 700, "EUR"), "d-a-eur")).transaction,
        (await transfer(bob, TransferCommand(b.id, a.id, 200, "USD"), "t-2")).transaction,
        (await deposit(admin, DepositCommand(c.id, 50, "USD"), "d-c")).transaction,
        (await transfer(alice, TransferCommand(a.id, c.id, 300, "USD"), "t-3")).transaction,
        (await withdraw(alice, WithdrawalCommand(a.id, 500, "USD"), "w-1")).transaction,
    ]
    return Books(admin, alice, bob, carol, a, a_eur, b, c, created)


async def test_transaction_visible_to_both_parties_and_admins_only(
    container: Container, make_user: UserMaker
) -> None:
    books = await scenario(container, make_user)
    transfer = books.created[1]  # alice -> bob
    get = container.get_transaction()

    for principal in (books.alice, books.bob, books.admin):
        assert await get(principal, transfer.id) == transfer
    with pytest.raises(TransactionNotFound):
        await get(books.carol, transfer.id)

    deposit_to_carol = books.created[4]
    assert await get(books.carol, deposit_to_carol.id) == deposit_to_carol
    for outsider in (books.alice, books.bob):
        with pytest.raises(TransactionNotFound):
            await get(outsider, deposit_to_carol.id)

    for principal in (books.alice, books.admin):
        with pytest.raises(TransactionNotFound):
            await get(principal, uuid.uuid4())


async def test_user_with_no_wallet_sees_no_transactions(container: Container, make_user: UserMaker) -> None:
    await scenario(container, make_user)
    _, dave = await make_user()
    page = await container.list_transactions()(dave, PageRequest())
    assert page.items == [] and not page.has_more


async def test_list_transactions_shows_those_touching_own_wallets(
    container: Container, make_user: UserMaker
) -> None:
    books = await scenario(container, make_user)
    t = books.created
    listing = container.list_transactions()

    alices = await listing(books.alice, PageRequest(limit=100))
    assert [x.id for x in alices.items] == [x.id for x in reversed(t) if x is not t[4]]
    assert not alices.has_more
    bobs = await listing(books.bob, PageRequest(limit=100))
    assert [x.id for x in bobs.items] == [t[3].id, t[1].id]
    carols = await listing(books.carol, PageRequest(limit=100))
    assert [x.id for x in carols.items] == [t[5].id, t[4].id]

    # the admin view lists everything, newest first
    everything = [x.id for x in (await listing(books.admin, PageRequest(limit=100))).items]
    positions = [everything.index(x.id) for x in reversed(t)]
    assert positions == sorted(positions)


async def test_list_transactions_filtered_by_wallet(container: Container, make_user: UserMaker) -> None:
    books = await scenario(container, make_user)
    t = books.created
    listing = container.list_transactions()

    eur = await listing(books.alice, PageRequest(), wallet_id=books.a_eur.id)
    assert [x.id for x in eur.items] == [t[2].id]
    usd = await listing(books.alice, PageRequest(), wallet_id=books.a.id)
    assert [x.id for x in usd.items] == [t[6].id, t[5].id, t[3].id, t[1].id, t[0].id]

    with pytest.raises(WalletNotFound):  # someone else's wallet
        await listing(books.alice, PageRequest(), wallet_id=books.b.id)
    with pytest.raises(WalletNotFound):
        await listing(books.alice, PageRequest(), wallet_id=uuid.uuid4())

    as_admin = await listing(books.admin, PageRequest(), wallet_id=books.b.id)
    assert [x.id for x in as_admin.items] == [t[3].id, t[1].id]


async def test_list_transactions_filtered_by_type(container: Container, make_user: UserMaker) -> None:
    books = await scenario(container, make_user)
    t = books.created
    listing = container.list_transactions()

    transfers = await listing(books.alice, PageRequest(), type_=TransactionType.TRANSFER)
    assert [x.id for x in transfers.items] == [t[5].id, t[3].id, t[1].id]
    deposits = await listing(books.alice, PageRequest(), type_=TransactionType.DEPOSIT)
    assert [x.id for x in deposits.items] == [t[2].id, t[0].id]
    withdrawals = await listing(books.alice, PageRequest(), type_=TransactionType.WITHDRAWAL)
    assert [x.id for x in withdrawals.items] == [t[6].id]
    assert all(x.type is TransactionType.TRANSFER for x in transfers.items)

    both = await listing(books.alice, PageRequest(), wallet_id=books.a_eur.id, type_=TransactionType.TRANSFER)
    assert both.items == []
    bob_deposits = await listing(books.bob, PageRequest(), type_=TransactionType.DEPOSIT)
    assert bob_deposits.items == []


async def test_list_transactions_pagination(container: Container, make_user: UserMaker) -> None:
    books = await scenario(container, make_user)
    expected = [x.id for x in reversed(books.created) if x is not books.created[4]]
    assert len(expected) == 6

    async def fetch(page: PageRequest) -> Page[Transaction]:
        return await container.list_transactions()(books.alice, page)

    pages = await follow_pages(fetch, limit=2)
    assert [len(p.items) for p in pages] == [2, 2, 2]
    assert [p.has_more for p in pages] == [True, True, False]
    collected = [x.id for p in pages for x in p.items]
    assert collected == expected
    assert len(set(collected)) == len(collected)

    # the same walk again gives the same order (stable), also with an odd page size
    assert [x.id for p in await follow_pages(fetch, limit=2) for x in p.items] == expected
    assert [x.id for p in await follow_pages(fetch, limit=4) for x in p.items] == expected

    async def fetch_transfers(page: PageRequest) -> Page[Transaction]:
        return await container.list_transactions()(books.alice, page, type_=TransactionType.TRANSFER)

    transfers = await follow_pages(fetch_transfers, limit=2)
    assert [len(p.items) for p in transfers] == [2, 1]
    assert [x.id for p in transfers for x in p.items] == [
        books.created[5].id,
        books.created[3].id,
        books.created[1].id,
    ]


async def test_wallet_entries_are_a_consistent_signed_chain(
    container: Container, make_user: UserMaker
) -> None:
    books = await scenario(container, make_user)
    t = books.created
    entries_of = container.list_wallet_entries()

    entries = (await entries_of(books.alice, books.a.id, PageRequest(limit=100))).items
    assert [e.amount for e in entries] == [-500, -300, 200, -1_000, 10_000]
    assert [e.balance_after for e in entries] == [8_400, 8_900, 9_200, 9_000, 10_000]
    assert [e.transaction_id for e in entries] == [t[6].id, t[5].id, t[3].id, t[1].id, t[0].id]
    assert all(e.wallet_id == books.a.id and e.currency.code == "USD" for e in entries)
    assert_chain(entries)

    wallet = await container.get_wallet()(books.alice, books.a.id)
    assert entries[0].balance_after == wallet.balance == sum(e.amount for e in entries) == 8_400
    assert wallet.version == len(entries)

    bobs = (await entries_of(books.bob, books.b.id, PageRequest(limit=100))).items
    assert [e.amount for e in bobs] == [-200, 1_000]
    assert_chain(bobs)
    assert bobs[0].balance_after == (await container.get_wallet()(books.bob, books.b.id)).balance == 800

    carols = (await entries_of(books.carol, books.c.id, PageRequest(limit=100))).items
    assert [(e.amount, e.balance_after) for e in carols] == [(300, 350), (50, 50)]


async def test_wallet_entries_pagination_and_visibility(container: Container, make_user: UserMaker) -> None:
    books = await scenario(container, make_user)

    async def fetch(page: PageRequest) -> Page[LedgerEntry]:
        return await container.list_wallet_entries()(books.alice, books.a.id, page)

    pages = await follow_pages(fetch, limit=2)
    assert [len(p.items) for p in pages] == [2, 2, 1]
    walked = [e for p in pages for e in p.items]
    assert walked == (await fetch(PageRequest(limit=100))).items
    assert len({e.id for e in walked}) == len(walked)
    assert_chain(walked)

    with pytest.raises(WalletNotFound):
        await container.list_wallet_entries()(books.carol, books.a.id, PageRequest())
    as_admin = await container.list_wallet_entries()(books.admin, books.a.id, PageRequest(limit=100))
    assert as_admin.items == walked
    empty = await container.open_wallet()(books.carol, "EUR")
    assert (await container.list_wallet_entries()(books.carol, empty.id, PageRequest())).items == []


def assert_chain(newest_first: list[LedgerEntry]) -> None:
    """Each entry's balance before it is the next older entry's balance after; the oldest started at 0."""
    ids = [e.id for e in newest_first]
    assert ids == sorted(ids, reverse=True)
    for newer, older in itertools.pairwise(newest_first):
        assert newer.balance_after - newer.amount == older.balance_after
    assert newest_first[-1].balance_after - newest_first[-1].amount == 0
    assert all(e.amount != 0 for e in newest_first)
