"""Use cases for wallets: open one, read one, list them. Users see only their own wallets; a foreign wallet
is reported as not found so its existence is never revealed. Admins see every wallet."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from paybridge.application.expiry import release_due_holds
from paybridge.application.ports.metrics import Metrics, NullMetrics
from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import Page, PageRequest, UnitOfWork, UnitOfWorkFactory
from paybridge.application.ports.system import Clock
from paybridge.domain.errors import WalletNotFound
from paybridge.domain.events import WalletCreated
from paybridge.domain.money import Currency
from paybridge.domain.wallets import Wallet, open_wallet

logger = logging.getLogger(__name__)


async def visible_wallet(uow: UnitOfWork, principal: Principal, wallet_id: UUID) -> Wallet:
    wallet = await uow.wallets.get(wallet_id)
    if (
        wallet is None
        or wallet.is_system
        or not (principal.is_admin or wallet.is_owned_by(principal.user_id))
    ):
        raise WalletNotFound(f"wallet {wallet_id} not found")
    return wallet


async def listed_wallet_ids(
    uow: UnitOfWork, principal: Principal, wallet_id: UUID | None
) -> list[UUID] | None:
    """The wallets a list (transactions, holds) covers: the one asked for if the principal may see it (else
    WalletNotFound), every wallet (None) for an administrator who names none, else the principal's own — an
    empty list when it owns none, so the list is empty without asking storage."""
    if wallet_id is not None:
        return [(await visible_wallet(uow, principal, wallet_id)).id]
    if principal.is_admin:
        return None
    return await uow.wallets.ids_owned_by(principal.user_id)


class OpenWallet:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, principal: Principal, currency: Any) -> Wallet:
        """Raises UnsupportedCurrency, WalletAlreadyExists (one wallet per user and currency)."""
        now = self._clock.now()
        wallet = open_wallet(principal.user_id, Currency.of(currency), now)
        async with self._uow_factory() as uow:
            await uow.wallets.add(wallet)
            await uow.outbox.add([WalletCreated(occurred_at=now, wallet=wallet)])
            await uow.commit()
        logger.info("wallet opened", extra={"wallet_id": str(wallet.id), "currency": wallet.currency.code})
        return wallet


class GetWallet:
    """Reads a wallet. Holds on it found expired are released first, so `held` and `available` are current
    (the sweeper does it too, for wallets nobody reads)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock | None = None, metrics: Metrics | None = None
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._metrics = metrics or NullMetrics()

    async def __call__(self, principal: Principal, wallet_id: UUID) -> Wallet:
        async with self._uow_factory() as uow:
            wallet = await visible_wallet(uow, principal, wallet_id)
            if not wallet.held or self._clock is None:
                return wallet
            expired = await release_due_holds(uow, self._clock.now(), [wallet.id])
            if not expired:
                return wallet
            wallet = await uow.wallets.get(wallet.id) or wallet
            await uow.commit()
        for hold in expired:
            self._metrics.transaction_completed("HOLD_EXPIRY", hold.amount.currency.code, hold.amount.amount)
        return wallet


class ListWallets:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, principal: Principal, page: PageRequest) -> Page[Wallet]:
        owner = None if principal.is_admin else principal.user_id
        async with self._uow_factory() as uow:
            return await uow.wallets.list_owned(owner, page)
