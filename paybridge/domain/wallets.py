"""Wallets: the ledger's accounts. User wallets hold a user's money in one currency and never go negative;
system accounts (one per purpose and currency) mirror money outside PayBridge and may go negative."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from paybridge.domain.errors import WalletNotActive
from paybridge.domain.ids import new_id
from paybridge.domain.limits import Limits, OutgoingUsage
from paybridge.domain.money import Currency

_SYSTEM_NAMESPACE = uuid.UUID("6f1c3c1e-8a57-4b8e-9d0e-2f5a0c1b7e11")
SETTLEMENT = "settlement"
"""System account that mirrors external money: debited by deposits, credited by withdrawals."""
FX = "fx"
"""System account (one per currency) that is the counterparty of every currency exchange."""


class WalletStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"


class WalletKind(StrEnum):
    USER = "USER"
    SYSTEM = "SYSTEM"


@dataclass(frozen=True, slots=True)
class Wallet:
    id: UUID
    user_id: UUID | None
    currency: Currency
    status: WalletStatus
    balance: int
    version: int
    created_at: datetime
    updated_at: datetime
    kind: WalletKind = WalletKind.USER
    system_code: str | None = None
    held: int = 0
    """Reserved by pending holds; part of `balance` that cannot be sent."""
    limits: Limits = field(default_factory=Limits)
    """The wallet's own outgoing limits (None: the currency's default)."""
    usage: OutgoingUsage = field(default_factory=OutgoingUsage)

    @property
    def is_system(self) -> bool:
        return self.kind is WalletKind.SYSTEM

    @property
    def available(self) -> int:
        """What the wallet can send now: its balance less the held amount."""
        return self.balance - self.held

    def is_owned_by(self, user_id: UUID) -> bool:
        return self.kind is WalletKind.USER and self.user_id == user_id

    def ensure_active(self) -> None:
        if self.status is not WalletStatus.ACTIVE:
            raise WalletNotActive(f"wallet {self.id} is {self.status.value.lower()}", wallet_id=str(self.id))

    def with_delta(self, delta: int, now: datetime, held_delta: int = 0) -> Wallet:
        return replace(
            self,
            balance=self.balance + delta,
            held=self.held + held_delta,
            version=self.version + 1,
            updated_at=now,
        )

    def changed(self, now: datetime, **changes: object) -> Wallet:
        """A new version of the wallet with `changes` (status, limits, usage ...)."""
        return replace(self, version=self.version + 1, updated_at=now, **changes)  # type: ignore[arg-type]


def open_wallet(user_id: UUID, currency: Currency, now: datetime) -> Wallet:
    return Wallet(new_id(), user_id, currency, WalletStatus.ACTIVE, 0, 0, now, now)


def system_account_id(system_code: str, currency: Currency) -> UUID:
    """Deterministic id, so every process agrees on the account without a lookup."""
    return uuid.uuid5(_SYSTEM_NAMESPACE, f"{system_code}:{currency.code}")


def system_account(system_code: str, currency: Currency, now: datetime) -> Wallet:
    return Wallet(
        id=system_account_id(system_code, currency),
        user_id=None,
        currency=currency,
        status=WalletStatus.ACTIVE,
        balance=0,
        version=0,
        created_at=now,
        updated_at=now,
        kind=WalletKind.SYSTEM,
        system_code=system_code,
    )
