"""Read use cases over the ledger: one transaction, transaction lists and a wallet's entries. A user sees
only transactions touching one of their wallets; anything else is reported as not found."""

from __future__ import annotations

from uuid import UUID

from paybridge.application.expiry import release_due_holds
from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import Page, PageRequest, TransactionQuery, UnitOfWorkFactory
from paybridge.application.ports.system import Clock
from paybridge.application.use_cases.wallets import listed_wallet_ids, visible_wallet
from paybridge.domain.errors import TransactionNotFound
from paybridge.domain.transactions import LedgerEntry, Transaction, TransactionStatus, TransactionType


class GetTransaction:
    """Reads a transaction. A pending HOLD found past its expiry is released first (and shown EXPIRED)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock | None = None) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, principal: Principal, transaction_id: UUID) -> Transaction:
        async with self._uow_factory() as uow:
            txn = await uow.ledger.get_transaction(transaction_id)
            if txn is not None and not principal.is_admin:
                owned = set(await uow.wallets.ids_owned_by(principal.user_id))
                if not txn.touches(owned):
                    txn = None
            if txn is None:
                raise TransactionNotFound(f"transaction {transaction_id} not found")
            if txn.type is TransactionType.HOLD and txn.status is TransactionStatus.PENDING and self._clock:
                now = self._clock.now()
                hold = await uow.holds.get(txn.id)
                if (
                    hold is not None
                    and hold.is_due(now)
                    and await release_due_holds(uow, now, [hold.wallet_id])
                ):
                    txn = await uow.ledger.get_transaction(transaction_id) or txn
                    await uow.commit()
        return txn


class ListTransactions:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(
        self,
        principal: Principal,
        page: PageRequest,
        wallet_id: UUID | None = None,
        type_: TransactionType | None = None,
    ) -> Page[Transaction]:
        async with self._uow_factory() as uow:
            wallet_ids = await listed_wallet_ids(uow, principal, wallet_id)
            if wallet_ids == []:
                return Page([])
            return await uow.ledger.list_transactions(TransactionQuery(wallet_ids, type_), page)


class ListWalletEntries:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, principal: Principal, wallet_id: UUID, page: PageRequest) -> Page[LedgerEntry]:
        async with self._uow_factory() as uow:
            wallet = await visible_wallet(uow, principal, wallet_id)
            return await uow.ledger.list_entries(wallet.id, page)
