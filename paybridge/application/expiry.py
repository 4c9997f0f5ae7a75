"""Releasing expired holds: by the sweeper (`ExpireDueHolds`) and lazily, inside any unit of work that
touches a wallet with held money or a hold itself, so an expired hold never blocks funds or gets captured."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from paybridge.application.ports.storage import UnitOfWork
from paybridge.domain.errors import TransactionNotFound
from paybridge.domain.holds import Hold, HoldStatus, plan_release
from paybridge.domain.refusals import explain_refusal
from paybridge.domain.wallets import Wallet


async def expire_hold(uow: UnitOfWork, hold: Hold, now: datetime) -> Hold:
    """Writes the expiry of `hold` (locked by the caller, due) in `uow`; returns the expired hold."""
    txn = await uow.ledger.get_transaction(hold.id)
    if txn is None:  # pragma: no cover - a hold's transaction is written with it (foreign key)
        raise TransactionNotFound(f"transaction of hold {hold.id} is missing")
    posting = plan_release(hold, txn, HoldStatus.EXPIRED, now)
    refusal = await uow.ledger.post(posting, None)
    if refusal is not None:  # pragma: no cover - releasing cannot break a rule of a locked pending hold
        raise explain_refusal(posting, refusal.states, refusal.conditions)
    return posting.hold or hold


async def release_due_holds(
    uow: UnitOfWork, now: datetime, wallet_ids: Sequence[UUID] | None = None, limit: int = 100
) -> list[Hold]:
    """Expires up to `limit` due holds (of `wallet_ids` when given) in `uow`; returns them expired. Holds
    locked by another unit of work are skipped: that one is settling them."""
    return [await expire_hold(uow, hold, now) for hold in await uow.holds.lock_due(now, limit, wallet_ids)]


async def without_due_holds(uow: UnitOfWork, wallet: Wallet, now: datetime) -> Wallet:
    """`wallet` after releasing its expired holds (in `uow`), so they no longer reduce what it can send."""
    if wallet.held == 0 or not await release_due_holds(uow, now, [wallet.id]):
        return wallet
    return await uow.wallets.get(wallet.id) or wallet
