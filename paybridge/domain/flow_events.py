"""Events of the payment flows (holds, reversals, exchanges), KYC and the wallet lifecycle, named in the past
tense. Like every event they are written to the outbox in the same transaction as their change; the
consumer-facing catalogue is docs/events.md."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from paybridge.domain.events import DomainEvent, MoneyMoved
from paybridge.domain.transactions import Transaction
from paybridge.domain.users import User
from paybridge.domain.wallets import Wallet

if TYPE_CHECKING:
    from paybridge.domain.exchange import ExchangeRate
    from paybridge.domain.holds import Hold


def rate_text(rate: Decimal) -> str:
    """An exact decimal as a plain string ("149.25", never "1.4925E+2")."""
    return format(rate.normalize(), "f")


def _opt(value: UUID | None) -> str | None:
    return None if value is None else str(value)


# --- holds ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "hold"
    hold: Hold

    @property
    def aggregate_id(self) -> str:
        return str(self.hold.id)

    def payload(self) -> dict[str, Any]:
        hold = self.hold
        return {
            "hold_id": str(hold.id),
            "transaction_id": str(hold.id),
            "status": hold.status.value,
            "wallet_id": str(hold.wallet_id),
            "destination_wallet_id": _opt(hold.destination_wallet_id),
            "amount": hold.amount.amount,
            "currency": hold.amount.currency.code,
            "captured_amount": hold.captured_amount,
            "expires_at": hold.expires_at.isoformat(),
            "initiated_by": _opt(hold.initiated_by),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldCreated(HoldEvent):
    event_type: ClassVar[str] = "hold.created"


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldCaptured(HoldEvent):
    event_type: ClassVar[str] = "hold.captured"


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldVoided(HoldEvent):
    event_type: ClassVar[str] = "hold.voided"


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldExpired(HoldEvent):
    event_type: ClassVar[str] = "hold.expired"


# --- reversals and exchanges --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionReversed(DomainEvent):
    """Aggregate: the original transaction, so its reversals are delivered in order."""

    event_type: ClassVar[str] = "transaction.reversed"
    aggregate_type: ClassVar[str] = "transaction"
    original: Transaction
    reversal: Transaction

    @property
    def aggregate_id(self) -> str:
        return str(self.original.id)

    def payload(self) -> dict[str, Any]:
        return {
            "transaction_id": str(self.original.id),
            "reversal_transaction_id": str(self.reversal.id),
            "amount": self.reversal.amount.amount,
            "currency": self.reversal.amount.currency.code,
            "reversed_amount": self.original.reversed_amount,
            "original_amount": self.original.amount.amount,
            "reason": self.reversal.description,
            "source_wallet_id": _opt(self.reversal.source_wallet_id),
            "destination_wallet_id": _opt(self.reversal.destination_wallet_id),
            "initiated_by": _opt(self.reversal.initiated_by),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeCompleted(MoneyMoved):
    event_type: ClassVar[str] = "exchange.completed"

    def payload(self) -> dict[str, Any]:
        data = MoneyMoved.payload(self)
        exchange = self.transaction.exchange
        if exchange is not None:
            data["rate"] = rate_text(exchange.rate)
            data["destination_amount"] = exchange.destination_amount.amount
            data["destination_currency"] = exchange.destination_amount.currency.code
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeRateUpdated(DomainEvent):
    event_type: ClassVar[str] = "exchange_rate.updated"
    aggregate_type: ClassVar[str] = "exchange_rate"
    rate: ExchangeRate

    @property
    def aggregate_id(self) -> str:
        return f"{self.rate.base.code}/{self.rate.quote.code}"

    def payload(self) -> dict[str, Any]:
        return {
            "base_currency": self.rate.base.code,
            "quote_currency": self.rate.quote.code,
            "rate": rate_text(self.rate.rate),
            "updated_by": _opt(self.rate.updated_by),
        }


# --- KYC ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class KycEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "user"
    user: User
    previous_status: str
    reason: str | None = None
    decided_by: UUID | None = None

    @property
    def aggregate_id(self) -> str:
        return str(self.user.id)

    def payload(self) -> dict[str, Any]:
        return {
            "user_id": str(self.user.id),
            "kyc_status": self.user.kyc_status.value,
            "previous_status": self.previous_status,
            "reason": self.reason,
            "decided_by": _opt(self.decided_by),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class UserKycSubmitted(KycEvent):
    event_type: ClassVar[str] = "user.kyc_submitted"


@dataclass(frozen=True, slots=True, kw_only=True)
class UserKycVerified(KycEvent):
    event_type: ClassVar[str] = "user.kyc_verified"


@dataclass(frozen=True, slots=True, kw_only=True)
class UserKycRejected(KycEvent):
    event_type: ClassVar[str] = "user.kyc_rejected"


# --- wallet lifecycle and limits --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "wallet"
    wallet: Wallet
    changed_by: UUID | None = None
    reason: str | None = None

    @property
    def aggregate_id(self) -> str:
        return str(self.wallet.id)

    def payload(self) -> dict[str, Any]:
        return {
            "wallet_id": str(self.wallet.id),
            "user_id": _opt(self.wallet.user_id),
            "currency": self.wallet.currency.code,
            "status": self.wallet.status.value,
            "reason": self.reason,
            "changed_by": _opt(self.changed_by),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletSuspended(WalletEvent):
    event_type: ClassVar[str] = "wallet.suspended"


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletActivated(WalletEvent):
    event_type: ClassVar[str] = "wallet.activated"


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletClosed(WalletEvent):
    event_type: ClassVar[str] = "wallet.closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletLimitsChanged(WalletEvent):
    event_type: ClassVar[str] = "wallet.limits_changed"

    def payload(self) -> dict[str, Any]:
        data = WalletEvent.payload(self)
        data["daily_limit"] = self.wallet.limits.daily
        data["monthly_limit"] = self.wallet.limits.monthly
        return data
