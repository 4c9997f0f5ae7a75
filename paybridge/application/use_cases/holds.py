"""Holds (two-phase payments): place (owner of the source wallet, KYC VERIFIED), capture, void (a party of
the hold — the source or destination wallet's owner — or an administrator), read, list; and the sweeper that
expires due holds. Placing, capturing and voiding need an Idempotency-Key. A hold found expired by any of
these is released as EXPIRED first (in the same transaction), then reported (`hold_expired`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from paybridge.application.expiry import expire_hold, release_due_holds, without_due_holds
from paybridge.application.idempotency import IdempotentMovements, MovementResult
from paybridge.application.ports.metrics import Metrics
from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import HoldQuery, Page, PageRequest, UnitOfWork, UnitOfWorkFactory
from paybridge.application.ports.system import Clock
from paybridge.application.use_cases.move_money import owned_wallet
from paybridge.application.use_cases.recording import recorded, request_of
from paybridge.application.use_cases.relay_outbox import wait_or_stop
from paybridge.application.use_cases.wallets import listed_wallet_ids
from paybridge.domain.errors import HoldExpired, HoldNotFound, TransactionNotFound, WalletNotFound
from paybridge.domain.holds import Hold, HoldStatus, hold_expiry, plan_capture, plan_hold, plan_release
from paybridge.domain.money import Currency, Money
from paybridge.domain.movements import MovementDetails
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.transactions import Posting, Transaction
from paybridge.domain.wallets import SETTLEMENT, Wallet, system_account

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlaceHoldCommand:
    wallet_id: UUID
    amount: Any
    currency: Any
    destination_wallet_id: UUID | None = None
    expires_at: datetime | None = None
    ttl_seconds: int | None = None
    description: str | None = None
    metadata: Mapping[str, str] | None = None


async def visible_hold(uow: UnitOfWork, principal: Principal, hold_id: UUID, lock: bool = False) -> Hold:
    """The hold if the principal is an administrator or owns one of its wallets; else HoldNotFound."""
    hold = await uow.holds.get(hold_id, lock=lock)
    if hold is not None and not principal.is_admin:
        owned = set(await uow.wallets.ids_owned_by(principal.user_id))
        if not hold.involves(owned):
            hold = None
    if hold is None:
        raise HoldNotFound(f"hold {hold_id} not found")
    return hold


async def _pending(uow: UnitOfWork, hold: Hold, now: datetime) -> Transaction:
    """The hold's transaction, once the hold is known to be pending and not expired (an expired one is
    released here, and HoldExpired raised: its release commits with the stored refusal)."""
    if hold.is_due(now):
        await expire_hold(uow, hold, now)
        raise HoldExpired(f"hold {hold.id} expired at {hold.expires_at.isoformat()}", hold_id=str(hold.id))
    hold.ensure_pending()
    txn = await uow.ledger.get_transaction(hold.id)
    if txn is None:  # pragma: no cover - written together with the hold
        raise TransactionNotFound(f"transaction of hold {hold.id} is missing")
    return txn


class PlaceHold:
    def __init__(
        self, movements: IdempotentMovements, clock: Clock, metrics: Metrics, policy: PaymentPolicy
    ) -> None:
        self._movements = movements
        self._clock = clock
        self._metrics = metrics
        self._policy = policy

    async def __call__(self, principal: Principal, command: PlaceHoldCommand, key: str) -> MovementResult:
        return await recorded(
            self._metrics, "HOLD", command.currency, lambda: self._execute(principal, command, key)
        )

    async def _execute(self, principal: Principal, command: PlaceHoldCommand, key: str) -> MovementResult:
        money = Money.positive(command.amount, Currency.of(command.currency))
        details = MovementDetails(None, command.description, command.metadata)
        source_id, destination_id = command.wallet_id, command.destination_wallet_id

        async def plan(uow: UnitOfWork) -> Posting:
            now = self._clock.now()
            expires_at = hold_expiry(now, command.expires_at, command.ttl_seconds, self._policy)
            wanted = [source_id] if destination_id is None else [source_id, destination_id]
            wallets = await uow.wallets.get_many(wanted)
            source = owned_wallet(wallets.get(source_id), source_id, principal)
            destination: Wallet | None = None
            if destination_id is not None:
                destination = wallets.get(destination_id)
                if destination is None or destination.is_system:
                    raise WalletNotFound(f"destination wallet {destination_id} not found")
            source = await without_due_holds(uow, source, now)
            return plan_hold(
                source, destination, money, principal.user_id, details, expires_at, now, self._policy
            )

        return await self._movements.run(principal.user_id, key, "hold", request_of(command), plan)


class CaptureHold:
    def __init__(self, movements: IdempotentMovements, clock: Clock, metrics: Metrics) -> None:
        self._movements = movements
        self._clock = clock
        self._metrics = metrics

    async def __call__(
        self, principal: Principal, hold_id: UUID, amount: Any | None, key: str
    ) -> MovementResult:
        async def run() -> MovementResult:
            async def plan(uow: UnitOfWork) -> Posting:
                now = self._clock.now()
                hold = await visible_hold(uow, principal, hold_id, lock=True)
                txn = await _pending(uow, hold, now)
                counterparty = await _counterparty(uow, hold, now)
                return plan_capture(hold, txn, counterparty, amount, now)

            request = {"hold_id": str(hold_id), "amount": amount}
            return await self._movements.run(principal.user_id, key, "hold_capture", request, plan)

        return await recorded(self._metrics, "HOLD_CAPTURE", None, run)


async def _counterparty(uow: UnitOfWork, hold: Hold, now: datetime) -> Wallet:
    if hold.destination_wallet_id is None:
        settlement = system_account(SETTLEMENT, hold.amount.currency, now)
        await uow.wallets.ensure_system_account(settlement)
        return settlement
    destination = await uow.wallets.get(hold.destination_wallet_id)
    if destination is None:  # pragma: no cover - a foreign key keeps it
        raise WalletNotFound(f"destination wallet {hold.destination_wallet_id} not found")
    return destination


class VoidHold:
    def __init__(self, movements: IdempotentMovements, clock: Clock, metrics: Metrics) -> None:
        self._movements = movements
        self._clock = clock
        self._metrics = metrics

    async def __call__(
        self, principal: Principal, hold_id: UUID, reason: str | None, key: str
    ) -> MovementResult:
        async def run() -> MovementResult:
            async def plan(uow: UnitOfWork) -> Posting:
                now = self._clock.now()
                hold = await visible_hold(uow, principal, hold_id, lock=True)
                txn = await _pending(uow, hold, now)
                return plan_release(hold, txn, HoldStatus.VOIDED, now)

            request = {"hold_id": str(hold_id), "reason": reason}
            return await self._movements.run(principal.user_id, key, "hold_void", request, plan)

        return await recorded(self._metrics, "HOLD_VOID", None, run)


class GetHold:
    """Reads a hold; one found expired is released first (and reported EXPIRED)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, metrics: Metrics) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._metrics = metrics

    async def __call__(self, principal: Principal, hold_id: UUID) -> Hold:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            hold = await visible_hold(uow, principal, hold_id)
            if not hold.is_due(now):
                return hold
            expired = await release_due_holds(uow, now, [hold.wallet_id], limit=1_000)
            await uow.commit()
        _report_expired(self._metrics, expired)
        refreshed = next((h for h in expired if h.id == hold_id), None)
        if refreshed is not None:
            return refreshed
        async with self._uow_factory() as uow:  # settled concurrently by someone else: read what they wrote
            return await visible_hold(uow, principal, hold_id)


