"""Holds: two-phase payments. A hold reserves money on a wallet (authorize); later it is captured (the money
moves, up to the held amount; a partial capture releases the rest), voided, or it expires.

Modelling: a hold *is* a transaction of type HOLD — the hold's id is its transaction's id. Placing it writes
the transaction as PENDING with no ledger entries and raises the wallet's `held` (so `available` drops).
Capturing posts the real entries (to the destination wallet, or to the settlement account when the hold has
none), sets the transaction's amount to the captured amount and completes it; voiding cancels it
(CANCELLED); expiry marks it EXPIRED. Every ending releases the whole held amount. The `Hold` record keeps
what was authorized, when it expires and what was captured.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from paybridge.domain.errors import CaptureExceedsHold, HoldNotPending, InvalidHoldExpiry, WalletNotFound
from paybridge.domain.flow_events import HoldCaptured, HoldCreated, HoldExpired, HoldVoided
from paybridge.domain.limits import give_back
from paybridge.domain.money import Money
from paybridge.domain.movements import (
    MovementDetails,
    check_destination,
    check_sendable,
    check_wallet,
    new_transaction,
    outgoing_charge,
    sender,
)
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.transactions import Leg, Posting, Transaction, TransactionStatus, TransactionType
from paybridge.domain.wallets import Wallet


class HoldStatus(StrEnum):
    PENDING = "PENDING"
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


_TRANSACTION_STATUS = {
    HoldStatus.PENDING: TransactionStatus.PENDING,
    HoldStatus.CAPTURED: TransactionStatus.COMPLETED,
    HoldStatus.VOIDED: TransactionStatus.CANCELLED,
    HoldStatus.EXPIRED: TransactionStatus.EXPIRED,
}


@dataclass(frozen=True, slots=True)
class Hold:
    id: UUID
    """Also the id of the hold's HOLD transaction."""
    wallet_id: UUID
    destination_wallet_id: UUID | None
    amount: Money
    """What was authorized (held)."""
    status: HoldStatus
    captured_amount: int | None
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    initiated_by: UUID | None = None

    def is_due(self, now: datetime) -> bool:
        """Pending past its expiry: to be released as EXPIRED."""
        return self.status is HoldStatus.PENDING and self.expires_at <= now

    def involves(self, wallet_ids: set[UUID]) -> bool:
        return self.wallet_id in wallet_ids or self.destination_wallet_id in wallet_ids

    def ensure_pending(self) -> None:
        if self.status is not HoldStatus.PENDING:
            raise HoldNotPending(
                f"hold {self.id} is {self.status.value.lower()}",
                hold_id=str(self.id),
                hold_status=self.status.value,
            )


def hold_expiry(
    now: datetime, expires_at: datetime | None, ttl_seconds: int | None, policy: PaymentPolicy
) -> datetime:
    """When a new hold expires: `expires_at`, or now + `ttl_seconds`, or now + the default TTL; in the future
    and no later than the maximum TTL."""
    if expires_at is not None and ttl_seconds is not None:
        raise InvalidHoldExpiry("give expires_at or ttl_seconds, not both")
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise InvalidHoldExpiry("expires_at needs a time zone offset (RFC 3339)")
        chosen = expires_at
    else:
        chosen = now + (
            timedelta(seconds=ttl_seconds) if ttl_seconds is not None else policy.hold_default_ttl
        )
    if chosen <= now:
        raise InvalidHoldExpiry("a hold must expire in the future")
    if chosen > now + policy.hold_max_ttl:
        raise InvalidHoldExpiry(f"a hold may last at most {int(policy.hold_max_ttl.total_seconds())} seconds")
    return chosen


def plan_hold(
    wallet: Wallet,
    destination: Wallet | None,
    money: Money,
    actor: UUID,
    details: MovementDetails,
    expires_at: datetime,
    now: datetime,
    policy: PaymentPolicy,
) -> Posting:
    """Reserves `money` on `wallet` (for `destination`, or the settlement account when None)."""
    check_wallet(wallet, money)
    if destination is not None:
        if destination.is_system:
            raise WalletNotFound(f"destination wallet {destination.id} not found")
        check_destination(wallet, destination, money)
    charge = outgoing_charge(money, now, policy)
    check_sendable(wallet, money, charge)
    destination_id = destination.id if destination else None
    txn = new_transaction(
        TransactionType.HOLD, money, wallet.id, destination_id, actor, details, now, TransactionStatus.PENDING
    )
    hold = Hold(
        txn.id, wallet.id, destination_id, money, HoldStatus.PENDING, None, expires_at, now, now, actor
    )
    leg = Leg(wallet.id, 0, money.currency, held_delta=money.amount, charge=charge)
    return Posting(
        txn,
        (leg,),
        (HoldCreated(occurred_at=now, hold=hold),),
        verified_actor=sender(actor, policy),
        hold=hold,
    )


def plan_capture(
    hold: Hold, txn: Transaction, counterparty: Wallet, amount: int | None, now: datetime
) -> Posting:
    """Moves `amount` (default: all) of the held money to `counterparty` (the destination wallet, or the
    settlement account) and releases the whole hold; the uncaptured rest goes back to the allowance."""
    hold.ensure_pending()
    captured = Money.positive(hold.amount.amount if amount is None else amount, hold.amount.currency)
    if captured.amount > hold.amount.amount:
        raise CaptureExceedsHold(
            f"hold {hold.id} holds {hold.amount}; cannot capture {captured}",
            hold_id=str(hold.id),
            held_amount=hold.amount.amount,
        )
    settled = _settled(hold, HoldStatus.CAPTURED, now, captured.amount)
    released = hold.amount.amount - captured.amount
    currency = hold.amount.currency
    legs = (
        Leg(
            hold.wallet_id,
            -captured.amount,
            currency,
            -hold.amount.amount,
            give_back(released, hold.created_at),
        ),
        Leg(counterparty.id, captured.amount, currency),
    )
    done = replace(txn, status=TransactionStatus.COMPLETED, amount=captured, completed_at=now)
    return Posting(
        done,
        legs,
        (HoldCaptured(occurred_at=now, hold=settled),),
        new_transaction=False,
        posted_at=now,
        hold=settled,
    )


def plan_release(hold: Hold, txn: Transaction, ending: HoldStatus, now: datetime) -> Posting:
    """Ends a pending hold without moving money (VOIDED or EXPIRED): its held amount is released and given
    back to the allowance. Allowed on a wallet that is suspended or closed since."""
    hold.ensure_pending()
    if ending not in (HoldStatus.VOIDED, HoldStatus.EXPIRED):
        raise ValueError(f"a hold is released as VOIDED or EXPIRED, not {ending}")
    settled = _settled(hold, ending, now, None)
    amount = hold.amount.amount
    leg = Leg(hold.wallet_id, 0, hold.amount.currency, -amount, give_back(amount, hold.created_at))
    event = (HoldVoided if ending is HoldStatus.VOIDED else HoldExpired)(occurred_at=now, hold=settled)
    done = replace(txn, status=_TRANSACTION_STATUS[ending])
    return Posting(done, (leg,), (event,), new_transaction=False, posted_at=now, hold=settled)


def _settled(hold: Hold, status: HoldStatus, now: datetime, captured: int | None) -> Hold:
    return replace(hold, status=status, captured_amount=captured, updated_at=now)
