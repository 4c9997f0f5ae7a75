"""Reversing a transaction (all or part of it), with an Idempotency-Key: administrators any time, the sender
of a transfer within the reversal window (domain/reversals.py has the rules). The original's row is locked
first, so concurrent reversals of one transaction are applied one after the other and never exceed it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from paybridge.application.idempotency import IdempotentMovements, MovementResult
from paybridge.application.ports.metrics import Metrics
from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import UnitOfWork
from paybridge.application.ports.system import Clock
from paybridge.application.use_cases.recording import recorded, request_of
from paybridge.domain.errors import TransactionNotFound
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.reversals import ensure_may_reverse, plan_reversal
from paybridge.domain.transactions import Posting
from paybridge.domain.wallets import SETTLEMENT, system_account


@dataclass(frozen=True, slots=True)
class ReverseCommand:
    transaction_id: UUID
    reason: str
    amount: Any | None = None


class ReverseTransaction:
    def __init__(
        self, movements: IdempotentMovements, clock: Clock, metrics: Metrics, policy: PaymentPolicy
    ) -> None:
        self._movements = movements
        self._clock = clock
        self._metrics = metrics
        self._policy = policy

    async def __call__(self, principal: Principal, command: ReverseCommand, key: str) -> MovementResult:
        return await recorded(self._metrics, "REVERSAL", None, lambda: self._execute(principal, command, key))

    async def _execute(self, principal: Principal, command: ReverseCommand, key: str) -> MovementResult:
        async def plan(uow: UnitOfWork) -> Posting:
            now = self._clock.now()
            original = await uow.ledger.get_transaction(command.transaction_id, lock=True)
            owned: set[UUID] = set()
            if original is not None and not principal.is_admin:
                owned = set(await uow.wallets.ids_owned_by(principal.user_id))
                if not original.touches(owned):
                    original = None
            if original is None:
                raise TransactionNotFound(f"transaction {command.transaction_id} not found")
            owns_source = original.source_wallet_id in owned
            ensure_may_reverse(original, principal.is_admin, owns_source, now, self._policy)
            settlement = system_account(SETTLEMENT, original.amount.currency, now)
            await uow.wallets.ensure_system_account(settlement)
            return plan_reversal(
                original, settlement.id, command.amount, command.reason, principal.user_id, now
            )

        return await self._movements.run(principal.user_id, key, "reversal", request_of(command), plan)
