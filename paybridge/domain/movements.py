"""The rules of moving money: who may move what, between which wallets. Pure functions that turn a request
into a balanced `Posting`; `refusals.py` explains why storage refused one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from paybridge.domain.errors import CurrencyMismatch, InsufficientFunds, SameWallet
from paybridge.domain.events import DepositCompleted, TransferCompleted, WithdrawalCompleted
from paybridge.domain.ids import new_id
from paybridge.domain.limits import OutgoingCharge, allowance, ensure_within_limits
from paybridge.domain.money import Money
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.refusals import RefusedConditions as RefusedConditions
from paybridge.domain.refusals import WalletState as WalletState
from paybridge.domain.refusals import explain_refusal as explain_refusal
from paybridge.domain.transactions import Leg, Posting, Transaction, TransactionStatus, TransactionType
from paybridge.domain.wallets import Wallet

DEFAULT_POLICY = PaymentPolicy()


@dataclass(frozen=True, slots=True)
class MovementDetails:
    reference: str | None = None
    description: str | None = None
    metadata: Mapping[str, str] | None = None


def new_transaction(
    kind: TransactionType,
    money: Money,
    source: UUID | None,
    destination: UUID | None,
    actor: UUID,
    details: MovementDetails,
    now: datetime,
    status: TransactionStatus = TransactionStatus.COMPLETED,
) -> Transaction:
    return Transaction(
        id=new_id(),
        type=kind,
        status=status,
        amount=money,
        source_wallet_id=source,
        destination_wallet_id=destination,
        initiated_by=actor,
        reference=details.reference,
        description=details.description,
        metadata=dict(details.metadata or {}),
        created_at=now,
        completed_at=now if status is TransactionStatus.COMPLETED else None,
    )


def check_wallet(wallet: Wallet, money: Money) -> None:
    """The wallet is in the money's currency and active."""
    if wallet.currency != money.currency:
        raise CurrencyMismatch(
            f"wallet {wallet.id} holds {wallet.currency}, not {money.currency}", wallet_id=str(wallet.id)
        )
    wallet.ensure_active()


def outgoing_charge(money: Money, now: datetime, policy: PaymentPolicy) -> OutgoingCharge:
    return OutgoingCharge(money.amount, now, policy.limit_defaults(money.currency))


def check_sendable(wallet: Wallet, money: Money, charge: OutgoingCharge) -> None:
    """The wallet has `money` available and sending it keeps the wallet within its outgoing limits."""
    if wallet.available < money.amount:
        raise InsufficientFunds(
            f"wallet {wallet.id} has less than {money} available", wallet_id=str(wallet.id)
        )
    current = allowance(wallet.limits, charge.defaults, wallet.usage, charge.at)
    ensure_within_limits(str(wallet.id), money.currency.code, current, charge.amount)


def sender(actor: UUID, policy: PaymentPolicy) -> UUID | None:
    """The user whose KYC status storage must find VERIFIED when applying an outgoing posting."""
    return actor if policy.kyc_required_for_outgoing else None


def plan_deposit(
    wallet: Wallet, settlement: Wallet, money: Money, actor: UUID, details: MovementDetails, now: datetime
) -> Posting:
    check_wallet(wallet, money)
    txn = new_transaction(TransactionType.DEPOSIT, money, None, wallet.id, actor, details, now)
    legs = (Leg(settlement.id, -money.amount, money.currency), Leg(wallet.id, money.amount, money.currency))
    return Posting(txn, legs, (DepositCompleted(occurred_at=now, transaction=txn),))


def plan_withdrawal(
    wallet: Wallet,
    settlement: Wallet,
    money: Money,
    actor: UUID,
    details: MovementDetails,
    now: datetime,
    policy: PaymentPolicy = DEFAULT_POLICY,
) -> Posting:
    check_wallet(wallet, money)
    check_sendable(wallet, money, outgoing_charge(money, now, policy))
    return presume_withdrawal(wallet.id, settlement.id, money, actor, details, now, policy)


def presume_withdrawal(
    wallet_id: UUID,
    settlement_id: UUID,
    money: Money,
    actor: UUID,
    details: MovementDetails,
    now: datetime,
    policy: PaymentPolicy = DEFAULT_POLICY,
) -> Posting:
    """The posting `plan_withdrawal` makes, planned from the request alone (see `presume_transfer`): storage
    applies it only if the rules and the presumption (the actor owns the wallet, the settlement account is the
    only system account named, no hold on the wallet is due) hold under the lock."""
    charge = outgoing_charge(money, now, policy)
    txn = new_transaction(TransactionType.WITHDRAWAL, money, wallet_id, None, actor, details, now)
    legs = (
        Leg(wallet_id, -money.amount, money.currency, charge=charge),
        Leg(settlement_id, money.amount, money.currency),
    )
    events = (WithdrawalCompleted(occurred_at=now, transaction=txn),)
    return Posting(txn, legs, events, verified_actor=sender(actor, policy))


def check_destination(source: Wallet, destination: Wallet, money: Money) -> None:
    """A different, active wallet in the money's currency."""
    if source.id == destination.id:
        raise SameWallet("source and destination must be different wallets")
    if destination.currency != money.currency:
        raise CurrencyMismatch(
            f"destination wallet holds {destination.currency}, not {money.currency}",
            wallet_id=str(destination.id),
        )
    destination.ensure_active()


def plan_transfer(
    source: Wallet,
    destination: Wallet,
    money: Money,
    actor: UUID,
    details: MovementDetails,
    now: datetime,
    policy: PaymentPolicy = DEFAULT_POLICY,
) -> Posting:
    if source.id == destination.id:
        raise SameWallet("source and destination must be different wallets")
    check_wallet(source, money)
    check_destination(source, destination, money)
    check_sendable(source, money, outgoing_charge(money, now, policy))
    posting = presume_transfer(source.id, destination.id, money, actor, details, now, policy)
    if posting is None:  # pragma: no cover - the same wallet twice was refused above
        raise SameWallet("source and destination must be different wallets")
    return posting


def presume_transfer(
    source_id: UUID,
    destination_id: UUID,
    money: Money,
    actor: UUID,
    details: MovementDetails,
    now: datetime,
    policy: PaymentPolicy = DEFAULT_POLICY,
) -> Posting | None:
    """The posting `plan_transfer` makes, planned from the request alone: every check of the wallets is
    left to storage, which applies it only if the posting's rules and the presumption (the actor owns the
    source, both are user wallets, no hold on the source is due) hold under the lock. None when the request
    alone breaks a rule (the same wallet twice): the planned path explains it."""
    if source_id == destination_id:
        return None
    charge = outgoing_charge(money, now, policy)
    txn = new_transaction(TransactionType.TRANSFER, money, source_id, destination_id, actor, details, now)
    legs = (
        Leg(source_id, -money.amount, money.currency, charge=charge),
        Leg(destination_id, money.amount, money.currency),
    )
    events = (TransferCompleted(occurred_at=now, transaction=txn),)
    return Posting(txn, legs, events, verified_actor=sender(actor, policy))
