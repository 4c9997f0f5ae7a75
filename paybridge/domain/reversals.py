"""Reversals: a REVERSAL transaction gives back all or part of a completed transaction with opposite ledger
entries — the wallet that was credited is debited, the one that was debited is credited (the settlement
account standing in for the outside world on deposits, withdrawals and holds captured without a destination).
Partial reversals add up until the original amount is used up; the original's `reversed_amount` says how far.

Who: administrators any time; the sender (owner of the source wallet) of a TRANSFER within the reversal
window. Reversible: completed DEPOSIT, WITHDRAWAL, TRANSFER and captured HOLD transactions. Not an EXCHANGE
(exchanging back is the way) nor a REVERSAL. No KYC and no outgoing limit applies: a reversal is a correction,
not a payment; the debited wallet must still be active and have the money available.

Reversing a debit its owner's outgoing limits counted (a withdrawal, a transfer, a captured hold) gives the
reversed amount back to the original source wallet's usage for the periods the original was counted in — the
hold release's give-back (limits.py), carried by the credited leg, so it moves under the same wallet lock in
the same posting: only while those periods are still current, never below zero.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from paybridge.domain.errors import (
    NotReversible,
    ReversalExceedsAmount,
    ReversalNotPermitted,
    ReversalWindowClosed,
)
from paybridge.domain.flow_events import TransactionReversed
from paybridge.domain.limits import give_back
from paybridge.domain.money import Money
from paybridge.domain.movements import MovementDetails, new_transaction
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.transactions import (
    Leg,
    Posting,
    Reversal,
    Transaction,
    TransactionStatus,
    TransactionType,
)

REVERSIBLE = frozenset(
    {TransactionType.DEPOSIT, TransactionType.WITHDRAWAL, TransactionType.TRANSFER, TransactionType.HOLD}
)
COUNTED = frozenset({TransactionType.WITHDRAWAL, TransactionType.TRANSFER, TransactionType.HOLD})
"""The reversible types whose debit counted against the source wallet's outgoing limits, at the original's
`created_at`: a withdrawal or transfer when it completed, a hold when it was placed (what its capture kept)."""


def ensure_may_reverse(
    original: Transaction, is_admin: bool, owns_source: bool, now: datetime, policy: PaymentPolicy
) -> None:
    if is_admin:
        return
    if original.type is not TransactionType.TRANSFER or not owns_source:
        raise ReversalNotPermitted("only administrators, or the sender of a transfer, may reverse it")
    completed = original.completed_at or original.created_at
    if now - completed > policy.reversal_window:
        raise ReversalWindowClosed(
            f"a transfer can be reversed by its sender for {int(policy.reversal_window.total_seconds())}"
            " seconds after it completed; ask an administrator",
            transaction_id=str(original.id),
        )


def reversible_amount(original: Transaction) -> int:
    if original.type not in REVERSIBLE or original.status is not TransactionStatus.COMPLETED:
        raise NotReversible(
            f"a {original.status.value.lower()} {original.type.value.lower()} cannot be reversed",
            transaction_id=str(original.id),
        )
    return original.amount.amount - original.reversed_amount


def plan_reversal(
    original: Transaction,
    settlement_id: UUID,
    amount: int | None,
    reason: str,
    actor: UUID,
    now: datetime,
) -> Posting:
    """Gives back `amount` (default: everything not reversed yet) of `original`; `settlement_id` is the
    settlement account of its currency (used when a side of the original was the outside world). A counted
    original's source wallet gets `amount` of its outgoing allowance back (see COUNTED)."""
    remaining = reversible_amount(original)
    wanted = (remaining or 1) if amount is None else amount  # nothing left: 1 is refused just below
    money = Money.positive(wanted, original.amount.currency)
    if money.amount > remaining:
        raise ReversalExceedsAmount(
            f"{remaining} minor units of transaction {original.id} are left to reverse",
            transaction_id=str(original.id),
            remaining=remaining,
        )
    debited = original.destination_wallet_id  # credited by the original, debited now
    credited = original.source_wallet_id
    txn = replace(
        new_transaction(
            TransactionType.REVERSAL,
            money,
            debited,
            credited,
            actor,
            MovementDetails(description=reason),
            now,
        ),
        original_transaction_id=original.id,
    )
    currency = money.currency
    counted = original.type in COUNTED
    legs = (
        Leg(debited or settlement_id, -money.amount, currency),
        Leg(
            credited or settlement_id,
            money.amount,
            currency,
            charge=give_back(money.amount, original.created_at) if counted else None,
        ),
    )
    updated = replace(original, reversed_amount=original.reversed_amount + money.amount)
    event = TransactionReversed(occurred_at=now, original=updated, reversal=txn)
    return Posting(txn, legs, (event,), reversal=Reversal(original.id, money.amount))
