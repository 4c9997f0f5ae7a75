"""Administrators manage wallets: suspend, activate, close (domain/lifecycle.py) and set a wallet's own
outgoing limits; owners and administrators read a wallet's limits with what is left of them, and its balance
at a past moment. Every change locks the wallet's row, so it cannot race a posting (closing checks the
balance the next posting would see), and writes its event in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import UnitOfWorkFactory
from paybridge.application.ports.system import Clock
from paybridge.application.use_cases.wallets import visible_wallet
from paybridge.domain.errors import AdminRequired, FieldError, ValidationFailed, WalletNotFound
from paybridge.domain.flow_events import WalletEvent
from paybridge.domain.lifecycle import change_limits, change_status
from paybridge.domain.limits import Allowance, Limits, allowance
from paybridge.domain.money import MAX_AMOUNT
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.wallets import Wallet, WalletStatus

logger = logging.getLogger(__name__)


class _WalletAdministration:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def _change(
        self,
        principal: Principal,
        wallet_id: UUID,
        change: Callable[[Wallet, datetime], tuple[Wallet, WalletEvent | None]],
    ) -> Wallet:
        if not principal.is_admin:
            raise AdminRequired("only administrators manage wallets")
        now = self._clock.now()
        async with self._uow_factory() as uow:
            wallet = await uow.wallets.lock(wallet_id)
            if wallet is None or wallet.is_system:
                raise WalletNotFound(f"wallet {wallet_id} not found")
            updated, event = change(wallet, now)
            if event is None:
                return wallet
            await uow.wallets.save_settings(updated)
            await uow.outbox.add([event])
            await uow.commit()
        logger.info("wallet changed by an administrator", extra={"wallet_id": str(wallet_id)})
        return updated


class ChangeWalletStatus(_WalletAdministration):
    """`target` SUSPENDED (suspend), ACTIVE (activate) or CLOSED (close)."""

    async def __call__(
        self, principal: Principal, wallet_id: UUID, target: WalletStatus, reason: str | None = None
    ) -> Wallet:
        return await self._change(
            principal,
            wallet_id,
            lambda wallet, now: change_status(wallet, target, principal.user_id, reason, now),
        )


class SetWalletLimits(_WalletAdministration):
    """A wallet's own daily / monthly outgoing limits; None restores the currency's default."""

    async def __call__(self, principal: Principal, wallet_id: UUID, daily: Any, monthly: Any) -> Wallet:
        limits = Limits(_limit(daily, "daily"), _limit(monthly, "monthly"))
        return await self._change(
            principal, wallet_id, lambda wallet, now: change_limits(wallet, limits, principal.user_id, now)
        )


def _limit(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_AMOUNT:
        raise ValidationFailed(
            "a limit is an integer number of minor units", errors=[FieldError(field, f"0 to {MAX_AMOUNT}")]
        )
    return value


class GetWalletLimits:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, policy: PaymentPolicy) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._policy = policy

    async def __call__(self, principal: Principal, wallet_id: UUID) -> tuple[Wallet, Allowance]:
        async with self._uow_factory() as uow:
            wallet = await visible_wallet(uow, principal, wallet_id)
        defaults = self._policy.limit_defaults(wallet.currency)
        return wallet, allowance(wallet.limits, defaults, wallet.usage, self._clock.now())


class GetBalanceAt:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(
        self, principal: Principal, wallet_id: UUID, at: datetime | None
    ) -> tuple[Wallet, int, datetime]:
        """The wallet's balance at `at` (default: now), from its ledger entries."""
        moment = at or self._clock.now()
        if moment.tzinfo is None:
            raise ValidationFailed("at needs a time zone offset", errors=[FieldError("at", "RFC 3339")])
        async with self._uow_factory() as uow:
            wallet = await visible_wallet(uow, principal, wallet_id)
            balance = await uow.ledger.balance_at(wallet.id, moment)
        return wallet, balance, moment
