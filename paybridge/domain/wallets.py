"""Wallets: the ledger's accounts. User wallets hold a user's money in one currency and never go negative;
system accounts (one per purpose and currency) mirror money outside PayBridge and may go negative."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from paybridge.domain.errors import WalletNotActive
from paybridge.domain.ids import new_id
from paybridge.domain.money import Currency

_SYSTEM_NAMESPACE = uuid.UUID("6f1c3c1e-8a57-4b8e-9d0e-2f5a0c1b7e11")
SETTLEMENT = "settlement"
"""System account that mirrors external money: debited by deposits, credited by withdrawals."""


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

    @property
    def is_system(self) -> bool:
        return self.kind is WalletKind.SYSTEM

    def is_owned_by(self, user_id: UUID) -> bool:
        return self.kind is WalletKind.USER and self.user_id == user_id

    def ensure_active(self) -> None:
        if self.status is not WalletStatus.ACTIVE:
            raise WalletNotActive(f"wallet {self.id} is {self.status.value.lower()}", wallet_id=str(self.id))

    def with_delta(self, delta: int, now: datetime) -> Wallet:
        return Wallet(
            id=self.id,
            user_id=self.user_id,
            currency=self.currency,
            status=self.status,
            balance=self.balance + delta,
            version=self.version + 1,
            created_at=self.created_at,
            updated_at=now,
            kind=self.kind,
            system_code=self.system_code,
        )


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