class ListHolds:
    """Lists holds newest first: those on or to the caller's wallets (an administrator's: every hold, as the
    transaction list shows them every transaction), optionally of one wallet — the caller's own, any user
    wallet for an administrator, else WalletNotFound — and of one status. Listed holds found past their
    expiry are released first and shown EXPIRED, as GetHold shows them; under a status filter they then leave
    the page (which may so hold fewer than `limit` items while `has_more`)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, metrics: Metrics) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._metrics = metrics

    async def __call__(
        self,
        principal: Principal,
        page: PageRequest,
        wallet_id: UUID | None = None,
        status: HoldStatus | None = None,
    ) -> Page[Hold]:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            wallet_ids = await listed_wallet_ids(uow, principal, wallet_id)
            if wallet_ids == []:
                return Page([])
            found = await uow.holds.list_holds(HoldQuery(wallet_ids, status), page)
            due = sorted({h.wallet_id for h in found.items if h.is_due(now)})
            if not due:
                return found
            expired = await release_due_holds(uow, now, due, limit=1_000)
            await uow.commit()
        _report_expired(self._metrics, expired)
        released = {h.id: h for h in expired}
        items = [released.get(h.id, h) for h in found.items]
        if status is not None:
            items = [h for h in items if h.status is status]
        return Page(items, found.next_position)


class ExpireDueHolds:
    """The sweeper: releases every hold past its expiry, `batch_size` per unit of work; safe to run in several
    processes at once (due holds are claimed with SKIP LOCKED). `run` repeats it until stopped (in the outbox
    relay's process, or `paybridge holds sweep --loop`)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, metrics: Metrics, batch_size: int = 100
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._metrics = metrics
        self._batch_size = batch_size

    async def __call__(self) -> int:
        total = 0
        while True:
            async with self._uow_factory() as uow:
                expired = await release_due_holds(uow, self._clock.now(), limit=self._batch_size)
                await uow.commit()
            _report_expired(self._metrics, expired)
            total += len(expired)
            if len(expired) < self._batch_size:
                break
        if total:
            logger.info("expired holds released", extra={"released": total})
        return total

    async def run(self, stop: asyncio.Event, interval_seconds: float) -> None:
        """Sweeps every `interval_seconds` until `stop` is set; a failed sweep is logged and retried."""
        while not stop.is_set():
            try:
                await self()
            except Exception:
                logger.exception("sweeping expired holds failed; retrying after the interval")
            await wait_or_stop(stop, asyncio.sleep(interval_seconds))


def _report_expired(metrics: Metrics, expired: list[Hold]) -> None:
    for hold in expired:
        metrics.transaction_completed("HOLD_EXPIRY", hold.amount.currency.code, hold.amount.amount)
