"""Use cases that move money: deposit (admin), withdraw and transfer (wallet owner). Each requires an
Idempotency-Key and runs through `IdempotentMovements`, so it is applied at most once per key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from paybridge.application.expiry import without_due_holds
from paybridge.application.idempotency import IdempotentMovements, MovementResult
from paybridge.application.ports.metrics import Metrics
from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import Presumption, UnitOfWork
from paybridge.application.ports.system import Clock
from paybridge.application.use_cases.recording import recorded, request_of
from paybridge.domain.errors import AdminRequired, WalletNotFound
from paybridge.domain.money import Currency, Money
from paybridge.domain.movements import (
    MovementDetails,
    plan_deposit,
    plan_transfer,
    plan_withdrawal,
    presume_transfer,
    presume_withdrawal,
)
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.transactions import Posting
from paybridge.domain.wallets import SETTLEMENT, Wallet, system_account, system_account_id


@dataclass(frozen=True, slots=True)
class DepositCommand:
    wallet_id: UUID
    amount: Any
    currency: Any
    reference: str | None = None
    description: str | None = None
    metadata: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class WithdrawalCommand(DepositCommand):
    pass


@dataclass(frozen=True, slots=True)
class TransferCommand:
    source_wallet_id: UUID
    destination_wallet_id: UUID
    amount: Any
    currency: Any
    description: str | None = None
    metadata: Mapping[str, str] | None = None


class DepositMoney:
    def __init__(self, movements: IdempotentMovements, clock: Clock, metrics: Metrics) -> None:
        self._movements = movements
        self._clock = clock
        self._metrics = metrics

    async def __call__(self, principal: Principal, command: DepositCommand, key: str) -> MovementResult:
        return await recorded(
            self._metrics, "DEPOSIT", command.currency, lambda: self._execute(principal, command, key)
        )

    async def _execute(self, principal: Principal, command: DepositCommand, key: str) -> MovementResult:
        if not principal.is_admin:
            raise AdminRequired("only administrators can record deposits")
        money = Money.positive(command.amount, Currency.of(command.currency))
        details = MovementDetails(command.reference, command.description, command.metadata)

        async def plan(uow: UnitOfWork) -> Posting:
            now = self._clock.now()
            wallet = await uow.wallets.get(command.wallet_id)
            if wallet is None or wallet.is_system:
                raise WalletNotFound(f"wallet {command.wallet_id} not found")
            settlement = system_account(SETTLEMENT, money.currency, now)
            await uow.wallets.ensure_system_account(settlement)
            return plan_deposit(wallet, settlement, money, principal.user_id, details, now)

        return await self._movements.run(principal.user_id, key, "deposit", request_of(command), plan)


class WithdrawMoney:
    def __init__(
        self,
        movements: IdempotentMovements,
        clock: Clock,
        metrics: Metrics,
        policy: PaymentPolicy | None = None,
    ) -> None:
        self._movements = movements
        self._clock = clock
        self._metrics = metrics
        self._policy = policy or PaymentPolicy()

    async def __call__(self, principal: Principal, command: WithdrawalCommand, key: str) -> MovementResult:
        return await recorded(
            self._metrics, "WITHDRAWAL", command.currency, lambda: self._execute(principal, command, key)
        )

    async def _execute(self, principal: Principal, command: WithdrawalCommand, key: str) -> MovementResult:
        money = Money.positive(command.amount, Currency.of(command.currency))
        details = MovementDetails(command.reference, command.description, command.metadata)

        async def plan(uow: UnitOfWork) -> Posting:
            now = self._clock.now()
            wallet = owned_wallet(await uow.wallets.get(command.wallet_id), command.wallet_id, principal)
            wallet = await without_due_holds(uow, wallet, now)
            settlement = system_account(SETTLEMENT, money.currency, now)
            await uow.wallets.ensure_system_account(settlement)
            return plan_withdrawal(wallet, settlement, money, principal.user_id, details, now, self._policy)

        def presume() -> tuple[Posting, Presumption]:
            settlement_id = system_account_id(SETTLEMENT, money.currency)
            posting = presume_withdrawal(
                command.wallet_id,
                settlement_id,
                money,
                principal.user_id,
                details,
                self._clock.now(),
                self._policy,
            )
            return posting, Presumption(principal.user_id, command.wallet_id, system_wallet_id=settlement_id)

        return await self._movements.run(
            principal.user_id, key, "withdrawal", request_of(command), plan, presume
        )


class TransferMoney:
    def __init__(
        self,
        movements: IdempotentMovements,
        clock: Clock,
        metrics: Metrics,
        policy: PaymentPolicy | None = None,
    ) -> None:
        self._movements = movements
        self._clock = clock
        self._metrics = metrics
        self._policy = policy or PaymentPolicy()

    async def __call__(self, principal: Principal, command: TransferCommand, key: str) -> MovementResult:
        return await recorded(
            self._metrics, "TRANSFER", command.currency, lambda: self._execute(principal, command, key)
        )

    async def _execute(self, principal: Principal, command: TransferCommand, key: str) -> MovementResult:
        money = Money.positive(command.amount, Currency.of(command.currency))
        details = MovementDetails(None, command.description, command.metadata)
        source_id, destination_id = command.source_wallet_id, command.destination_wallet_id

        async def plan(uow: UnitOfWork) -> Posting:
            now = self._clock.now()
            wallets = await uow.wallets.get_many([source_id, destination_id])
            source = owned_wallet(wallets.get(source_id), source_id, principal)
            destination = wallets.get(destination_id)
            if destination is None or destination.is_system:
                raise WalletNotFound(f"destination wallet {destination_id} not found")
            source = await without_due_holds(uow, source, now)
            return plan_transfer(source, destination, money, principal.user_id, details, now, self._policy)

        def presume() -> tuple[Posting, Presumption] | None:
            now = self._clock.now()
            posting = presume_transfer(
                source_id, destination_id, money, principal.user_id, details, now, self._policy
            )
            return None if posting is None else (posting, Presumption(principal.user_id, source_id))

        return await self._movements.run(
            principal.user_id, key, "transfer", request_of(command), plan, presume
        )


def owned_wallet(wallet: Wallet | None, wallet_id: UUID, principal: Principal) -> Wallet:
    if wallet is None or not wallet.is_owned_by(principal.user_id):
        raise WalletNotFound(f"wallet {wallet_id} not found")
    return wallet
