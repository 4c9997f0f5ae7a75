"""The rules of moving money: who may move what, between which wallets. Pure functions that turn a request
into a balanced `Posting`, and that explain why storage refused one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from paybridge.domain.errors import (
    ConcurrencyConflict,
    CurrencyMismatch,
    InsufficientFunds,
    PayBridgeError,
    SameWallet,
    WalletNotActive,
    WalletNotFound,
)
from paybridge.domain.events import DepositCompleted, TransferCompleted, WithdrawalCompleted
from paybridge.domain.ids import new_id
from paybridge.domain.money import Money
from paybridge.domain.transactions import Leg, Posting, Transaction, TransactionStatus, TransactionType
from paybridge.domain.wallets import Wallet, WalletStatus


@dataclass(frozen=True, slots=True)
class MovementDetails:
    reference: str | None = None
    description: str | None = None
    metadata: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class WalletState:
    """A wallet as storage saw it, locked, when it refused a posting."""

    status: WalletStatus
    balance: int
    is_system: bool
    currency: str


def _completed(
    kind: TransactionType,
    money: Money,
    source: UUID | None,
    destination: UUID | None,
    actor: UUID,
    details: MovementDetails,
    now: datetime,
) -> Transaction:
    return Transaction(
        id=new_id(),
        type=kind,
        status=TransactionStatus.COMPLETED,
        amount=money,
        source_wallet_id=source,
        destination_wallet_id=destination,
        initiated_by=actor,
        reference=details.reference,
        description=details.description,
        metadata=dict(details.metadata or {}),
        created_at=now,
        completed_at=now,
    )


def _check_wallet(wallet: Wallet, money: Money) -> None:
    if wallet.currency != money.currency:
        raise CurrencyMismatch(
            f"wallet {wallet.id} holds {wallet.currency}, not {money.currency}", wallet_id=str(wallet.id)
        )
    wallet.ensure_active()


def plan_deposit(
    wallet: Wallet, settlement: Wallet, money: Money, actor: UUID, details: MovementDetails, now: datetime
) -> Posting:
    _check_wallet(wallet, money)
    txn = _completed(TransactionType.DEPOSIT, money, None, wallet.id, actor, details, now)
    legs = (Leg(settlement.id, -money.amount), Leg(wallet.id, money.amount))
    return Posting(txn, legs, (DepositCompleted(occurred_at=now, transaction=txn),))


def plan_withdrawal(
    wallet: Wallet, settlement: Wallet, money: Money, actor: UUID, details: MovementDetails, now: datetime
) -> Posting:
    _check_wallet(wallet, money)
    if wallet.balance < money.amount:
        raise InsufficientFunds(f"wallet {wallet.id} holds less than {money}", wallet_id=str(wallet.id))
    txn = _completed(TransactionType.WITHDRAWAL, money, wallet.id, None, actor, details, now)
    legs = (Leg(wallet.id, -money.amount), Leg(settlement.id, money.amount))
    return Posting(txn, legs, (WithdrawalCompleted(occurred_at=now, transaction=txn),))


def plan_transfer(
    source: Wallet, destination: Wallet, money: Money, actor: UUID, details: MovementDetails, now: datetime
) -> Posting:
    if source.id == destination.id:
        raise SameWallet("source and destination must be different wallets")
    _check_wallet(source, money)
    if destination.currency != money.currency:
        raise CurrencyMismatch(
            f"destination wallet holds {destination.currency}, not {money.currency}",
            wallet_id=str(destination.id),
        )
    destination.ensure_active()
    if source.balance < money.amount:
        raise InsufficientFunds(f"wallet {source.id} holds less than {money}", wallet_id=str(source.id))
    txn = _completed(TransactionType.TRANSFER, money, source.id, destination.id, actor, details, now)
    legs = (Leg(source.id, -money.amount), Leg(destination.id, money.amount))
    return Posting(txn, legs, (TransferCompleted(occurred_at=now, transaction=txn),))


def explain_refusal(posting: Posting, states: Mapping[UUID, WalletState]) -> PayBridgeError:
    """Storage re-checks every leg under lock; when it refuses, this says which rule the wallets broke."""
    for leg in posting.legs:
        state = states.get(leg.wallet_id)
        if state is None:
            return WalletNotFound(f"wallet {leg.wallet_id} does not exist")
        if state.currency != posting.currency.code:
            return CurrencyMismatch(
                f"wallet {leg.wallet_id} holds {state.currency}", wallet_id=str(leg.wallet_id)
            )
        if state.status is not WalletStatus.ACTIVE:
            return WalletNotActive(
                f"wallet {leg.wallet_id} is {state.status.value.lower()}", wallet_id=str(leg.wallet_id)
            )
        if not state.is_system and state.balance + leg.delta < 0:
            return InsufficientFunds(
                f"wallet {leg.wallet_id} holds less than {-leg.delta} minor units",
                wallet_id=str(leg.wallet_id),
            )
    return ConcurrencyConflict("storage refused the posting although every wallet looked valid")
